"""Producing and storing the documents of a convention: the code the Celery job and the
`render_documents` command share. Each document is stored once per content (input hash)."""

import copy
import hashlib
import io
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypdf import PdfReader

from ctg.lib.jobs import enqueue_on_commit
from governance import audit, documents
from governance.deliberations import (
    RECORD_FIELDS,
    act_number,
    is_executory,
    lines,
    presiding_title,
    secretaries,
    secretary_heading,
)
from governance.models import ConventionVersion, Document, DocumentJob, version_path
from governance.snapshot import convention_snapshot

logger = logging.getLogger(__name__)


def planned_documents(snapshot) -> list[tuple[str, int | None]]:
    plan = [(Document.Kind.CONVENTION, None), (Document.Kind.CONVENTION_DOCX, None)]
    for index, _party in documents.deliberating_parties(snapshot):
        plan += [(Document.Kind.DELIBERATION_PDF, index), (Document.Kind.DELIBERATION_DOCX, index)]
    return plan


def _filename(snapshot, kind, index) -> str:
    extension = "docx" if kind in (Document.Kind.CONVENTION_DOCX, Document.Kind.DELIBERATION_DOCX) else "pdf"
    if index is None:
        period = f"{snapshot['period']['start'][:4]}-{snapshot['period']['end'][:4]}"
        changed = documents.amendment(snapshot)
        act = f"avenant-{changed['number']}" if changed else "convention"
        return f"{act}-{documents.filename_slug(snapshot['meta']['territory_label'])}-{period}.{extension}"
    party = snapshot["parties"][index]
    return f"deliberation-{documents.filename_slug(party['organisation']['name'])}.{extension}"


