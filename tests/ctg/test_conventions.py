"""The "done when" of the conventions issue, step by step, through the views."""

from decimal import Decimal

import pytest
from django.urls import reverse

from actions.models import ActionSheet
from actions.services import sheet_fingerprint
from ctg.lib.typography import fr_number
from ctg.lifecycle import Status, TransitionError
from ctg.models import Comment, Convention, OutboundEmail
from diagnostics.models import Diagnostic, Finding, Indicator, InterventionField
from governance.models import Party
from governance.services import remove_party
from territories import services as territory_services
from territories.models import EPCI, Departement, Organisation, Role
from tests.factories import MembershipFactory, OrganisationFactory, add_plan, make_convention
from tests.helpers import MONTLUCON, commune_officer, epci_coordinator, member_of, sheet_post


@pytest.fixture
def caf(db):
    caf = OrganisationFactory(caf=True, name="Caf de test de l'Allier")
    caf.departements.set(Departement.objects.filter(code="03"))
    return caf


@pytest.fixture
def adviser(caf):
    return MembershipFactory(organisation=caf, role=Role.CAF_ADVISER).user


@pytest.fixture
def convention(caf):
    return make_convention(caf=caf, epci_siren=MONTLUCON)


def test_an_adviser_creates_the_ctg_of_an_epci_picked_by_name(client, caf, adviser):
    client.force_login(adviser)
    found = client.get(reverse("territory_search"), {"q": "montlucon", "type": "epci"}).json()["results"][0]
    response = client.post(
        reverse("convention_create"),
        {"territory": found["code"], "caf": caf.pk, "start_date": "2025-01-01", "end_date": "2029-12-31"},
    )
    convention = Convention.objects.get()
    assert response["Location"] == reverse("party_list", kwargs={"convention_pk": convention.pk})
    assert convention.title == "Convention territoriale globale — CA Montluçon Communauté 2025-2029"
    assert convention.status == Status.DRAFT
    # The CAF, the EPCI and its 21 communes are proposed as parties.
    assert convention.parties.count() == 23
    kinds = set(convention.parties.values_list("organisation__kind", flat=True))
    assert kinds == {"caf", "commune", "epci"}
    assert convention.departements.get().code == "03"


def test_a_territory_typed_by_name_without_choosing_works_and_an_ambiguous_one_is_explained(client, db):
    caf63 = Organisation.objects.cafs().get(name="Caf du Puy-de-Dôme")
    adviser = MembershipFactory(organisation=caf63, role=Role.CAF_ADVISER).user
    client.force_login(adviser)
    period = {"caf": caf63.pk, "start_date": "2025-01-01", "end_date": "2028-12-31"}
    response = client.post(reverse("convention_create"), {"territory": "Saint-Denis", **period})
    html = response.content.decode()
    assert "Plusieurs territoires correspondent à « Saint-Denis »" in html
    assert 'value="Saint-Denis"' in html  # what was typed stays in the field
    assert not Convention.objects.exists()
    client.post(reverse("convention_create"), {"territory": "plaine limagne", **period})
    assert Convention.objects.get().epci.name == "CC Plaine Limagne"


def test_the_search_offers_the_caf_s_own_departement_first(client, db):
    caf63 = Organisation.objects.cafs().get(name="Caf du Puy-de-Dôme")
    client.force_login(MembershipFactory(organisation=caf63, role=Role.CAF_ADVISER).user)
    results = client.get(reverse("territory_search"), {"q": "saint", "type": "commune"}).json()["results"]
    assert results[0]["code"].startswith("63")  # Saint-Denis (93) and Saint-Pierre (974) are larger
    codes = [result["code"][:2] for result in results]
    assert codes == sorted(codes, key=lambda code: code != "63")


def test_a_period_outside_three_to_five_years_is_refused(client, caf, adviser):
    client.force_login(adviser)
    response = client.post(
        reverse("convention_create"),
        {"territory": MONTLUCON, "caf": caf.pk, "start_date": "2025-01-01", "end_date": "2026-12-31"},
    )
    assert response.status_code == 200
    assert "Une CTG dure de 3 à 5 ans" in response.content.decode()
    assert not Convention.objects.exists()


