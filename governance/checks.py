"""System checks of what sealing needs: in production, the platform's own certificate."""

from pathlib import Path

from django.conf import settings
from django.core import checks

HINT = "Renseignez SEAL_PKCS12_FILE et SEAL_PKCS12_PASSPHRASE (voir .env.example) ; le fichier est monté pour web et worker."


def seal_certificate_check(app_configs, **kwargs):
    """Where self-signed certificates are not allowed (production), the seal's PKCS#12 must be
    there, open with its passphrase, and be issued by an authority: a platform that seals with a
    certificate made up on the spot would seal documents nobody can trust."""
    if settings.SEAL_ALLOW_SELF_SIGNED:
        return []
    errors = []
    if not settings.SEAL_TSA_URL:
        errors.append(
            checks.Error(
                "Aucune autorité d'horodatage (SEAL_TSA_URL) : les documents scellés n'auraient pas de date sûre.",
                hint="Renseignez SEAL_TSA_URL et SEAL_TSA_ROOTS_FILE (voir .env.example).",
                id="governance.E004",
            )
        )
    return errors + _pkcs12_errors()


def _pkcs12_errors():
    from cryptography.hazmat.primitives.serialization import pkcs12

    path = Path(settings.SEAL_PKCS12_FILE)
    try:
        key, certificate, _chain = pkcs12.load_key_and_certificates(
            path.read_bytes(), settings.SEAL_PKCS12_PASSPHRASE.encode() or None
        )
    except FileNotFoundError:
        return [checks.Error(f"Le certificat de scellement est introuvable : {path}.", hint=HINT, id="governance.E001")]
    except (ValueError, TypeError):
        return [
            checks.Error(
                f"Le certificat de scellement {path} ne s'ouvre pas avec SEAL_PKCS12_PASSPHRASE.",
                hint=HINT,
                id="governance.E002",
            )
        ]
    if key is None or certificate is None:
        return [checks.Error(f"{path} ne contient pas de clé et de certificat.", hint=HINT, id="governance.E002")]
    if certificate.issuer == certificate.subject:
        return [
            checks.Error(
                "Le certificat de scellement est auto-signé : il ne sert qu'à la démonstration et aux tests.",
                hint="Utilisez un certificat de cachet délivré par une autorité de certification.",
                id="governance.E003",
            )
        ]
    return []