def _store(convention, snapshot, kind, index, render) -> Document:
    digest = documents.input_hash(snapshot, kind, index)
    existing = Document.objects.filter(convention=convention, kind=kind, input_hash=digest).first()
    if existing is not None:
        return existing
    content = render()
    party_id = snapshot["parties"][index]["details"]["party_id"] if index is not None else None
    pages = None if content.startswith(b"PK") else len(PdfReader(io.BytesIO(content)).pages)
    document = Document(
        convention=convention,
        kind=kind,
        party_id=party_id,
        input_hash=digest,
        filename=_filename(snapshot, kind, index),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        pages=pages,
    )
    document.file.save(document.filename, ContentFile(content), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:  # another worker stored the same content first
        document.file.delete(save=False)
        document = Document.objects.get(convention=convention, kind=kind, input_hash=digest)
    return document


def _deliberation_record(deliberation) -> dict | None:
    """What the register records of the party's séance, as the extract prints it."""
    if deliberation is None or deliberation.session_date is None:
        return None
    record = {}
    for name in RECORD_FIELDS:
        value = getattr(deliberation, name)
        record[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return {
        **record,
        "act_number": act_number(deliberation.act_id),
        "attendees": lines(deliberation.attendees),
        "proxies": lines(deliberation.proxies),
        "absentees": lines(deliberation.absentees),
        "substitutes": lines(deliberation.substitutes),
        "secretaries": secretaries(deliberation.secretary),
        "secretary_heading": secretary_heading(secretaries(deliberation.secretary)),
        "presiding_title": presiding_title(deliberation.president_quality, deliberation.president_name),
        "executory": is_executory(deliberation),
    }


def document_snapshot(convention) -> tuple[dict, object]:
    """What the documents are rendered from, and the frozen version if there is one: once
    frozen, the version's snapshot with the councils' recorded decisions; before, the live text."""
    version = None if convention.is_editable else ConventionVersion.objects.current(convention)
    if version is None:
        return convention_snapshot(convention), None
    snapshot = copy.deepcopy(version.snapshot)
    records = {d.party_id: d for d in version.deliberations.all()}
    for party in snapshot["parties"]:
        party["deliberation"] = _deliberation_record(records.get(party["details"]["party_id"]))
    return snapshot, version


def _convention_document(convention, snapshot, version) -> Document:
    """The convention PDF of this content, stored once: a frozen version's is the one taken at
    freeze, byte for byte."""
    return _store(
        convention,
        snapshot,
        Document.Kind.CONVENTION,
        None,
        (lambda: _read(ensure_version_pdf(version).pdf))
        if version
        else (lambda: documents.render_convention_pdf(snapshot)),
    )


def _deliberation_document(convention, snapshot, kind, index, annex: Document) -> Document:
    if kind == Document.Kind.DELIBERATION_PDF:
        return _store(
            convention,
            snapshot,
            kind,
            index,
            lambda: documents.render_deliberation_pdf(snapshot, index, _read(annex.file)),
        )
    return _store(convention, snapshot, kind, index, lambda: documents.render_deliberation_docx(snapshot, index))


def produce_documents(convention, job: DocumentJob | None = None) -> list[Document]:
    """The convention PDF, then each deliberation PDF and DOCX; stored files are reused."""
    snapshot, version = document_snapshot(convention)
    plan = planned_documents(snapshot)
    if job is not None:
        DocumentJob.objects.filter(pk=job.pk).update(total=len(plan), done=0)
    produced = []
    annex = None
    for kind, index in plan:
        if kind == Document.Kind.CONVENTION:
            document = annex = _convention_document(convention, snapshot, version)  # attached to every deliberation
        elif kind == Document.Kind.CONVENTION_DOCX:
            document = _store(convention, snapshot, kind, None, lambda: documents.render_convention_docx(snapshot))
        else:
            document = _deliberation_document(convention, snapshot, kind, index, annex)
        produced.append(document)
        if job is not None:
            job.documents.add(document)
            DocumentJob.objects.filter(pk=job.pk).update(done=len(produced))
    return produced


def party_deliberation_document(convention, party, kind) -> Document:
    """One party's deliberation (PDF with the convention annexed, or DOCX) for the present
    content, on demand: what is stored is reused, the convention PDF by its content, so that a
    commune gets its own act in seconds without waiting for every party's."""
    snapshot, version = document_snapshot(convention)
    index = next((i for i, p in documents.deliberating_parties(snapshot) if p["details"]["party_id"] == party.pk), None)
    if index is None:
        raise LookupError(f"{party.organisation.name} ne délibère pas sur cette convention.")
    annex = _convention_document(convention, snapshot, version) if kind == Document.Kind.DELIBERATION_PDF else None
    return _deliberation_document(convention, snapshot, kind, index, annex)


def _read(field_file) -> bytes:
    with field_file.open("rb") as stream:
        return stream.read()


def current_documents(convention) -> tuple[list[Document], bool]:
    """The stored documents of the convention's present content, and whether they are all there."""
    snapshot, _version = document_snapshot(convention)
    wanted = {documents.input_hash(snapshot, kind, index): (kind, index) for kind, index in planned_documents(snapshot)}
    found = list(
        Document.objects.filter(convention=convention, input_hash__in=wanted).select_related("party__organisation")
    )
    return found, len(found) == len(wanted)


def request_documents(convention, user) -> DocumentJob:
    """Queue a generation after the commit, unless one is already under way."""
    with transaction.atomic():
        active = (
            convention.document_jobs.select_for_update(of=("self",))
            .filter(status__in=[DocumentJob.Status.PENDING, DocumentJob.Status.RUNNING])
            .first()
        )
        if active is not None:
            return active
        job = DocumentJob.objects.create(convention=convention, requested_by=user)
        enqueue_on_commit("governance.tasks.generate_documents", job.pk)
    return job


def run_job(job_id: int) -> DocumentJob | None:
    """Claim and run a job; a job already finished is left alone (a second delivery does nothing)."""
    claimed = DocumentJob.objects.filter(
        pk=job_id, status__in=[DocumentJob.Status.PENDING, DocumentJob.Status.RUNNING]
    ).update(status=DocumentJob.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return None
    job = DocumentJob.objects.select_related("convention").get(pk=job_id)
    try:
        produce_documents(job.convention, job)
    except Exception as error:
        DocumentJob.objects.filter(pk=job_id).update(
            status=DocumentJob.Status.FAILED,
            error=f"{error.__class__.__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    DocumentJob.objects.filter(pk=job_id).update(status=DocumentJob.Status.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def ensure_version_pdf(version: ConventionVersion) -> ConventionVersion:
    """The frozen version's PDF, rendered from its snapshot once: a second call, or a second
    job, returns the stored one. Rendering holds no lock; storing is a conditional update,
    so two renderings at once store one file."""
    if version.pdf_sha256:
        return version
    pdf = documents.render_convention_pdf(version.snapshot)
    digest = hashlib.sha256(pdf).hexdigest()
    name = version.pdf.storage.save(version_path(version, f"convention-v{version.number}.pdf"), ContentFile(pdf))
    with transaction.atomic():
        stored = ConventionVersion.objects.filter(pk=version.pk, pdf_sha256="").update(pdf=name, pdf_sha256=digest)
        if stored:
            audit.record(
                version.convention,
                "version_pdf",
                f"PDF de la version {version.number} produit (SHA-256 {digest[:16]}…)",
                version=version,
                pdf_sha256=digest,
            )
    if not stored:
        version.pdf.storage.delete(name)
    version.refresh_from_db()
    return version