def test_a_caf_only_opens_conventions_on_its_own_territory(client, db):
    caf63 = Organisation.objects.cafs().get(name="Caf du Puy-de-Dôme")
    adviser = MembershipFactory(organisation=caf63, role=Role.CAF_ADVISER).user
    client.force_login(adviser)
    response = client.post(
        reverse("convention_create"),
        {"territory": MONTLUCON, "caf": caf63.pk, "start_date": "2025-01-01", "end_date": "2028-12-31"},
    )
    assert "Caf du Puy-de-Dôme ne couvre pas le territoire de CA Montluçon Communauté" in response.content.decode()
    assert not Convention.objects.exists()


def test_an_unknown_territory_code_is_refused_in_french(client, caf, adviser):
    client.force_login(adviser)
    response = client.post(
        reverse("convention_create"),
        {"territory": "123456789", "caf": caf.pk, "start_date": "2025-01-01", "end_date": "2028-12-31"},
    )
    assert "Aucune intercommunalité (SIREN) ni commune (code INSEE)" in response.content.decode()


def test_only_caf_advisers_open_conventions(client, db):
    coordinator = epci_coordinator()
    client.force_login(coordinator)
    assert client.get(reverse("convention_create")).status_code == 403


def test_the_adviser_keeps_six_communes_and_the_others_lose_access(client, convention, adviser):
    communes = list(convention.parties.filter(organisation__kind="commune").order_by("organisation__name"))
    kept, dropped = communes[:6], communes[6:]
    officer_of_dropped = member_of(dropped[0].organisation, Role.COMMUNE_OFFICER)
    client.force_login(officer_of_dropped)
    assert client.get(convention.get_absolute_url()).status_code == 200  # still a party

    client.force_login(adviser)
    keep = [p.organisation_id for p in kept] + list(
        convention.parties.exclude(organisation__kind="commune").values_list("organisation_id", flat=True)
    )
    response = client.post(reverse("party_keep", kwargs={"convention_pk": convention.pk}), {"keep": keep}, follow=True)
    assert f"8 parties signataires : {len(dropped)} retirées." in response.content.decode()

    assert convention.parties.filter(organisation__kind="commune").count() == 6
    assert convention.parties.count() == 8
    client.force_login(officer_of_dropped)
    assert client.get(convention.get_absolute_url()).status_code == 404

    # Removed by mistake: still offered, unticked, and ticked again it is a party again.
    client.force_login(adviser)
    page = client.get(reverse("party_list", kwargs={"convention_pk": convention.pk})).content.decode()
    assert f'value="{dropped[0].organisation_id}"' in page
    response = client.post(
        reverse("party_keep", kwargs={"convention_pk": convention.pk}),
        {"keep": [*keep, dropped[0].organisation_id]},
        follow=True,
    )
    assert "9 parties signataires : 1 ajoutée." in response.content.decode()
    client.force_login(officer_of_dropped)
    assert client.get(convention.get_absolute_url()).status_code == 200


def test_the_caf_cannot_be_dropped_from_its_own_convention(client, convention, adviser):
    client.force_login(adviser)
    keep = convention.parties.exclude(organisation=convention.caf).values_list("organisation_id", flat=True)
    client.post(reverse("party_keep", kwargs={"convention_pk": convention.pk}), {"keep": list(keep)})
    assert convention.parties.filter(organisation=convention.caf).exists()


def test_partners_are_added_as_parties(client, convention, adviser):
    client.force_login(adviser)
    client.post(
        reverse("party_add", kwargs={"convention_pk": convention.pk}),
        {"kind": "msa", "name": "MSA Auvergne", "siren": ""},
    )
    party = convention.parties.get(organisation__name="MSA Auvergne")
    assert (party.needs_deliberation, party.signing_group, party.representative_title) == (
        False,
        2,
        "Le Directeur général",
    )
    partner = member_of(party.organisation, Role.PARTNER)
    client.force_login(partner)
    assert client.get(convention.get_absolute_url()).status_code == 200


