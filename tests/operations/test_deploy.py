import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings


def test_production_settings_pass_check_deploy():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "ctg.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-secret-for-the-check-0123456789",
        "DJANGO_ALLOWED_HOSTS": "ctg.example.org",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRODUCTION_NEEDS = {
    "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-secret-for-the-check-0123456789",
    "DATABASE_URL": "postgres://ctg@127.0.0.1:5432/ctg",
    "DJANGO_ALLOWED_HOSTS": "ctg.example.org",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


@pytest.mark.parametrize("settings_module", ["ctg.settings.base", "ctg.settings.production"])
@pytest.mark.parametrize("missing", sorted(PRODUCTION_NEEDS))
def test_settings_refuse_to_start_without_what_production_needs(settings_module, missing):
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_NEEDS}
    env.update({name: value for name, value in PRODUCTION_NEEDS.items() if name != missing})
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


@pytest.mark.parametrize("settings_module", ["ctg.settings.demo", "ctg.settings.test", "ctg.settings.production"])
def test_reading_the_settings_writes_nothing_to_disk(settings_module, tmp_path):
    """Settings are read by every command and every process: none of them creates a folder."""
    var = Path(settings.BASE_DIR) / "var"
    before = sorted(var.rglob("*")) if var.exists() else None
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_NEEDS or settings_module.endswith("test")}
    if settings_module.endswith("production"):
        env.update(PRODUCTION_NEEDS)
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; settings.DATABASES"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (sorted(var.rglob("*")) if var.exists() else None) == before
