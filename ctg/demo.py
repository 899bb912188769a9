"""The demo's conventions: the four real CTGs of the seeds, imported from fixtures/demo/
through the same JSON import as users' documents."""

from pathlib import Path

from django.conf import settings

from ctg import exchange
from ctg.models import Convention

DEMO_DOCUMENTS = sorted((Path(settings.BASE_DIR) / "fixtures" / "demo").glob("*.json"))


def load_demo_conventions(created_by=None) -> list[Convention]:
    """Import each document whose convention is not there yet (by title): idempotent."""
    conventions = []
    for path in DEMO_DOCUMENTS:
        raw = path.read_bytes()
        title = exchange.parse(raw)["title"]
        convention = Convention.objects.filter(title=title).first()
        if convention is None:
            convention = exchange.import_convention(raw, created_by=created_by)
        conventions.append(convention)
    return conventions


def run_demo_workflow(convention: Convention) -> None:
    """Take the Montluçon Communauté CTG 2021-2025 through its whole workflow, as in reality
    (signed on 12 July 2022 between the CA and the Caf de l'Allier). Its act id and séance
    date are illustrative. Idempotent: a sealed convention is left alone."""
    from datetime import date, datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from ctg.lifecycle import Status
    from governance import sealing, workflows
    from governance.models import Deliberation, SignatureRequest
    from territories.models import User

    if convention.versions.exclude(signed_sha256="").exists():
        return
    adviser = User.objects.get(email="conseiller.caf03@demo.example")
    coordinator = User.objects.get(email="coordinateur.montlucon@demo.example")
    if convention.status == Status.DRAFT:
        type(convention).objects.filter(pk=convention.pk).update(is_published=True)
        convention.refresh_from_db()
        convention.transition(Status.REVIEW, by=adviser)
    if convention.status == Status.REVIEW:
        workflows.freeze(convention, by=adviser)
        convention.refresh_from_db()
    if convention.status == Status.FROZEN:
        workflows.launch_deliberations(convention, by=adviser)
        convention.refresh_from_db()
    for deliberation in Deliberation.objects.pending().filter(convention=convention).select_related("party"):
        workflows.record_deliberation(
            deliberation,
            {
                "session_date": date(2022, 6, 30),
                "outcome": Deliberation.Outcome.ADOPTED,
                "in_office": 68,
                "present": 55,
                "represented": 8,
                "voting": 63,
                "votes_for": 61,
                "votes_against": 0,
                "abstentions": 2,
                "secretary": "Mme Martin",
                "act_id": "003-200071082-20220630-D2022_045-DE",
                "sent_to_prefecture": date(2022, 7, 4),
                "received_by_prefecture": date(2022, 7, 4),
                "published_on": date(2022, 7, 5),
            },
            by=coordinator,
        )
    signing_day = timezone.make_aware(datetime(2022, 7, 12, 11, 0))
    version = workflows.current_version(convention)
    for request in version.signature_requests.select_related("party__organisation", "convention", "version"):
        if request.status == SignatureRequest.Status.SIGNED:
            continue
        request.refresh_from_db()
        if request.party.organisation.kind == "caf":
            workflows.record_paper_signature(
                request,
                signer_name="Le Directeur de la Caf de l'Allier",
                signed_on=date(2022, 7, 12),
                scan=ContentFile(b"%PDF-1.4\n% page de signature scannee (demonstration)\n%%EOF\n", name="scan.pdf"),
                by=adviser,
            )
        else:
            workflows._mark_signed(
                request,
                user=coordinator,
                method=SignatureRequest.Method.ELECTRONIC,
                ip="127.0.0.1",
                signer_name="Le Président de Montluçon Communauté",
                signed_at=signing_day,
            )
    sealing.seal(workflows.current_version(convention))
    workflows.scan()
