"""The signed convention: the frozen PDF, a completed signature page and an evidence page,
sealed with a PAdES signature (pyHanko) by the platform's certificate, timestamped by an RFC
3161 authority; in two copies (the original for the parties, the public copy without e-mail or
IP addresses); and their verification."""

import hashlib
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from ctg.lib.pdf import html_to_pdf
from ctg.lifecycle import Status
from ctg.models import Convention
from governance import audit, documents
from governance.certificates import (
    as_certificate,
    chain_roots,
    fingerprint,
    name_label,
    platform_signer,
    record,
    timestamp_roots,
)
from governance.generation import ensure_version_pdf
from governance.models import ConventionVersion, SealCertificate, SignatureRequest
from governance.timestamping import timestamper

logger = logging.getLogger(__name__)

SEAL_FIELD = "ScellementCTG"
SEAL_REASON = "Convention territoriale globale signée par toutes les parties"


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
        "public": False,
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
    """Produce and store the two sealed copies once; a second call returns the stored ones.

    The PDFs are rendered and sealed outside any transaction (seconds of work, and a call to
    the timestamp authority): the row is locked only to store them, and a version sealed
    meanwhile by another worker is kept as it is."""
    version = ConventionVersion.objects.select_related("convention").get(pk=version.pk)
    if version.signed_sha256:
        return version
    if version.signature_requests.exclude(status=SignatureRequest.Status.SIGNED).exists():
        raise ValueError("Toutes les parties n'ont pas signé.")
    with ensure_version_pdf(version).pdf.open("rb") as stream:
        frozen = stream.read()
    context = evidence_context(version)
    scans = _paper_scans(context["requests"])
    signer, stamper, authority_roots = platform_signer(), timestamper(), timestamp_roots()
    certificate = record(signer.signing_cert, SealCertificate.Purpose.SEAL)
    for root in authority_roots:
        record(root, SealCertificate.Purpose.TIMESTAMP)
    sealing_with = (signer, stamper, [*chain_roots(signer), *authority_roots])
    original, level = _sealed(documents.attach(frozen, html_to_pdf(_evidence(context)), *scans), *sealing_with)
    public, _level = _sealed(
        documents.attach(frozen, html_to_pdf(_evidence({**context, "public": True})), *scans), *sealing_with
    )
    with transaction.atomic():
        version = (
            ConventionVersion.objects.select_for_update(of=("self",)).select_related("convention").get(pk=version.pk)
        )
        if version.signed_sha256:
            return version
        version.signed_pdf.save(f"convention-v{version.number}-signee.pdf", ContentFile(original), save=False)
        version.signed_sha256 = hashlib.sha256(original).hexdigest()
        version.public_pdf.save(f"convention-v{version.number}-copie-publique.pdf", ContentFile(public), save=False)
        version.public_sha256 = hashlib.sha256(public).hexdigest()
        version.sealed_at = timezone.now()
        version.seal_certificate = certificate
        version.save(
            update_fields=[
                "signed_pdf",
                "signed_sha256",
                "public_pdf",
                "public_sha256",
                "sealed_at",
                "seal_certificate",
            ]
        )
        convention = Convention.objects.get(pk=version.convention_id)
        if convention.status == Status.SIGNATURES:
            convention.transition(Status.SIGNED)
        audit.record(
            convention,
            "seal",
            f"Convention signée scellée (PAdES {level}) par le certificat {certificate.formatted_fingerprint[:23]}…, "
            f"SHA-256 {version.signed_sha256[:16]}… ; copie publique SHA-256 {version.public_sha256[:16]}…",
            version=version,
            signed_sha256=version.signed_sha256,
            public_sha256=version.public_sha256,
            certificate=certificate.fingerprint,
            level=level,
        )
    return version


def _evidence(context: dict) -> str:
    return render_to_string("documents/evidence.html", context)


def _sealed(combined: bytes, signer, stamper, roots) -> tuple[bytes, str]:
    """The PDF sealed (PAdES) and timestamped by the configured authority, with the chains'
    validation data embedded when they validate (B-LT); and the level reached."""

    def sign(long_term: bool) -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=SEAL_REASON,
            location="France",
            name=settings.PLATFORM_NAME,
            embed_validation_info=long_term,
            validation_context=(
                ValidationContext(trust_roots=roots, allow_fetching=settings.SEAL_FETCH_REVOCATION)
                if long_term
                else None
            ),
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(combined))
        return signers.sign_pdf(writer, meta, signer=signer, timestamper=stamper).getvalue()

    if stamper is None:
        return sign(False), "B-B"
    try:
        return sign(True), "B-LT"
    except SigningError:
        # A chain that does not validate here (an authority's root not configured) still
        # gets its timestamp, without the validation data.
        logger.warning("validation data of the seal could not be embedded: sealed without it (B-T)")
        return sign(False), "B-T"