def test_a_diagnostic_with_swot_findings_and_indicators(client, convention, adviser):
    client.force_login(adviser)
    field = InterventionField.objects.get(code="petite-enfance")
    url = reverse("finding_create", kwargs={"convention_pk": convention.pk})
    for kind, text in [
        ("force", "Un RPE actif"),
        ("faiblesse", "Peu de places en EAJE"),
        ("menace", "Crise du métier"),
    ]:
        assert client.post(url, {"field": field.pk, "kind": kind, "text": text}).status_code == 302
    client.post(
        reverse("indicator_create", kwargs={"convention_pk": convention.pk}),
        {
            "label": "Taux de couverture 0-3 ans",
            "field": field.pk,
            "value": "48,5",
            "unit": "%",
            "year": 2023,
            "source": "Caf, Insee",
            "departement_value": "55,1",
            "france_value": "59,8",
        },
    )
    html = client.get(reverse("diagnostic_detail", kwargs={"convention_pk": convention.pk})).content.decode()
    assert "Petite enfance" in html and "Un RPE actif" in html and "Crise du métier" in html
    assert "Taux de couverture 0-3 ans" in html and "48,5 %" in html and "55,1 %" in html
    assert Finding.objects.filter(convention=convention).count() == 3
    assert Indicator.objects.get().value == pytest.approx(48.5)


def test_a_bad_indicator_year_is_refused(client, convention, adviser):
    client.force_login(adviser)
    response = client.post(
        reverse("indicator_create", kwargs={"convention_pk": convention.pk}),
        {"label": "X", "value": "1", "year": 23},
    )
    assert response.status_code == 400
    assert "année sur quatre chiffres" in response.content.decode()
    assert not Indicator.objects.exists()


