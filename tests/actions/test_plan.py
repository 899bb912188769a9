"""Numbering of the action plan stays consecutive whatever is moved, copied or deleted."""

import re

import pytest
from django.urls import reverse

from actions import services
from actions.models import ActionSheet, BudgetLine, Step
from territories.models import Role
from tests.factories import MembershipFactory, OrganisationFactory, add_plan, make_convention


@pytest.fixture
def convention(db):
    return add_plan(make_convention(), axes=3, objectives=2, sheets=3)


@pytest.fixture
def adviser(convention):
    return MembershipFactory(organisation=convention.caf, role=Role.CAF_ADVISER).user


def numbers(convention):
    return [(s.number, s.title) for s in ActionSheet.objects.with_numbers().filter(convention=convention)]


def test_a_new_plan_is_numbered_in_order(convention):
    assert [n for n, _ in numbers(convention)][:4] == ["1.1.1", "1.1.2", "1.1.3", "1.2.1"]


def test_deleting_a_sheet_renumbers_the_following_ones(client, convention, adviser):
    sheet = ActionSheet.objects.get(title="Fiche 1.1.2")
    client.force_login(adviser)
    client.post(reverse("sheet_delete", kwargs={"convention_pk": convention.pk, "sheet_pk": sheet.pk}))
    assert numbers(convention)[:3] == [("1.1.1", "Fiche 1.1.1"), ("1.1.2", "Fiche 1.1.3"), ("1.2.1", "Fiche 1.2.1")]


def test_deleting_an_axis_renumbers_axes_and_takes_its_sheets(client, convention, adviser):
    axis = convention.axes.get(title="Axe 1")
    client.force_login(adviser)
    assert (
        "Ses objectifs et leurs fiches action"
        in client.get(
            reverse("axis_delete", kwargs={"convention_pk": convention.pk, "axis_pk": axis.pk})
        ).content.decode()
    )
    client.post(reverse("axis_delete", kwargs={"convention_pk": convention.pk, "axis_pk": axis.pk}))
    assert [a.number for a in convention.axes.all()] == ["1", "2"]
    assert numbers(convention)[0] == ("1.1.1", "Fiche 2.1.1")
    assert convention.sheets.count() == 12


def test_moving_up_and_down_swaps_neighbours(client, convention, adviser):
    client.force_login(adviser)
    sheet = ActionSheet.objects.get(title="Fiche 1.1.3")
    url = reverse("sheet_move", kwargs={"convention_pk": convention.pk, "sheet_pk": sheet.pk})
    client.post(url, {"direction": "up"})
    assert numbers(convention)[:3] == [("1.1.1", "Fiche 1.1.1"), ("1.1.2", "Fiche 1.1.3"), ("1.1.3", "Fiche 1.1.2")]
    axis = convention.axes.get(title="Axe 3")
    client.post(reverse("axis_move", kwargs={"convention_pk": convention.pk, "axis_pk": axis.pk}), {"direction": "up"})
    assert [a.title for a in convention.axes.all()] == ["Axe 1", "Axe 3", "Axe 2"]
    # The first cannot go higher: nothing changes, the user is told.
    first = ActionSheet.objects.get(title="Fiche 1.1.1")
    response = client.post(
        reverse("sheet_move", kwargs={"convention_pk": convention.pk, "sheet_pk": first.pk}),
        {"direction": "up"},
        follow=True,
    )
    assert "déjà en tête" in response.content.decode()
    assert numbers(convention)[0] == ("1.1.1", "Fiche 1.1.1")


def test_moving_a_sheet_to_another_objective(client, convention, adviser):
    sheet = ActionSheet.objects.get(title="Fiche 1.1.1")
    target = convention.objectives.get(title="Objectif 3.2")
    client.force_login(adviser)
    response = client.post(
        reverse("sheet_move_to", kwargs={"convention_pk": convention.pk, "sheet_pk": sheet.pk}),
        {"objective": target.pk},
        follow=True,
    )
    assert "elle porte maintenant le n° 3.2.4" in response.content.decode()
    assert numbers(convention)[:2] == [("1.1.1", "Fiche 1.1.2"), ("1.1.2", "Fiche 1.1.3")]


