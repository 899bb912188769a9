"""The demo's conventions: the four real CTGs of the seeds, imported from fixtures/demo/
through the same JSON import as users' documents, then taken through the workflow with the
same public functions users trigger."""

import functools
from datetime import date, datetime, time
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from actions.follow_up import record_follow_up, remind_stale_sheets
from actions.models import ActionSheet, BudgetLine, EvaluationIndicator, SheetUpdate
from ctg.lib.pdf import html_to_pdf
from ctg.lifecycle import Status
from ctg.models import Convention
from governance import exchange, sealing, workflows
from governance.models import Committee, ConventionVersion, Deliberation, Meeting, SignatureRequest
from governance.renewal import prepare_next
from governance.signatories import Signatory
from territories.identifiers import siret_error
from territories.models import Organisation, User

DEMO_DOCUMENTS = sorted((Path(settings.BASE_DIR) / "fixtures" / "demo").glob("*.json"))


@functools.cache
def demo_scan() -> bytes:
    """The page a party signs on paper, as the Caf scans it (one page, for the demo)."""
    return html_to_pdf(
        "<html lang='fr'><body style='font-family: serif; margin: 4cm 2.5cm'>"
        "<p><strong>Page des signatures</strong> — scan de démonstration</p>"
        "<p>Pour la partie : signature manuscrite et cachet de l'organisation.</p>"
        "</body></html>"
    )


def _name_executives(convention: Convention, executives: dict[str, tuple[str, str]], adviser) -> None:
    """Name each party's executive ({organisation kind: (name, quality)}) before the text is frozen."""
    for party in convention.parties.select_related("organisation"):
        name, title = executives[party.organisation.kind]
        workflows.designate_signatories(party, {"representative_name": name, "representative_title": title}, by=adviser)


def _paper(request, day, adviser):
    """Record the paper signature of `request` by its executive."""
    party = request.party
    workflows.record_paper_signature(
        request,
        signatory=Signatory(party.representative_name, party.representative_title),
        signed_on=day,
        scan=ContentFile(demo_scan(), name="scan.pdf"),
        by=adviser,
    )


def load_demo_conventions(created_by=None) -> list[Convention]:
    """Import each document whose convention is not there yet (by title): idempotent."""
    conventions = []
    for path in DEMO_DOCUMENTS:
        raw = path.read_bytes()
        title = exchange.parse(raw)["title"]
        convention = Convention.objects.filter(title=title).first()
        if convention is None:
            convention = exchange.import_convention(raw, created_by=created_by, partners_by_invitation=False)
        conventions.append(convention)
    return conventions


def give_illustrative_sirets(conventions: list[Convention]) -> None:
    """The parties' SIRET, which the open-data export of their deliberations requires: in the
    demo, the first valid number of an establishment of their SIREN (illustrative, as the act
    ids are); on the platform, entered by the organisation's admin or taken from ProConnect."""
    organisations = Organisation.objects.filter(parties__convention__in=conventions, siret="").exclude(siren="")
    for organisation in organisations.distinct():
        organisation.siret = next(
            siret
            for number in range(1, 100)
            if not siret_error(siret := f"{organisation.siren}000{number:02d}", organisation.siren)
        )
        organisation.save(update_fields=["siret"])