def test_three_axes_with_objectives_and_sheets_built_in_the_browser(client, convention, adviser):
    client.force_login(adviser)
    for a in range(1, 4):
        client.post(reverse("axis_create", kwargs={"convention_pk": convention.pk}), {"title": f"Axe n°{a}"})
    axes = list(convention.axes.all())
    assert [axis.number for axis in axes] == ["1", "2", "3"]
    for axis in axes:
        client.post(
            reverse("objective_create", kwargs={"convention_pk": convention.pk, "axis_pk": axis.pk}),
            {"title": f"Objectif de l'axe {axis.number}"},
        )
    objective = convention.objectives.get(axis=axes[1])
    response = client.post(
        reverse("sheet_create", kwargs={"convention_pk": convention.pk}),
        sheet_post(objective, "Créer un guichet unique mobile", status="en_cours", progress=20),
    )
    sheet = ActionSheet.objects.get()
    assert response["Location"] == sheet.get_absolute_url()
    assert sheet.number == "2.1.1"
    assert sheet.convention == convention
    assert sheet.budget_lines.get().planned == 12000
    html = client.get(reverse("plan_detail", kwargs={"convention_pk": convention.pk})).content.decode()
    assert "Fiche action 2.1.1 — Créer un guichet unique mobile" in html


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("15 000", "15000"), ("15\u202f000", "15000"), ("12,5", "12.5"), ("12.5", "12.5"), ("18 000,50 €", "18000.50")],
)
def test_amounts_are_typed_and_shown_the_french_way(client, convention, adviser, typed, stored):
    add_plan(convention, axes=1, objectives=1, sheets=0)
    client.force_login(adviser)
    data = sheet_post(convention.objectives.get(), "Relais petite enfance")
    data.update(
        {"budget-0-planned": typed, "funding-TOTAL_FORMS": 1, "funding-0-funder": "Caf", "funding-0-amount": "12 500"}
    )
    response = client.post(reverse("sheet_create", kwargs={"convention_pk": convention.pk}), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    sheet = ActionSheet.objects.get()
    assert sheet.budget_lines.get().planned == Decimal(stored)
    assert sheet.funding_lines.get().amount == 12500
    form = client.get(
        reverse("sheet_edit", kwargs={"convention_pk": convention.pk, "sheet_pk": sheet.pk})
    ).content.decode()
    assert f'value="{fr_number(Decimal(stored))}"' in form and 'value="12\u202f500"' in form


def test_a_number_that_is_not_one_says_how_to_write_it(client, convention, adviser):
    add_plan(convention, axes=1, objectives=1, sheets=0)
    client.force_login(adviser)
    data = sheet_post(convention.objectives.get(), "Relais petite enfance")
    data["budget-0-planned"] = "quinze mille"
    response = client.post(reverse("sheet_create", kwargs={"convention_pk": convention.pk}), data)
    assert response.status_code == 400
    assert "Saisissez un nombre, par exemple 15 000 ou 12,5." in response.content.decode()
    assert not ActionSheet.objects.exists()


def test_a_sheet_with_an_end_before_its_start_is_refused_and_nothing_saved(client, convention, adviser):
    add_plan(convention, axes=1, objectives=1, sheets=0)
    client.force_login(adviser)
    response = client.post(
        reverse("sheet_create", kwargs={"convention_pk": convention.pk}),
        sheet_post(convention.objectives.get(), "X", start_date="2026-01-01", end_date="2025-01-01"),
    )
    assert response.status_code == 400
    assert "La fin de l&#x27;action doit suivre son début." in response.content.decode()
    assert not ActionSheet.objects.exists()


def test_the_epci_coordinator_sees_and_edits(client, convention):
    add_plan(convention, axes=1, objectives=1, sheets=1)
    sheet = convention.sheets.get()
    coordinator = epci_coordinator()
    client.force_login(coordinator)
    assert client.get(convention.get_absolute_url()).status_code == 200
    data = sheet_post(
        sheet.objective,
        "Titre revu par la coordinatrice",
        status="en_cours",
        progress=35,
        fingerprint=sheet_fingerprint(sheet),  # what the edit form was opened on
    )
    response = client.post(reverse("sheet_edit", kwargs={"convention_pk": convention.pk, "sheet_pk": sheet.pk}), data)
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert (sheet.title, sheet.progress) == ("Titre revu par la coordinatrice", 35)
    # …but does not run the lifecycle, which is the CAF's.
    response = client.post(
        reverse("convention_transition", kwargs={"convention_pk": convention.pk}), {"status": "review"}
    )
    assert response.status_code == 403


def test_a_commune_outside_the_territory_gets_404(client, convention):
    outsider = commune_officer("63240")  # Montpensier, in the Puy-de-Dôme
    client.force_login(outsider)
    for url in (convention.get_absolute_url(), reverse("plan_detail", kwargs={"convention_pk": convention.pk})):
        assert client.get(url).status_code == 404
    assert convention.title not in client.get(reverse("convention_list")).content.decode()


def test_a_commune_party_comments_but_does_not_edit(client, convention):
    add_plan(convention, axes=1, objectives=1, sheets=1)
    sheet = convention.sheets.get()
    officer = commune_officer("03185")  # Montluçon, a party
    client.force_login(officer)
    assert client.get(sheet.get_absolute_url()).status_code == 200
    edit = reverse("sheet_edit", kwargs={"convention_pk": convention.pk, "sheet_pk": sheet.pk})
    assert client.get(edit).status_code == 403
    assert client.post(edit, sheet_post(sheet.objective, "Piraté")).status_code == 403
    response = client.post(
        reverse(
            "comment_create", kwargs={"convention_pk": convention.pk, "target_type": "fiche", "target_pk": sheet.pk}
        ),
        {"text": "La commune souhaite être associée au comité de suivi."},
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.organisation.commune.code == "03185"
    assert "La commune souhaite être associée" in client.get(sheet.get_absolute_url()).content.decode()
    sheet.refresh_from_db()
    assert sheet.title != "Piraté"


def test_a_viewer_of_a_party_reads_but_does_not_comment(client, convention):
    viewer = member_of(territory_services.organisation_for_epci(EPCI.objects.get(siren=MONTLUCON)), Role.VIEWER)
    add_plan(convention, axes=1, objectives=1, sheets=1)
    sheet = convention.sheets.get()
    client.force_login(viewer)
    assert client.get(sheet.get_absolute_url()).status_code == 200
    url = reverse(
        "comment_create", kwargs={"convention_pk": convention.pk, "target_type": "fiche", "target_pk": sheet.pk}
    )
    assert client.post(url, {"text": "x"}).status_code == 403


def test_review_opens_on_a_complete_text_and_the_parties_are_told(client, convention, adviser):
    officer = commune_officer("03185")  # Montluçon, a party of the convention
    client.force_login(adviser)
    overview = client.get(convention.get_absolute_url()).content.decode()
    # An empty convention: the checklist says what is missing, no button to review.
    assert "Avant la relecture par les parties" in overview and "Passer en relecture" not in overview
    assert "Rédigez la synthèse du diagnostic ou ajoutez au moins un constat." in overview
    url = reverse("convention_transition", kwargs={"convention_pk": convention.pk})
    response = client.post(url, {"status": "review"}, follow=True)
    assert "Avant la relecture : Rédigez la synthèse du diagnostic" in response.content.decode().replace("&#x27;", "'")
    convention.refresh_from_db()
    assert convention.status == Status.DRAFT and not OutboundEmail.objects.exists()

    add_plan(convention, axes=1, objectives=1, sheets=1)
    Diagnostic.objects.filter(convention=convention).update(summary="Un territoire rural de 20 000 habitants.")
    overview = client.get(convention.get_absolute_url()).content.decode()
    assert "Passer en relecture" in overview and "1 fiche sans pilote" in overview  # advised, not required
    response = client.post(url, {"status": "review"}, follow=True)
    convention.refresh_from_db()
    assert convention.status == Status.REVIEW
    assert "1 personne des parties est prévenue par courriel." in response.content.decode()
    email = OutboundEmail.objects.get(to=officer.email)
    assert email.subject == f"Relecture de la convention : {convention.title}"
    assert not OutboundEmail.objects.filter(to=adviser.email).exists()
    # Still editable in review.
    assert client.get(reverse("axis_create", kwargs={"convention_pk": convention.pk})).status_code == 200
    client.post(url, {"status": "draft"})
    convention.refresh_from_db()
    assert convention.status == Status.DRAFT


def test_illegal_moves_are_refused_with_a_reason(convention):
    add_plan(convention, axes=1, objectives=1, sheets=0)
    with pytest.raises(TransitionError, match="ne peut pas passer à « signée »"):
        convention.transition(Status.SIGNED)


def test_a_frozen_convention_is_no_longer_editable(client, convention, adviser):
    Convention.objects.filter(pk=convention.pk).update(status=Status.FROZEN)
    client.force_login(adviser)
    response = client.get(reverse("axis_create", kwargs={"convention_pk": convention.pk}))
    assert response.status_code == 403
    assert "plus modifiable" in response.content.decode()


def test_the_history_reads_as_words_one_entry_per_save(client, convention, adviser):
    add_plan(convention, axes=1, objectives=1, sheets=1)
    sheet = convention.sheets.get()
    client.force_login(adviser)
    data = sheet_post(
        sheet.objective,
        "Nouveau titre",
        status="en_cours",
        progress=10,
        end_date="2026-06-30",
        fingerprint=sheet_fingerprint(sheet),
    )
    data.update({"steps-0-title": "Recruter l'animatrice", "budget-0-planned": "15 000"})
    client.post(reverse("sheet_edit", kwargs={"convention_pk": convention.pk, "sheet_pk": sheet.pk}), data)
    # One selection of the parties removes 20 communes at once.
    keep = convention.parties.exclude(organisation__kind="commune").values_list("organisation_id", flat=True)
    client.post(reverse("party_keep", kwargs={"convention_pk": convention.pk}), {"keep": list(keep)})

    html = client.get(reverse("convention_history", kwargs={"convention_pk": convention.pk})).content.decode()
    html = " ".join(html.replace("&#x27;", "'").replace("&quot;", '"').split())
    assert adviser.get_full_name() in html
    # Labels, not codes; French dates and numbers; the sheet's lists with their sheet.
    assert "<del>À lancer</del> → <ins>En cours</ins>" in html and "a_lancer" not in html
    assert "30 juin 2026" in html and "2026-06-30" not in html
    assert "Création — étape « Recruter l'animatrice (fiche « Nouveau titre ») »" in html
    assert "ligne de budget « 2025, fonctionnement : 15 000 € (fiche « Nouveau titre ») »" in html.replace(
        "\u202f", " "
    )
    # Twenty communes removed by one save: one line.
    assert html.count("Suppression —") == 1 and "Suppression — 21 parties" in html
    # Filters: one kind of element, one author.
    steps = client.get(reverse("convention_history", kwargs={"convention_pk": convention.pk}), {"element": "étape"})
    assert "Recruter l" in steps.content.decode() and "Suppression —" not in steps.content.decode()
    sheet_html = client.get(reverse("sheet_history", kwargs={"convention_pk": convention.pk, "sheet_pk": sheet.pk}))
    assert "Avancement (%)" in sheet_html.content.decode() and "Recruter l" in sheet_html.content.decode()


def test_removing_a_party_revokes_its_rights(convention):
    party = convention.parties.filter(organisation__kind="commune").first()
    officer = member_of(party.organisation, Role.COMMUNE_OFFICER)
    assert officer.has_perm("ctg.view_convention", convention)

    remove_party(party)
    officer = type(officer).objects.get(pk=officer.pk)
    assert not officer.has_perm("ctg.view_convention", convention)
    assert not Party.objects.filter(pk=party.pk).exists()


def test_a_refusal_is_logged_once_without_a_traceback(client, db, caplog):
    client.force_login(epci_coordinator())
    with caplog.at_level("WARNING", logger="django.request"):
        assert client.get(reverse("convention_create")).status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /conventions/nouvelle/"
    assert record.exc_info is None and "Traceback" not in caplog.text


def test_a_late_sheet_is_in_the_coordinator_s_notifications_as_on_the_overview(client, convention, adviser):
    add_plan(convention, axes=1, objectives=1, sheets=2)
    late = convention.sheets.first()
    ActionSheet.objects.filter(pk=late.pk).update(status="en_cours", end_date="2024-06-30")
    coordinator = epci_coordinator()
    client.force_login(coordinator)
    assert "1 fiche en retard" in client.get(convention.get_absolute_url()).content.decode()
    page = client.get(reverse("notifications")).content.decode()
    assert f"1 fiche en retard : {convention.title}" in page and "Rien à faire" not in page
    # A commune that neither pilots it nor coordinates the territory is not told.
    client.force_login(commune_officer("03185"))
    assert "fiche en retard" not in client.get(reverse("notifications")).content.decode()


def test_a_row_is_added_without_javascript_and_nothing_is_saved(client, convention, adviser):
    add_plan(convention, axes=1, objectives=1, sheets=0)
    client.force_login(adviser)
    data = sheet_post(convention.objectives.get(), "Relais petite enfance")
    data.update({"steps-0-title": "Recruter l'animatrice", "add_row": "steps"})
    response = client.post(reverse("sheet_create", kwargs={"convention_pk": convention.pk}), data)
    html = response.content.decode()
    assert response.status_code == 200 and not ActionSheet.objects.exists()
    # What was typed is there, with one empty step row more, and no error shown.
    assert 'value="Relais petite enfance"' in html and "Recruter l&#x27;animatrice" in html
    assert 'name="steps-TOTAL_FORMS" value="2"' in html and 'name="steps-1-title"' in html
    assert "is-invalid" not in html
    # The JavaScript path clones this empty row.
    assert 'id="modele-steps"' in html and 'name="steps-__prefix__-title"' in html


def test_messages_and_headings_agree_with_the_noun(client, convention, adviser):
    add_plan(convention, axes=1, objectives=1, sheets=1)
    client.force_login(adviser)
    url = reverse("finding_create", kwargs={"convention_pk": convention.pk})
    assert '<h2 class="h4">Ajouter un constat</h2>' in client.get(url).content.decode()
    field = InterventionField.objects.first()
    response = client.post(url, {"field": field.pk, "kind": "force", "text": "Un RPE actif."}, follow=True)
    assert "Constat ajouté." in response.content.decode() and "·e" not in response.content.decode()
    sheet = convention.sheets.get()
    delete = reverse("sheet_delete", kwargs={"convention_pk": convention.pk, "sheet_pk": sheet.pk})
    assert "Supprimer la fiche action ?" in client.get(delete).content.decode()
    assert "Fiche action supprimée." in client.post(delete, follow=True).content.decode()
    axis = convention.axes.get()
    edit = reverse("axis_update", kwargs={"convention_pk": convention.pk, "axis_pk": axis.pk})
    assert "Modifier l&#x27;axe" in client.get(edit).content.decode()


def test_a_convention_names_its_own_structure_from_scratch(client, convention, adviser):
    """Made from scratch in the browser's forms: the plan's levels get the convention's names and
    numbers, the diagnostic its own headings, and the pages say so."""
    add_plan(convention, axes=1, objectives=1, sheets=1)
    client.force_login(adviser)
    response = client.post(
        reverse("convention_edit", kwargs={"convention_pk": convention.pk}),
        {
            "title": convention.title,
            "subtitle": "Grandir ensemble",
            "start_date": "2025-01-01",
            "end_date": "2029-12-31",
            "website": "www.montlucon-communaute.fr",
            "axis_label": "Enjeu",
            "objective_label": "Orientation",
            "sheet_label": "Action",
        },
    )
    assert response.status_code == 302, response.content.decode()
    convention.refresh_from_db()
    assert convention.website == "https://www.montlucon-communaute.fr"
    axis = convention.axes.get()
    edit = reverse("axis_update", kwargs={"convention_pk": convention.pk, "axis_pk": axis.pk})
    assert client.post(edit, {"title": "Vivre en famille", "code": "A"}).status_code == 302
    plan = client.get(reverse("plan_detail", kwargs={"convention_pk": convention.pk})).content.decode()
    assert "Enjeu A — Vivre en famille" in plan and "Orientation A.1 — Objectif 1.1" in plan
    assert "Action A.1.1 — Fiche 1.1.1" in plan
    sheet = convention.sheets.get()
    assert "Action A.1.1 — Fiche 1.1.1" in client.get(sheet.get_absolute_url()).content.decode()

    sections = reverse("section_create", kwargs={"convention_pk": convention.pk})
    assert client.post(sections, {"title": "Démographie et familles"}).status_code == 302
    section = convention.diagnostic_sections.get()
    findings = reverse("finding_create", kwargs={"convention_pk": convention.pk})
    form = client.get(findings).content.decode()
    assert "Démographie et familles" in form
    assert (
        client.post(findings, {"section": section.pk, "kind": "force", "text": "Des familles jeunes"}).status_code
        == 302
    )
    # Neither a heading nor a field: refused in French, nothing saved.
    refused = client.post(findings, {"kind": "force", "text": "Sans rubrique"})
    assert refused.status_code == 400 and "Rattachez le constat" in refused.content.decode()
    assert convention.findings.count() == 1
    page = client.get(reverse("diagnostic_detail", kwargs={"convention_pk": convention.pk})).content.decode()
    assert page.index("Démographie et familles") < page.index("Des familles jeunes")

    # A governance body of its own, with its composition and rhythm, as the convention writes it.
    created = client.post(
        reverse("committee_create", kwargs={"convention_pk": convention.pk}),
        {"kind": "autre", "name": "Groupe d'élus", "composition": "les maires référents", "rhythm": "chaque trimestre"},
    )
    assert created.status_code == 302
    bodies = client.get(reverse("committee_list", kwargs={"convention_pk": convention.pk})).content.decode()
    assert "Groupe d&#x27;élus" in bodies and "Se réunit chaque trimestre." in bodies