# --- Verification -----------------------------------------------------------------------------


@dataclass
class Verification:
    ok: bool
    message: str
    version: ConventionVersion | None = None
    signed_at: datetime | None = None
    certificate: SealCertificate | None = None
    timestamped_at: datetime | None = None
    timestamp_authority: str = ""
    public_copy: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def details(self) -> list[tuple[str, str]]:
        """What the verifier shows beside the answer: the certificate, the timestamp."""
        lines = []
        if self.certificate:
            c = self.certificate
            lines += [
                ("Certificat du cachet", c.subject),
                ("Empreinte SHA-256 du certificat", c.formatted_fingerprint),
                ("Validité du certificat", f"du {c.not_before:%d/%m/%Y} au {c.not_after:%d/%m/%Y}"),
            ]
        if self.timestamped_at:
            lines.append(
                (
                    "Horodatage (RFC 3161)",
                    f"le {timezone.localtime(self.timestamped_at):%d/%m/%Y à %H:%M:%S}, par {self.timestamp_authority}",
                )
            )
        return lines


def verify(content: bytes) -> Verification:
    """Is this an intact sealed convention of this platform? Which one, sealed when, by which
    of the platform's certificates (the one of its time, even if renewed since)?"""
    if not content.startswith(b"%PDF"):
        return Verification(False, "Ce fichier n'est pas un PDF.")
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        seals = [s for s in reader.embedded_signatures if s.field_name == SEAL_FIELD]
        signer_certificate = seals[-1].signer_cert if seals else None
    except Exception:  # noqa: BLE001 - a damaged file is an answer, not an error
        return Verification(False, "Ce PDF est endommagé : il ne peut pas être vérifié.")
    if not seals:
        return Verification(False, "Ce PDF ne porte pas le cachet de la plateforme.")
    seal_ = seals[-1]
    certificate = SealCertificate.objects.filter(
        fingerprint=fingerprint(signer_certificate), purpose=SealCertificate.Purpose.SEAL
    ).first()
    if certificate is None:
        return Verification(False, "Ce PDF est scellé par un autre certificat que ceux de la plateforme.")
    claimed = seal_.self_reported_timestamp
    if claimed is None or not certificate.valid_at(claimed):
        return Verification(
            False,
            "Ce PDF a été scellé hors de la période de validité du certificat de la plateforme "
            f"(du {certificate.not_before:%d/%m/%Y} au {certificate.not_after:%d/%m/%Y}).",
            certificate=certificate,
        )
    anchors = [as_certificate(c) for c in SealCertificate.objects.all()]
    try:
        status = validate_pdf_signature(
            seal_, ValidationContext(trust_roots=anchors, allow_fetching=False, moment=claimed)
        )
    except Exception:  # noqa: BLE001
        return Verification(False, "Le cachet de ce PDF ne peut pas être vérifié : le document a été altéré.")
    if not status.intact or not status.valid:
        return Verification(
            False, "Le cachet ne correspond plus au contenu : le document a été modifié après scellement."
        )
    if not status.trusted:
        return Verification(False, "Le cachet de ce PDF ne se rattache pas au certificat de la plateforme.")
    # After the seal, only the validation data of PAdES B-LT may have been added.
    if status.coverage.name != "ENTIRE_FILE" and status.modification_level != ModificationLevel.LTA_UPDATES:
        return Verification(False, "Des modifications ont été ajoutées au document après son scellement.")
    digest = hashlib.sha256(content).hexdigest()
    version = (
        ConventionVersion.objects.select_related("convention")
        .filter(Q(signed_sha256=digest) | Q(public_sha256=digest))
        .first()
    )
    if version is None:
        return Verification(False, "Ce PDF est scellé par la plateforme mais ne correspond à aucune convention connue.")
    result = Verification(
        True,
        f"Document intact : « {version.convention.title} », version {version.number}, scellée le "
        f"{timezone.localtime(version.sealed_at):%d/%m/%Y à %H:%M}"
        + (
            " (copie publique, sans adresses électroniques ni adresses IP)." if digest == version.public_sha256 else "."
        ),
        version,
        version.sealed_at,
        certificate,
        public_copy=digest == version.public_sha256,
    )
    stamp = status.timestamp_validity
    if stamp is not None and stamp.intact and stamp.valid:
        result.timestamped_at = stamp.timestamp
        result.timestamp_authority = name_label(stamp.signing_cert.subject)
        if not stamp.trusted:
            result.notes.append("L'autorité d'horodatage n'est pas parmi celles que la plateforme connaît.")
    else:
        result.notes.append("Ce cachet ne porte pas d'horodatage qualifié : la date est celle du serveur.")
    if certificate.self_signed:
        result.notes.append(
            "Le certificat de ce cachet est auto-signé : il ne sert qu'à la démonstration et aux tests, "
            "pas à des documents officiels."
        )
    return result
