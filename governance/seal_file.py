"""The seal's PKCS#12 file, read and checked without the database: the system check runs it
before anything else, the renewal before installing a new file."""

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12


class CertificateError(Exception):
    """A certificate that cannot serve: the message says why, in French; `problem` says
    which kind of reason ("missing", "unreadable", "expired", "self_signed")."""

    def __init__(self, message: str, problem: str = "unreadable"):
        super().__init__(message)
        self.problem = problem


def load_pkcs12(path: Path, passphrase: bytes) -> x509.Certificate:
    """The certificate of the PKCS#12 at `path`, which must open with `passphrase` and hold
    a key; CertificateError otherwise."""
    try:
        key, certificate, _chain = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase or None)
    except FileNotFoundError as error:
        raise CertificateError(f"Le certificat de scellement est introuvable : {path}.", "missing") from error
    except (ValueError, TypeError) as error:
        raise CertificateError(
            f"Le certificat de scellement {path} ne s'ouvre pas avec SEAL_PKCS12_PASSPHRASE."
        ) from error
    if key is None or certificate is None:
        raise CertificateError(f"{path} ne contient pas de clé et de certificat.")
    return certificate


def is_self_signed(certificate: x509.Certificate) -> bool:
    return certificate.issuer == certificate.subject
