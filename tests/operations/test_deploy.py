import os
import subprocess
import sys

import pytest
from django.conf import settings

from governance.checks import seal_certificate_check


def seal_pkcs12(path, *, self_signed=False, passphrase=b"seal-passphrase"):
    """A seal certificate as an operator installs it: issued by an authority (or, to be
    refused, self-signed), in a PKCS#12 file with its passphrase."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    def name(common_name):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    now = datetime.now(UTC)
    authority_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    issuer = name("Autorité de test") if not self_signed else name("Cachet CTG")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name("Cachet CTG"))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key if self_signed else authority_key, hashes.SHA256())
    )
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal", key, certificate, None, serialization.BestAvailableEncryption(passphrase)
        )
    )
    return {
        "SEAL_PKCS12_FILE": str(path),
        "SEAL_PKCS12_PASSPHRASE": passphrase.decode(),
        "SEAL_TSA_URL": "https://horodatage.example.fr/tsa",
    }


@pytest.fixture
def seal(tmp_path):
    return seal_pkcs12(tmp_path / "cachet.p12")


def check_deploy(**environment):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "ctg.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-secret-for-the-check-0123456789",
        "DJANGO_ALLOWED_HOSTS": "ctg.example.org",
        **environment,
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def test_production_settings_pass_check_deploy(seal):
    result = check_deploy(DJANGO_PROXY_COUNT="1", **seal)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_real_seal_certificate(tmp_path, seal, settings):
    """No certificate, a wrong passphrase, a self-signed one, or no timestamp authority: the
    system check stops the start (the demo and the tests alone make one up). The production
    settings themselves, in a process of their own, for the missing file; the check's other
    answers with the same settings in this process."""
    missing = check_deploy(DJANGO_PROXY_COUNT="1", SEAL_PKCS12_FILE=str(tmp_path / "absent.p12"))
    assert missing.returncode != 0 and "governance.E001" in missing.stderr
    assert "Le certificat de scellement est introuvable" in missing.stderr

    def errors(**environment):
        settings.SEAL_ALLOW_SELF_SIGNED = False
        for name, value in environment.items():
            setattr(settings, name, value)
        return {error.id: error.msg for error in seal_certificate_check(None)}

    assert errors(**seal) == {}
    assert "governance.E002" in errors(**{**seal, "SEAL_PKCS12_PASSPHRASE": "pas-la-bonne"})
    assert "governance.E003" in errors(**seal_pkcs12(tmp_path / "auto.p12", self_signed=True))
    untimed = errors(**{**seal, "SEAL_TSA_URL": ""})
    assert untimed["governance.E004"].startswith("Aucune autorité d'horodatage")


def test_production_behind_a_proxy_needs_the_proxy_count():
    """Left at 0 behind the proxy, everybody would share its address for login throttling."""
    result = check_deploy(DJANGO_PROXY_COUNT="0")
    assert result.returncode != 0
    assert "ctg.E001" in result.stderr and "DJANGO_PROXY_COUNT vaut 0" in result.stderr
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_PROXY_COUNT"}
    # One proxy: the visitor is the address it appended, the right-most of X-Forwarded-For
    # (tests/territories/test_auth.py::test_behind_a_proxy_each_visitor_counts_apart).
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", READ_PROXY_SETTINGS],
        cwd=settings.BASE_DIR,
        env={**env, **PRODUCTION_NEEDS, "DJANGO_SETTINGS_MODULE": "ctg.settings.production", "DJANGO_PROXY_COUNT": "1"},
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["0", "HTTP_X_FORWARDED_FOR,REMOTE_ADDR"], result.stderr
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={**env, **PRODUCTION_NEEDS, "DJANGO_SETTINGS_MODULE": "ctg.settings.production"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "Set the DJANGO_PROXY_COUNT environment variable" in result.stderr


READ_PROXY_SETTINGS = (
    "from django.conf import settings; "
    "print(settings.AXES_IPWARE_PROXY_COUNT, ','.join(settings.AXES_IPWARE_META_PRECEDENCE_ORDER))"
)
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
    env.update(DJANGO_SETTINGS_MODULE=settings_module, DJANGO_PROXY_COUNT="1")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


@pytest.mark.parametrize("settings_module", ["ctg.settings.demo", "ctg.settings.test", "ctg.settings.production"])
def test_reading_the_settings_writes_nothing_to_disk(settings_module):
    """Settings are read by every command and every process: none of them creates a file or a
    folder. The process itself reports what it opens for writing (Python's audit hooks), so
    that tests writing beside it in parallel do not count."""
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_NEEDS or settings_module.endswith("test")}
    if settings_module.endswith("production"):
        env.update(PRODUCTION_NEEDS, DJANGO_PROXY_COUNT="1")
    env.update(DJANGO_SETTINGS_MODULE=settings_module, PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", WRITES_REPORTED],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    written = [path for path in result.stdout.splitlines() if path.startswith(str(settings.BASE_DIR))]
    assert written == []


# Run in a process of its own: prints every path opened for writing, or made, while Django
# starts and reads its settings.
WRITES_REPORTED = """
import os, sys
written = []
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT

def report(event, args):
    if event in ("os.mkdir", "os.rename", "os.symlink"):
        written.append(os.path.abspath(str(args[0])))
    elif event == "open" and (
        (isinstance(args[1], str) and any(flag in args[1] for flag in "wax+"))
        or (isinstance(args[2], int) and args[2] & WRITE)
    ):
        written.append(os.path.abspath(str(args[0])))

sys.addaudithook(report)
import django
django.setup()
from django.conf import settings
settings.DATABASES
print("\\n".join(written))
"""
