"""The signed convention: the frozen PDF, a completed signature page and an evidence page,
sealed with a PAdES signature (pyHanko) by the platform's certificate; and its verification."""

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from ctg.lib.pdf import html_to_pdf
from ctg.lifecycle import Status
from ctg.models import Convention
from governance import audit, documents
from governance.generation import ensure_version_pdf
from governance.models import ConventionVersion, SignatureRequest

SEAL_FIELD = "ScellementCTG"
SEAL_REASON = "Convention territoriale globale signée par toutes les parties"


# --- The platform's certificate --------------------------------------------------------------


def _generate_self_signed(path: Path, passphrase: bytes) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.PLATFORM_NAME),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{settings.PLATFORM_NAME} — cachet (démonstration)"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
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
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .sign(key, hashes.SHA256())
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"ctg-seal", key, certificate, None, serialization.BestAvailableEncryption(passphrase)
        )
    )


def _pkcs12() -> tuple[bytes, bytes]:
    path = Path(settings.SEAL_PKCS12_FILE)
    passphrase = settings.SEAL_PKCS12_PASSPHRASE.encode()
    if not path.exists():
        if not settings.SEAL_ALLOW_SELF_SIGNED:
            raise ImproperlyConfigured("Le certificat de scellement SEAL_PKCS12_FILE est introuvable.")
        _generate_self_signed(path, passphrase)
    return path.read_bytes(), passphrase


def platform_signer():
    from pyhanko.sign import signers

    data, passphrase = _pkcs12()
    return signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=passphrase)


def platform_certificate() -> asn1_x509.Certificate:
    return platform_signer().signing_cert


# --- Sealing -----------------------------------------------------------------------------------


def evidence_context(version: ConventionVersion) -> dict:
    snapshot = version.snapshot
    requests = list(
        version.signature_requests.select_related("party__organisation", "signed_by").order_by(
            "signing_group", "party__organisation__name"
        )
    )
    deliberations = {d.party_id: d for d in version.deliberations.all()}
    events = list(version.convention.audit_events.filter(version=version).select_related("actor", "party"))
    # What the trail recorded, not what the method implies: the codes actually sent.
    codes_sent = {}
    for event in events:
        if event.kind == "signature_code" and event.party_id:
            codes_sent[event.party_id] = event.created_at
    for request in requests:
        request.code_sent_at = codes_sent.get(request.party_id)
    return {
        "doc": snapshot,
        "meta": snapshot["meta"],
        "version": version,
        "requests": [(r, deliberations.get(r.party_id)) for r in requests],
        "events": [
            e
            for e in events
            if e.kind
            in (
                "freeze",
                "deliberation_recorded",
                "deliberation_transmitted",
                "signatories_designated",
                "signatures_opened",
                "email",
                "signature_code",
                "signature",
            )
        ],
        "sealed_at": timezone.now(),
    }


def _paper_scans(requests) -> list[bytes]:
    """The pages signed on paper, in the circuit's order: part of the sealed original."""
    scans = []
    for request, _deliberation in requests:
        if request.method == SignatureRequest.Method.PAPER and request.scan:
            with request.scan.open("rb") as stream:
                scans.append(stream.read())
    return scans


def seal(version: ConventionVersion) -> ConventionVersion:
    """Produce and store the sealed PDF once; a second call returns the stored one."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    with transaction.atomic():
        version = (
            ConventionVersion.objects.select_for_update(of=("self",)).select_related("convention").get(pk=version.pk)
        )
        if version.signed_sha256:
            return version
        if version.signature_requests.exclude(status=SignatureRequest.Status.SIGNED).exists():
            raise ValueError("Toutes les parties n'ont pas signé.")
        with ensure_version_pdf(version).pdf.open("rb") as stream:
            frozen = stream.read()
        context = evidence_context(version)
        pages = html_to_pdf(render_to_string("documents/evidence.html", context))
        combined = documents.attach(frozen, pages, *_paper_scans(context["requests"]))
        writer = IncrementalPdfFileWriter(io.BytesIO(combined))
        meta = signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=SEAL_REASON,
            location="France",
            name=settings.PLATFORM_NAME,
        )
        sealed = signers.sign_pdf(writer, meta, signer=platform_signer()).getvalue()
        version.signed_pdf.save(f"convention-v{version.number}-signee.pdf", ContentFile(sealed), save=False)
        version.signed_sha256 = hashlib.sha256(sealed).hexdigest()
        version.sealed_at = timezone.now()
        version.save(update_fields=["signed_pdf", "signed_sha256", "sealed_at"])
        convention = Convention.objects.get(pk=version.convention_id)
        if convention.status == Status.SIGNATURES:
            convention.transition(Status.SIGNED)
        audit.record(
            convention,
            "seal",
            f"Convention signée scellée (PAdES), SHA-256 {version.signed_sha256[:16]}…",
            version=version,
            signed_sha256=version.signed_sha256,
        )
    return version


# --- Verification -----------------------------------------------------------------------------


@dataclass
class Verification:
    ok: bool
    message: str
    version: ConventionVersion | None = None
    signed_at: datetime | None = None


def verify(content: bytes) -> Verification:
    """Is this an intact sealed convention of this platform? Which one, sealed when?"""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    if not content.startswith(b"%PDF"):
        return Verification(False, "Ce fichier n'est pas un PDF.")
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 - a damaged file is an answer, not an error
        return Verification(False, "Ce PDF est endommagé : il ne peut pas être vérifié.")
    seals = [s for s in signatures if s.field_name == SEAL_FIELD]
    if not seals:
        return Verification(False, "Ce PDF ne porte pas le cachet de la plateforme.")
    try:
        status = validate_pdf_signature(seals[-1], ValidationContext(trust_roots=[platform_certificate()]))
    except Exception:  # noqa: BLE001
        return Verification(False, "Le cachet de ce PDF ne peut pas être vérifié : le document a été altéré.")
    if not status.intact or not status.valid:
        return Verification(
            False, "Le cachet ne correspond plus au contenu : le document a été modifié après scellement."
        )
    if not status.trusted:
        return Verification(False, "Ce PDF est scellé par un autre certificat que celui de la plateforme.")
    if status.coverage.name != "ENTIRE_FILE":
        return Verification(False, "Des modifications ont été ajoutées au document après son scellement.")
    version = (
        ConventionVersion.objects.select_related("convention")
        .filter(signed_sha256=hashlib.sha256(content).hexdigest())
        .first()
    )
    if version is None:
        return Verification(False, "Ce PDF est scellé par la plateforme mais ne correspond à aucune convention connue.")
    return Verification(
        True,
        f"Document intact : « {version.convention.title} », version {version.number}, scellée le "
        f"{timezone.localtime(version.sealed_at):%d/%m/%Y à %H:%M}.",
        version,
        version.sealed_at,
    )
