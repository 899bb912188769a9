"""docker-compose.yml cannot run on these machines: these tests keep it in step with the
settings and the code by reading it."""

import re
import subprocess
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def required_env_names() -> set[str]:
    """Environment variables that production settings read without a default."""
    source = (ROOT / "ctg/settings/production.py").read_text()
    return set(re.findall(r'env\.\w+\("([A-Z_]+)"\)', source))


def test_compose_runs_every_part_with_health_checks():
    services = COMPOSE["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= services.keys()
    assert services["db"]["image"] == "postgres:15"
    for name in ("db", "redis", "web", "worker", "beat"):
        assert "healthcheck" in services[name], name
    web = " ".join(services["web"]["command"])
    assert "ctg.wsgi:application" in web
    # gunicorn runs no system check: the command runs them first (no seal certificate, no start).
    assert web.index("manage.py check --deploy --fail-level ERROR &&") < web.index("gunicorn")
    assert "random_page_cost=1.1" in services["db"]["command"]  # benchmarked with it (benchmarks/README.md)
    # Redis evicts cached values (they expire), never queued jobs (they do not).
    assert services["redis"]["command"][-2:] == ["--maxmemory-policy", "volatile-lru"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "ctg", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "ctg", "beat"]


def test_the_app_services_get_every_setting_production_requires():
    example = (ROOT / ".env.example").read_text()
    provided = set(re.findall(r"^([A-Z0-9_]+)=", example, re.MULTILINE))
    for name in ("web", "worker", "beat", "migrate"):
        service = COMPOSE["services"][name]
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "ctg.settings.production"
        assert {"DATABASE_URL", "REDIS_URL"} <= service["environment"].keys()
        assert service["env_file"] == ".env"
    missing = required_env_names() - provided
    assert not missing, f".env.example does not set {missing}"
    # The seal certificate: documented, and the same file for the web (which verifies) and the
    # worker (which seals).
    assert {"SEAL_PKCS12_FILE", "SEAL_PKCS12_PASSPHRASE"} <= provided
    for name in ("web", "worker"):
        assert "${SEAL_DIR:-./seal}:/app/seal:ro" in COMPOSE["services"][name]["volumes"]


def test_the_health_check_path_exists_and_skips_the_tls_redirect(client, db):
    assert client.get("/sante/").status_code in (200, 503)
    source = (ROOT / "ctg/settings/production.py").read_text()
    assert 'r"^sante/$"' in source


def test_no_secret_is_committed():
    """No private key, certificate store, environment file or service token in the repository:
    every secret comes from the environment (production settings) or is generated (demo seal)."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    paths = [path for path in tracked.decode().split("\0") if path]
    assert len(paths) > 100
    secret_files = re.compile(r"(^|/)(\.env|id_rsa|id_ed25519)$|\.(pem|key|p12|pfx|jks)$")
    assert [path for path in paths if secret_files.search(path)] == []
    # Written in two pieces so that this file does not match itself.
    secret_texts = re.compile(
        "-----BEGIN [A-Z ]*" + "PRIVATE KEY-----|AKIA" + "[0-9A-Z]{16}|gh" + "p_[A-Za-z0-9]{36}|sk_" + "live_"
    )
    readable = [ROOT / path for path in paths if (ROOT / path).is_file()]
    found = [file for file in readable if secret_texts.search(file.read_bytes().decode("utf-8", "ignore"))]
    assert found == []
