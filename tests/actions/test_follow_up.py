"""Follow-up of a convention in force: pilots update their sheets, the log keeps it, late
sheets' pilots are reminded."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.follow_up import record_follow_up, remind_stale_sheets
from actions.models import ActionSheet, BudgetLine, EvaluationIndicator, FundingLine, SheetUpdate
from actions.review import review_html
from ctg.lib.office import CONTENT_TYPE
from ctg.lifecycle import Status
from ctg.models import Comment, Convention, OutboundEmail
from ctg.notifications import notifications_for, send_weekly_digests
from demo.conventions import DEMO_DOCUMENTS
from governance import exchange
from governance.models import Meeting
from governance.services import remove_party
from territories.models import Role
from territories.services import organisation_for_commune, organisation_for_epci
from tests.documents import assert_same_text, drawn_texts
from tests.factories import MembershipFactory


@pytest.fixture
def plaine_limagne(db):
    path = next(p for p in DEMO_DOCUMENTS if "plaine-limagne" in p.name)
    convention = exchange.import_convention(path.read_bytes())
    Convention.objects.filter(pk=convention.pk).update(status=Status.IN_FORCE)
    convention.refresh_from_db()
    return convention


@pytest.fixture
def randan_sheet(plaine_limagne):
    sheet = ActionSheet.objects.get(title="Création d'un nouvel ALSH à Randan")
    BudgetLine.objects.create(sheet=sheet, year=2025, planned=50000)
    EvaluationIndicator.objects.create(sheet=sheet, label="Places ouvertes", target=40, unit="places")
    return sheet


@pytest.fixture
def randan_officer(randan_sheet):
    return MembershipFactory(organisation=randan_sheet.pilot, role=Role.COMMUNE_OFFICER).user


def test_a_commune_officer_updates_the_sheet_its_commune_pilots(client, randan_sheet, randan_officer):
    client.force_login(randan_officer)
    url = reverse("sheet_follow_up", kwargs={"convention_pk": randan_sheet.convention_id, "sheet_pk": randan_sheet.pk})
    line = randan_sheet.budget_lines.get()
    indicator = randan_sheet.evaluation_indicators.get()
    response = client.post(
        url,
        {
            "status": "en_cours",
            "progress": 60,
            "year": 2025,
            "note": "Permis de construire obtenu ; travaux lancés en septembre.",
            f"spent_{line.pk}": "12500,50",
            f"measure_{indicator.pk}": "24",
        },
    )
    assert response.status_code == 302
    randan_sheet.refresh_from_db()
    assert (randan_sheet.status, randan_sheet.progress) == ("en_cours", 60)
    assert randan_sheet.followed_up_at is not None
    line.refresh_from_db()
    assert str(line.spent) == "12500.50"
    assert indicator.measures.get(year=2025).value == 24
    update = SheetUpdate.objects.get()
    assert (update.progress_before, update.progress_after, update.author) == (20, 60, randan_officer)
    assert update.organisation == randan_sheet.pilot
    html = client.get(randan_sheet.get_absolute_url()).content.decode()
    assert "Permis de construire obtenu" in html and "Journal de suivi" in html
    # The sheet's and the convention's histories show the follow-up, from its log entry.
    for page in (
        reverse("sheet_history", kwargs={"convention_pk": randan_sheet.convention_id, "sheet_pk": randan_sheet.pk}),
        reverse("convention_history", kwargs={"convention_pk": randan_sheet.convention_id}),
    ):
        history = client.get(page).content.decode().replace("&#x27;", "'")
        assert "mise à jour de suivi" in history and "20 %" in history and "60 %" in history
        assert randan_officer.get_full_name() in history


def test_a_commune_cannot_update_a_sheet_it_does_not_pilot(client, plaine_limagne):
    montpensier = MembershipFactory(
        organisation=organisation_for_commune(plaine_limagne.epci.communes.get(code="63240")), role=Role.COMMUNE_OFFICER
    ).user
    sheet = ActionSheet.objects.get(title="Augmenter la capacité du LAEP")  # piloted by the EPCI
    client.force_login(montpensier)
    url = reverse("sheet_follow_up", kwargs={"convention_pk": plaine_limagne.pk, "sheet_pk": sheet.pk})
    assert client.get(url).status_code == 403
    response = client.post(url, {"status": "realisee", "progress": 100, "note": "x", "year": 2025})
    assert response.status_code == 403
    assert not SheetUpdate.objects.exists()


def test_a_bad_progress_is_refused_and_nothing_saved(client, randan_sheet, randan_officer):
    client.force_login(randan_officer)
    url = reverse("sheet_follow_up", kwargs={"convention_pk": randan_sheet.convention_id, "sheet_pk": randan_sheet.pk})
    response = client.post(url, {"status": "en_cours", "progress": 140, "note": "x", "year": 2025})
    assert response.status_code == 400
    assert not SheetUpdate.objects.exists()


def test_stale_sheets_pilots_are_reminded_once(randan_sheet, randan_officer):
    later = timezone.now() + timedelta(days=200)
    assert remind_stale_sheets(later) >= 1
    emails = OutboundEmail.objects.filter(to=randan_officer.email, subject__contains="ALSH à Randan")
    assert emails.count() == 1
    assert f"/fiches/{randan_sheet.pk}/mise-a-jour/" in emails.get().body
    remind_stale_sheets(later)
    assert emails.count() == 1  # once per interval
    # A sheet updated recently is not stale.
    ActionSheet.objects.filter(pk=randan_sheet.pk).update(followed_up_at=later)
    assert not ActionSheet.objects.stale(later).filter(pk=randan_sheet.pk).exists()


def test_a_pilot_removed_from_the_parties_is_neither_reminded_nor_notified(randan_sheet, randan_officer):
    later = timezone.now() + timedelta(days=200)
    assert {n.kind for n in notifications_for(randan_officer, now=later)} == {"sheet"}
    remove_party(randan_sheet.convention.parties.get(organisation=randan_sheet.pilot))
    assert notifications_for(randan_officer, now=later) == []
    remind_stale_sheets(later)
    assert not OutboundEmail.objects.filter(to=randan_officer.email).exists()
    assert not send_weekly_digests(later)


def test_a_copil_meeting_is_recorded_and_shows_what_changed_since(client, plaine_limagne, randan_sheet, randan_officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    coordinator = MembershipFactory(organisation=organisation_for_epci(plaine_limagne.epci), role=Role.COORDINATOR).user
    client.force_login(coordinator)
    client.post(
        reverse("committee_create", kwargs={"convention_pk": plaine_limagne.pk}),
        {"kind": "copil", "members": "M. le Président"},
    )
    committee = plaine_limagne.committees.get()
    url = reverse("meeting_create", kwargs={"convention_pk": plaine_limagne.pk, "committee_pk": committee.pk})
    bad = client.post(url, {"date": "2025-06-12", "minutes": SimpleUploadedFile("cr.pdf", b"<html>not a pdf</html>")})
    assert bad.status_code == 400 and "n&#x27;est pas un PDF" in bad.content.decode()
    response = client.post(
        url,
        {
            "date": "2025-06-12",
            "agenda": "Bilan du premier semestre",
            "attendees": "Mme X\nM. Y",
            "notes": "ALSH de Randan : calendrier validé.",
            "sheets": [randan_sheet.pk],
            "minutes": SimpleUploadedFile("cr.pdf", b"%PDF-1.4 compte rendu"),
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert list(meeting.sheets.all()) == [randan_sheet] and meeting.minutes
    # A pilot's update after the COPIL shows up in "since the last COPIL".
    record_follow_up(randan_sheet, randan_officer, status="en_cours", progress=70, note="Charpente posée.")
    html = client.get(reverse("committee_list", kwargs={"convention_pk": plaine_limagne.pk})).content.decode()
    assert "depuis le comité de pilotage du 12 juin 2025" in html
    assert "Charpente posée." in html
    # A commune can read but not organise committees.
    client.force_login(randan_officer)
    assert client.get(reverse("committee_list", kwargs={"convention_pk": plaine_limagne.pk})).status_code == 200
    assert client.post(url, {"date": "2025-07-01"}).status_code == 403


def test_the_2025_review_comes_out_in_pdf_and_xlsx_with_real_figures(
    client, plaine_limagne, randan_sheet, randan_officer
):
    import io

    import openpyxl
    from pypdf import PdfReader

    line = randan_sheet.budget_lines.get()
    indicator = randan_sheet.evaluation_indicators.get()
    FundingLine.objects.create(sheet=randan_sheet, funder="Caf du Puy-de-Dôme", amount=30000, year=2025)
    update = record_follow_up(
        randan_sheet,
        randan_officer,
        status="en_cours",
        progress=60,
        note="Travaux de l'ALSH lancés.",
        spent={line.pk: 12000},
        measures={(indicator.pk, 2025): 24},
    )
    SheetUpdate.objects.filter(pk=update.pk).update(created_at=timezone.make_aware(timezone.datetime(2025, 10, 1)))
    client.force_login(randan_officer)
    url = reverse("review", kwargs={"convention_pk": plaine_limagne.pk, "year": 2025})
    page = client.get(url).content.decode()
    assert "Bilan annuel 2025" in page and "<svg" in page and "Travaux de l&#x27;ALSH lancés." in page
    pdf = client.get(url, {"format": "pdf"})
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace("\u00a0", " ")
    assert "BILAN ANNUEL 2025" in text and "Places ouvertes" in text and "Caf du Puy-de-Dôme" in text
    assert "30 000 €" in text and "Travaux de l'ALSH lancés." in text
    editable = client.get(url, {"format": "docx"})
    assert editable["Content-Type"] == CONTENT_TYPE
    assert_same_text(pdf.content, editable.content, drawn=drawn_texts(review_html(plaine_limagne, 2025)))
    book = openpyxl.load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))
    assert book.sheetnames == ["Fiches", "Axes", "Indicateurs", "Budget", "Financements", "Faits marquants"]
    budget = list(book["Budget"].values)
    assert budget[1][0].startswith("Fonctionnement") and float(budget[1][1]) == 50000 and float(budget[1][2]) == 12000
    assert list(book["Indicateurs"].values)[1][5] in (24, "24", 24.0, "24.00")
    assert client.get(reverse("review", kwargs={"convention_pk": plaine_limagne.pk, "year": 2031})).status_code == 404


def test_notifications_list_what_concerns_the_user_and_the_digest_goes_weekly(client, randan_sheet, randan_officer):

    later = timezone.now() + timedelta(days=200)
    ActionSheet.objects.filter(convention=randan_sheet.convention).update(followed_up_at=later - timedelta(days=400))
    Comment.objects.create(
        convention=randan_sheet.convention,
        target_type="fiche",
        target_id=randan_sheet.pk,
        text="Pouvez-vous préciser le calendrier ?",
    )
    client.force_login(randan_officer)
    html = client.get(reverse("notifications")).content.decode()
    assert "Fiche à mettre à jour : 1.2.1 Création d&#x27;un nouvel ALSH à Randan" in html
    assert "Pouvez-vous préciser le calendrier" in html
    # The sheet's page and the convention's dashboard read the same rule.
    assert "À mettre à jour" in client.get(randan_sheet.get_absolute_url()).content.decode()
    stale = ActionSheet.objects.stale().filter(convention=randan_sheet.convention).count()
    overview = client.get(randan_sheet.convention.get_absolute_url()).content.decode()
    assert stale > 1 and f"en retard · {stale} à mettre à jour" in overview
    client.post(reverse("notifications"), {"weekly_digest": "on"})
    randan_officer.refresh_from_db()
    assert randan_officer.weekly_digest
    assert send_weekly_digests() == 1
    assert send_weekly_digests() == 0  # once a week
    digest = OutboundEmail.objects.get(to=randan_officer.email, subject__startswith="Votre semaine")
    assert "Création d'un nouvel ALSH à Randan" in digest.body
