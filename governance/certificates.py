"""The platform's certificates: the seal's PKCS#12, the timestamp authority's roots, the
history of every certificate a document was sealed or timestamped with, and renewal.

In production the seal's certificate is issued by an authority and configured
(SEAL_PKCS12_FILE); a self-signed one is made up only where SEAL_ALLOW_SELF_SIGNED (demo,
tests)."""

import hashlib
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from pyhanko.sign import signers

from governance.models import SealCertificate
from governance.seal_file import CertificateError, is_self_signed, load_pkcs12


def self_signed(common_name: str, purpose, *, valid_from: datetime | None = None, days: int = 3650):
    """A key and a self-signed certificate for `purpose` (an extended key usage): for the demo
    and the tests only."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.PLATFORM_NAME),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    start = valid_from or datetime.now(UTC) - timedelta(days=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        # A timestamp authority's certificate must say so, critically (RFC 3161, 2.3).
        .add_extension(x509.ExtendedKeyUsage([purpose]), critical=purpose == ExtendedKeyUsageOID.TIME_STAMPING)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def self_signed_seal_pkcs12(passphrase: bytes, **validity) -> bytes:
    key, certificate = self_signed(
        f"{settings.PLATFORM_NAME} — cachet (démonstration)", ExtendedKeyUsageOID.EMAIL_PROTECTION, **validity
    )
    return pkcs12.serialize_key_and_certificates(
        b"ctg-seal", key, certificate, None, serialization.BestAvailableEncryption(passphrase)
    )


def _seal_file() -> tuple[Path, bytes]:
    return Path(settings.SEAL_PKCS12_FILE), settings.SEAL_PKCS12_PASSPHRASE.encode()


def platform_signer() -> signers.SimpleSigner:
    """The signer of the configured PKCS#12; made up, self-signed, where that is allowed."""
    path, passphrase = _seal_file()
    if not path.exists():
        if not settings.SEAL_ALLOW_SELF_SIGNED:
            raise ImproperlyConfigured("Le certificat de scellement SEAL_PKCS12_FILE est introuvable.")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self_signed_seal_pkcs12(passphrase))
    signer = signers.SimpleSigner.load_pkcs12_data(path.read_bytes(), other_certs=[], passphrase=passphrase)
    if signer is None:
        raise ImproperlyConfigured(f"Le certificat de scellement {path} ne s'ouvre pas avec SEAL_PKCS12_PASSPHRASE.")
    return signer


def platform_certificate() -> asn1_x509.Certificate:
    return platform_signer().signing_cert


def chain_roots(signer: signers.SimpleSigner) -> list[asn1_x509.Certificate]:
    """What the seal's chain is anchored in: the self-signed certificates of the PKCS#12 (the
    authority's root, or the seal itself in the demo); the seal itself when the file holds
    no root."""
    certificates = [signer.signing_cert, *signer.cert_registry]
    roots = [c for c in certificates if c.self_signed]
    return roots or [signer.signing_cert]


def timestamp_roots() -> list[asn1_x509.Certificate]:
    """The roots of the timestamp authority, from SEAL_TSA_ROOTS_FILE (PEM or DER)."""
    if not settings.SEAL_TSA_ROOTS_FILE:
        return []
    data = Path(settings.SEAL_TSA_ROOTS_FILE).read_bytes()
    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for _type, _headers, der in pem.unarmor(data, multiple=True)]
    return [asn1_x509.Certificate.load(data)]


# --- The history ------------------------------------------------------------------------------


def name_label(name: asn1_x509.Name) -> str:
    """ "CTG Plateforme — cachet, CTG Plateforme, FR": the common name, organisation and
    country, as a reader of the verification page needs them."""
    parts = name.native
    labels = [parts.get(key) for key in ("common_name", "organization_name", "country_name")]
    return ", ".join(str(label) for label in labels if label) or name.human_friendly


def fingerprint(certificate: asn1_x509.Certificate) -> str:
    return hashlib.sha256(certificate.dump()).hexdigest()


def record(certificate: asn1_x509.Certificate, purpose: str) -> SealCertificate:
    """The certificate's line in the history, written the first time it is used."""
    validity = certificate["tbs_certificate"]["validity"]
    recorded, _created = SealCertificate.objects.get_or_create(
        fingerprint=fingerprint(certificate),
        defaults={
            "purpose": purpose,
            "subject": name_label(certificate.subject)[:500],
            "issuer": name_label(certificate.issuer)[:500],
            "serial_number": str(certificate.serial_number)[:100],
            "not_before": validity["not_before"].native,
            "not_after": validity["not_after"].native,
            "self_signed": bool(certificate.self_signed),
            "der": certificate.dump(),
        },
    )
    return recorded


def as_certificate(recorded: SealCertificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(bytes(recorded.der))


def renew(new_pkcs12: Path | None = None) -> tuple[SealCertificate | None, SealCertificate]:
    """Replace the seal's certificate: the current one stays in the history (documents it
    sealed keep verifying), the new one is checked, installed and recorded. Without a new
    file, a new self-signed certificate (only where self-signed ones are allowed)."""
    path, passphrase = _seal_file()
    previous = record(platform_certificate(), SealCertificate.Purpose.SEAL) if path.exists() else None
    if new_pkcs12 is None:
        if not settings.SEAL_ALLOW_SELF_SIGNED:
            raise CertificateError("Indiquez le nouveau certificat (PKCS#12) délivré par votre autorité.")
        data = self_signed_seal_pkcs12(passphrase)
    else:
        data = _checked_pkcs12(Path(new_pkcs12), passphrase)
    if path.exists():
        shutil.copyfile(path, path.with_name(f"{path.stem}.{timezone.now():%Y%m%d%H%M%S}{path.suffix}"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return previous, record(platform_certificate(), SealCertificate.Purpose.SEAL)


def _checked_pkcs12(path: Path, passphrase: bytes) -> bytes:
    certificate = load_pkcs12(path, passphrase)
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise CertificateError(
            f"Le certificat de {path} n'est pas valide aujourd'hui "
            f"(du {certificate.not_valid_before_utc:%d/%m/%Y} au {certificate.not_valid_after_utc:%d/%m/%Y}).",
            "expired",
        )
    if is_self_signed(certificate) and not settings.SEAL_ALLOW_SELF_SIGNED:
        raise CertificateError(
            "Le nouveau certificat est auto-signé : il faut un certificat délivré par une autorité.", "self_signed"
        )
    return path.read_bytes()