def run_demo_workflow(convention: Convention) -> None:
    """Take the Montluçon Communauté CTG 2021-2025 through its whole workflow, as in reality
    (signed on 12 July 2022 between the CA and the Caf de l'Allier). Its act id and séance
    date are illustrative. Idempotent: a sealed convention is left alone."""

    if convention.versions.exclude(signed_sha256="").exists():
        return
    adviser = User.objects.get(email="conseiller.caf03@demo.example")
    coordinator = User.objects.get(email="coordinateur.montlucon@demo.example")
    if convention.status == Status.DRAFT:
        type(convention).objects.filter(pk=convention.pk).update(is_published=True)
        convention.refresh_from_db()
        _name_executives(
            convention,
            {"epci": ("M. Frédéric Laporte", "Le Président"), "caf": ("M. Laurent Girard", "Le Directeur")},
            adviser,
        )
        convention.transition(Status.REVIEW, by=adviser)
    if convention.status == Status.REVIEW:
        workflows.freeze(convention, by=adviser)
        # As in reality, the text was frozen before the council sat in June 2022.
        ConventionVersion.objects.filter(convention=convention).update(
            frozen_at=timezone.make_aware(datetime(2022, 6, 1, 10, 0))
        )
        convention.refresh_from_db()
    if convention.status == Status.FROZEN:
        workflows.launch_deliberations(convention, by=adviser)
        convention.refresh_from_db()
    for deliberation in Deliberation.objects.pending().filter(convention=convention).select_related("party"):
        workflows.record_deliberation(
            deliberation,
            {
                "convocation_date": date(2022, 6, 23),
                "session_date": date(2022, 6, 30),
                "session_time": time(18, 0),
                "session_place": "salle des fêtes de Domérat",
                "president_name": "M. Frédéric Laporte",
                "president_quality": "Président",
                "outcome": Deliberation.Outcome.ADOPTED,
                "in_office": 68,
                "present": 55,
                "represented": 8,
                "proxies": "\n".join(f"Conseiller {n} a donné pouvoir à Conseiller {n + 20}" for n in range(1, 9)),
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
    signing_day = date(2022, 7, 12)
    version = ConventionVersion.objects.current(convention)
    for request in version.signature_requests.select_related("party__organisation", "convention", "version"):
        if request.status == SignatureRequest.Status.SIGNED:
            continue
        request.refresh_from_db()
        # Signed on paper on the day, the scans recorded by the Caf's adviser.
        _paper(request, signing_day, adviser)
    sealing.seal(ConventionVersion.objects.current(convention))
    workflows.scan()


MONTPENSIER_ACT = "063-216302406-20240926-DCM20240926_4-DE"


def _designate_demo_signatories(convention: Convention, adviser) -> None:
    """The Caf's directrice signs with her account; the maire of Montpensier has delegated his
    signature to his first adjointe by arrêté. The other parties sign on paper."""
    parties = {
        party.organisation.kind + (party.organisation.commune.code if party.organisation.commune_id else ""): party
        for party in convention.parties.select_related("organisation__commune")
    }
    workflows.designate_signatories(
        parties["caf"],
        {
            "representative_name": "Mme Hélène Marchand",
            "representative_title": "La Directrice",
            "executive_account": User.objects.get(email="admin.caf63@demo.example"),
        },
        by=adviser,
    )
    workflows.designate_signatories(
        parties["commune63240"],
        {
            "representative_name": "M. Jean Dupont",
            "representative_title": "Le Maire",
            "delegate_name": "Mme Nathalie Roux",
            "delegate_title": "Première adjointe",
            "delegation_order": "2020-07",
            "delegation_date": date(2020, 6, 4),
            "delegate_account": User.objects.get(email="mairie.montpensier@demo.example"),
        },
        by=adviser,
    )


def run_demo_deliberations(convention: Convention) -> None:
    """Take the Plaine Limagne CTG 2025-2028 to its councils, as in reality in autumn 2024:
    frozen, deliberations launched, and the commune of Montpensier's act recorded as @ctes
    stamped it (séance of 26 September 2024, sent and received on 2 October, not yet
    published). The names of the séance are illustrative. Idempotent."""
    adviser = User.objects.get(email="conseillere.caf63@demo.example")
    if convention.status == Status.DRAFT:
        _designate_demo_signatories(convention, adviser)
        convention.transition(Status.REVIEW, by=adviser)
    if convention.status == Status.REVIEW:
        workflows.freeze(convention, by=adviser)
        ConventionVersion.objects.filter(convention=convention).update(
            frozen_at=timezone.make_aware(datetime(2024, 9, 2, 10, 0))
        )
        convention.refresh_from_db()
    if convention.status == Status.FROZEN:
        workflows.launch_deliberations(convention, by=adviser)
    montpensier = (
        Deliberation.objects.pending()
        .filter(convention=convention, party__organisation__commune__code="63240")
        .select_related("party__organisation")
        .first()
    )
    if montpensier is None:
        return
    workflows.record_deliberation(
        montpensier,
        {
            "convocation_date": date(2024, 9, 19),
            "session_date": date(2024, 9, 26),
            "session_time": time(20, 0),
            "session_place": "salle du conseil municipal, à la mairie",
            "president_name": "M. Jean Dupont",
            "president_quality": "Maire",
            "outcome": Deliberation.Outcome.ADOPTED,
            "in_office": 11,
            "present": 9,
            "represented": 1,
            "proxies": "Mme Marie Durand a donné pouvoir à M. Jean Dupont",
            "absentees": "M. Paul Martin",
            "voting": 10,
            "votes_for": 10,
            "votes_against": 0,
            "abstentions": 0,
            "secretary": "Mme Sophie Bernard",
            "act_id": MONTPENSIER_ACT,
            "sent_to_prefecture": date(2024, 10, 2),
            "received_by_prefecture": date(2024, 10, 2),
        },
        by=User.objects.get(email="mairie.montpensier@demo.example"),
    )


def run_demo_follow_up(convention: Convention) -> None:
    """The commune CTG 2023-2026 (Puy-de-Dôme), signed and in force: its pilot updates sheets,
    a COPIL meets, a late sheet's pilot is reminded, its public page is open and the next CTG
    is prepared. Idempotent."""

    if convention.renewals.exists():
        return
    adviser = User.objects.get(email="conseillere.caf63@demo.example")
    officer = User.objects.get(email="mairie.cournon@demo.example")
    if convention.status == Status.DRAFT:
        type(convention).objects.filter(pk=convention.pk).update(is_published=True)
        convention.refresh_from_db()
        _name_executives(
            convention,
            {"commune": ("M. François Rage", "Le Maire"), "caf": ("Mme Hélène Marchand", "La Directrice")},
            adviser,
        )
        convention.transition(Status.REVIEW, by=adviser)
    if convention.status == Status.REVIEW:
        workflows.freeze(convention, by=adviser)
        ConventionVersion.objects.filter(convention=convention).update(
            frozen_at=timezone.make_aware(datetime(2023, 2, 20, 10, 0))
        )
        workflows.launch_deliberations(convention, by=adviser)
        convention.refresh_from_db()
    for deliberation in Deliberation.objects.pending().filter(convention=convention):
        workflows.record_deliberation(
            deliberation,
            {
                "convocation_date": date(2023, 3, 10),
                "session_date": date(2023, 3, 16),
                "session_time": time(19, 0),
                "session_place": "salle du conseil municipal",
                "president_name": "M. François Rage",
                "president_quality": "Maire",
                "outcome": "adopted",
                "in_office": 33,
                "present": 29,
                "represented": 3,
                "proxies": "\n".join(f"Conseiller {n} a donné pouvoir à Conseiller {n + 10}" for n in range(1, 4)),
                "voting": 32,
                "votes_for": 30,
                "votes_against": 0,
                "abstentions": 2,
                "secretary": "Mme Lucie Faure",
                "act_id": "063-216301242-20230316-DCM2023_18-DE",
                "sent_to_prefecture": date(2023, 3, 20),
                "received_by_prefecture": date(2023, 3, 20),
                "published_on": date(2023, 3, 21),
            },
            by=officer,
        )
    for _group in range(2):
        for request in SignatureRequest.objects.filter(convention=convention, status="open").select_related(
            "party__organisation"
        ):
            is_caf = request.party.organisation.kind == "caf"
            _paper(request, date(2023, 4, 4) if is_caf else date(2023, 3, 28), adviser)
    sealing.seal(ConventionVersion.objects.current(convention))
    workflows.scan()  # in force: 2023-2026
    sheets = list(ActionSheet.objects.filter(convention=convention).with_numbers())
    first, second = sheets[0], sheets[5]
    BudgetLine.objects.get_or_create(
        sheet=first, year=2025, kind="fonctionnement", unit="euros", defaults={"planned": 18000}
    )
    indicator, _ = EvaluationIndicator.objects.get_or_create(
        sheet=first, label="Demandes d'accueil suivies", defaults={"target": 150, "unit": "demandes"}
    )
    for sheet, status, progress, note, when in [
        (
            first,
            "en_cours",
            60,
            "L'outil de suivi de l'offre et de la demande est en service au RPE.",
            datetime(2025, 3, 12),
        ),
        (
            second,
            "en_cours",
            40,
            "Deux associations accompagnées pour leurs projets périscolaires.",
            datetime(2025, 6, 2),
        ),
        (
            first,
            "en_cours",
            80,
            "Tableau de bord partagé avec la Caf ; 132 demandes suivies en 2025.",
            datetime(2025, 11, 20),
        ),
    ]:
        line = BudgetLine.objects.get(sheet=first, year=2025)
        update = record_follow_up(
            sheet,
            officer,
            status=status,
            progress=progress,
            note=note,
            spent={line.pk: 9500} if sheet == first else None,
            measures={(indicator.pk, 2025): 132} if sheet == first else None,
        )
        SheetUpdate.objects.filter(pk=update.pk).update(created_at=timezone.make_aware(when))
    ActionSheet.objects.filter(pk=sheets[-1].pk).update(
        status="en_cours", followed_up_at=timezone.make_aware(datetime(2025, 1, 15))
    )
    committee, _ = Committee.objects.get_or_create(
        convention=convention, kind="copil", defaults={"members": "Le Maire\nLa Directrice de la Caf"}
    )
    meeting, made = Meeting.objects.get_or_create(
        convention=convention,
        committee=committee,
        date=date(2025, 6, 12),
        defaults={
            "agenda": "Bilan à mi-parcours",
            "attendees": "Le Maire\nLa conseillère territoriale de la Caf",
            "notes": "Priorité donnée au suivi de l'offre d'accueil petite enfance.",
        },
    )
    if made:
        meeting.sheets.set([first])
    remind_stale_sheets()
    continued = [s.pk for s in sheets if s.status in ("a_lancer", "en_cours")][:10]
    prepare_next(
        convention,
        by=adviser,
        continued_sheet_ids=continued,
        evaluation="Le comité de pilotage du 12 juin 2025 a souligné la dynamique du réseau petite enfance.",
    )
