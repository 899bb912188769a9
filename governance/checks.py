"""System checks of what sealing needs: in production, the platform's own certificate."""

from pathlib import Path

from django.conf import settings
from django.core import checks

from governance.seal_file import CertificateError, is_self_signed, load_pkcs12

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
    try:
        certificate = load_pkcs12(Path(settings.SEAL_PKCS12_FILE), settings.SEAL_PKCS12_PASSPHRASE.encode())
    except CertificateError as error:
        code = "governance.E001" if error.problem == "missing" else "governance.E002"
        return [*errors, checks.Error(str(error), hint=HINT, id=code)]
    if is_self_signed(certificate):
        errors.append(
            checks.Error(
                "Le certificat de scellement est auto-signé : il ne sert qu'à la démonstration et aux tests.",
                hint="Utilisez un certificat de cachet délivré par une autorité de certification.",
                id="governance.E003",
            )
        )
    return errors