def test_a_sheet_cannot_move_to_another_conventions_objective(client, convention, adviser):
    other = add_plan(make_convention(caf=OrganisationFactory(caf=True), epci_siren="200071199"), 1, 1, 1)
    sheet = ActionSheet.objects.get(convention=convention, title="Fiche 1.1.1")
    client.force_login(adviser)
    client.post(
        reverse("sheet_move_to", kwargs={"convention_pk": convention.pk, "sheet_pk": sheet.pk}),
        {"objective": other.objectives.get().pk},
    )
    sheet.refresh_from_db()
    assert sheet.convention == convention and sheet.objective.convention == convention


def test_duplicating_copies_everything_right_after_the_original(client, convention, adviser):
    sheet = ActionSheet.objects.get(title="Fiche 1.1.1")
    Step.objects.create(sheet=sheet, title="Réunir les partenaires")
    BudgetLine.objects.create(sheet=sheet, year=2025, planned=5000)
    sheet.communes.set(convention.epci.communes.all()[:2])
    client.force_login(adviser)
    response = client.post(reverse("sheet_duplicate", kwargs={"convention_pk": convention.pk, "sheet_pk": sheet.pk}))
    copy = ActionSheet.objects.get(title="Fiche 1.1.1 (copie)")
    assert response["Location"] == copy.get_absolute_url()
    assert copy.number == "1.1.2"
    assert numbers(convention)[2] == ("1.1.3", "Fiche 1.1.2")
    assert copy.steps.get().title == "Réunir les partenaires"
    assert copy.budget_lines.get().planned == 5000
    assert copy.communes.count() == 2
    assert sheet.steps.count() == 1  # the original keeps its own


def test_a_late_sheet_is_flagged(convention):
    from datetime import date

    sheet = ActionSheet.objects.get(title="Fiche 1.1.1")
    sheet.status, sheet.end_date = "en_cours", date(2020, 1, 1)
    sheet.save()
    other = ActionSheet.objects.get(title="Fiche 1.1.2")
    Step.objects.create(sheet=other, title="Étape en retard", end_date=date(2020, 6, 1))
    done = ActionSheet.objects.get(title="Fiche 1.1.3")
    done.status, done.end_date = "realisee", date(2020, 1, 1)
    done.save()
    late = set(ActionSheet.objects.late().values_list("title", flat=True))
    assert late == {"Fiche 1.1.1", "Fiche 1.1.2"}


def test_renumber_compacts_gaps(convention):
    objective = convention.objectives.get(title="Objectif 1.1")
    ActionSheet.objects.filter(objective=objective, title="Fiche 1.1.3").update(position=9)
    ActionSheet.objects.filter(objective=objective, title="Fiche 1.1.1").delete()
    services.renumber(objective.sheets.all())
    assert list(objective.sheets.order_by("position").values_list("position", flat=True)) == [1, 2]


def test_status_and_progress_are_edited_in_place_with_htmx_or_a_plain_post(client, convention, adviser):
    sheet = ActionSheet.objects.get(title="Fiche 1.1.1")
    url = reverse("sheet_progress", kwargs={"convention_pk": convention.pk, "sheet_pk": sheet.pk})
    client.force_login(adviser)
    response = client.post(url, {"suivi-status": "en_cours", "suivi-progress": 45}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "Enregistré : en cours, 45 %." in html
    # The side panel the page shows is sent again with the new values, out of band.
    panel = html[html.index('<dd id="statut-fiche" hx-swap-oob="true">') :]
    assert re.search(r"En cours</span> · 45 %", panel)
    sheet.refresh_from_db()
    assert (sheet.status, sheet.progress) == ("en_cours", 45)

    response = client.post(url, {"suivi-status": "realisee", "suivi-progress": 100})
    assert response["Location"] == sheet.get_absolute_url()
    response = client.post(url, {"suivi-status": "realisee", "suivi-progress": 140})
    assert response.status_code == 400
    assert "inférieure ou égale à 100" in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.progress == 100
