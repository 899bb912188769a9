"""Lists: filters, search, pagination, and query counts that do not grow with the rows."""

import re

import pytest
from django.urls import reverse

from actions.models import ActionSheet
from ctg.forms import ThemedFormRenderer
from ctg.lifecycle import Status
from ctg.models import Convention
from diagnostics.models import InterventionField
from territories.models import Organisation, Role, User
from tests.factories import MembershipFactory, OrganisationFactory, add_plan, make_convention
from tests.helpers import count_queries

EPCI_OF_THE_ALLIER = ["200071082", "200071363", "200071140", "200071512"]


@pytest.fixture
def caf(db):
    return Organisation.objects.cafs().get(name="Caf de l'Allier")


@pytest.fixture
def adviser(client, caf):
    user = MembershipFactory(organisation=caf, role=Role.CAF_ADVISER).user
    client.force_login(user)
    make_convention(caf=caf, epci_siren="240300566")
    client.get(reverse("convention_list"))  # warms the per-process caches (content types), as in production
    return user


def test_the_convention_list_filters_and_searches(client, caf, adviser):
    montlucon = make_convention(caf=caf, epci_siren="200071082")
    moulins = make_convention(caf=caf, epci_siren="200071140")
    add_plan(moulins, 1, 1, 1)
    moulins.transition(Status.REVIEW)
    url = reverse("convention_list")
    html = client.get(url, {"q": "montlucon"}).content.decode()
    assert montlucon.title in html and moulins.title not in html
    html = client.get(url, {"status": "review"}).content.decode()
    assert moulins.title in html and montlucon.title not in html
    html = client.get(url, {"departement": "63"}).content.decode()
    assert "Aucune convention ne correspond." in html
    partial = client.get(url, {"departement": "03"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and montlucon.title in partial


def test_the_convention_list_query_count_does_not_grow(client, caf, adviser):
    make_convention(caf=caf, epci_siren=EPCI_OF_THE_ALLIER[0])
    few = count_queries(client, reverse("convention_list"))
    for siren in EPCI_OF_THE_ALLIER[1:]:
        make_convention(caf=caf, epci_siren=siren)
    assert count_queries(client, reverse("convention_list")) == few == 5


def test_the_home_page_query_count_does_not_grow(client, caf, adviser):
    make_convention(caf=caf, epci_siren=EPCI_OF_THE_ALLIER[0])
    few = count_queries(client, reverse("home"))
    for siren in EPCI_OF_THE_ALLIER[1:]:
        make_convention(caf=caf, epci_siren=siren)
    assert count_queries(client, reverse("home")) == few == 8


def test_plan_diagnostic_and_detail_pages_do_not_grow_with_the_plan(client, caf, adviser):
    small = add_plan(make_convention(caf=caf, epci_siren=EPCI_OF_THE_ALLIER[0]), 1, 1, 1)
    large = add_plan(make_convention(caf=caf, epci_siren=EPCI_OF_THE_ALLIER[1]), 4, 3, 5)
    for name, pinned in [
        ("plan_detail", 7),
        ("convention_detail", 15),
        ("diagnostic_detail", 11),
        ("party_list", 14),
        ("convention_history", 19),
    ]:
        counts = [count_queries(client, reverse(name, kwargs={"convention_pk": c.pk})) for c in (small, large)]
        assert counts == [pinned, pinned], (name, counts)


def test_the_sheet_page_does_not_grow_with_its_lines(client, caf, adviser):
    convention = add_plan(make_convention(caf=caf), 1, 1, 2)
    first, second = convention.sheets.all()
    for i in range(6):
        second.steps.create(title=f"Étape {i}")
        second.budget_lines.create(year=2025 + i, planned=100)
        second.funding_lines.create(funder=f"Financeur {i}", amount=10)
    second.communes.set(convention.epci.communes.all())
    fields = list(InterventionField.objects.order_by("position")[:2])
    second.fields.set(reversed(fields))
    second.partners.set(Organisation.objects.filter(pk=caf.pk))
    ActionSheet.objects.filter(pk=second.pk).update(whole_territory=False)
    counts = [
        count_queries(client, reverse("sheet_detail", kwargs={"convention_pk": convention.pk, "sheet_pk": s.pk}))
        for s in (first, second)
    ]
    assert counts[0] == counts[1] == 13
    html = client.get(second.get_absolute_url()).content.decode().replace("&#x27;", "'")
    # Its lists are named in their own order: the reference list's, the communes' by name.
    assert f"{fields[0].name}, {fields[1].name}" in html
    communes = sorted(convention.epci.communes.values_list("name", flat=True))
    assert ", ".join(communes[:3]) in html and caf.name in html


def test_the_sheet_list_spans_conventions_with_filters(client, caf, adviser):
    a = add_plan(make_convention(caf=caf, epci_siren=EPCI_OF_THE_ALLIER[0]), 1, 1, 2)
    b = add_plan(make_convention(caf=caf, epci_siren=EPCI_OF_THE_ALLIER[1]), 1, 1, 2)
    foreign = add_plan(make_convention(caf=OrganisationFactory(caf=True), epci_siren="200071199"), 1, 1, 1)
    sheet = a.sheets.first()
    sheet.status, sheet.title, sheet.pilot = "en_cours", "Guichet unique mobile", a.caf
    sheet.save()
    url = reverse("sheet_list")
    html = client.get(url).content.decode()
    assert "4 fiches" in html  # the warm-up convention has none
    assert foreign.title not in html
    assert "Guichet unique mobile" in client.get(url, {"status": "en_cours"}).content.decode()
    assert "1 fiche" in client.get(url, {"pilot": a.caf.pk}).content.decode()
    assert "1 fiche" in client.get(url, {"q": "guichet"}).content.decode()
    ActionSheet.objects.filter(convention=b).update(status="en_cours", end_date="2020-01-01")
    assert "2 fiches" in client.get(url, {"late": "on"}).content.decode()


def test_the_sheet_list_pages_through_conventions_in_plan_order(client, caf, adviser):
    """Pages cut across conventions (title order), each convention's sheets in plan order."""
    first = add_plan(make_convention(caf=caf, epci_siren=EPCI_OF_THE_ALLIER[0]), 2, 2, 5)
    second = add_plan(make_convention(caf=caf, epci_siren=EPCI_OF_THE_ALLIER[1]), 2, 2, 5)
    first, second = sorted([first, second], key=lambda convention: convention.title)
    in_plan_order = [f"{a}.{o}.{s}" for a in (1, 2) for o in (1, 2) for s in range(1, 6)]

    def rows(page):
        html = client.get(reverse("sheet_list"), {"page": page}).content.decode()
        return re.findall(r"<td>(\d\.\d\.\d)</td>\s*<td>\s*<a[^>]*>[^<]*</a>\s*</td>\s*<td>([^<]*)</td>", html)

    expected = [(number, first.title) for number in in_plan_order] + [(n, second.title) for n in in_plan_order]
    assert rows(1) + rows(2) == [(number, title.replace("'", "&#x27;")) for number, title in expected]
    assert len(rows(1)) == 25


def test_the_sheet_list_query_count_does_not_grow(client, caf, adviser):
    add_plan(make_convention(caf=caf, epci_siren=EPCI_OF_THE_ALLIER[0]), 1, 1, 1)
    few = count_queries(client, reverse("sheet_list"))
    add_plan(make_convention(caf=caf, epci_siren=EPCI_OF_THE_ALLIER[1]), 3, 3, 4)
    assert count_queries(client, reverse("sheet_list")) == few == 7


def test_a_user_without_conventions_sees_an_empty_list(client, db):
    user = MembershipFactory().user
    client.force_login(user)
    make_convention()
    assert "0 convention" in client.get(reverse("convention_list")).content.decode()
    assert Convention.objects.count() == 1


def test_the_caf_dashboard_shows_every_convention_with_charts_and_does_not_grow(client, caf, adviser):
    few = count_queries(client, reverse("caf_dashboard"))
    for siren in EPCI_OF_THE_ALLIER:
        add_plan(make_convention(caf=caf, epci_siren=siren), 1, 1, 2)
    response = client.get(reverse("caf_dashboard"))
    html = response.content.decode()
    assert "<svg" in html and "Conventions par statut" in html
    for convention in Convention.objects.filter(caf=caf):
        assert convention.territory_name in html
    assert count_queries(client, reverse("caf_dashboard")) == few


def test_only_caf_members_have_the_caf_dashboard(client, db):
    client.force_login(MembershipFactory().user)
    assert client.get(reverse("caf_dashboard")).status_code == 403


def test_visible_conventions_come_from_group_and_user_rights_and_superusers_see_all(db, caf):
    from guardian.shortcuts import assign_perm

    adviser = MembershipFactory(organisation=caf, role=Role.CAF_ADVISER).user
    own = make_convention(caf=caf, epci_siren=EPCI_OF_THE_ALLIER[0])
    other = make_convention(caf=OrganisationFactory(caf=True), epci_siren="200071199")
    assert list(Convention.objects.for_user(adviser)) == [own]
    assign_perm("ctg.view_convention", adviser, other)  # a right given to the person (admin)
    assert set(Convention.objects.for_user(adviser)) == {own, other}
    assert set(Convention.objects.for_user(adviser, "ctg.manage_convention")) == {own}
    superuser = User.objects.create_superuser("root@example.org", "x")
    assert Convention.objects.for_user(superuser).count() == Convention.objects.count()


def test_select_fields_render_as_django_writes_them():
    from django import forms

    class Form(forms.Form):
        choice = forms.ChoiceField(choices=[("x", "X & <y>"), ("Groupe", [("1", "Un"), ("2", "Deux")])])
        several = forms.MultipleChoiceField(choices=[("p", "P"), ("q", "Q")], required=False)

    form = Form({"choice": "2", "several": ["p", "q"]}, renderer=ThemedFormRenderer())
    html = str(form["choice"]) + str(form["several"])
    assert "</option>\n\n" not in html  # written in Python, not by one template per option
    assert '<option value="x">X &amp; &lt;y&gt;</option>' in html
    assert '<optgroup label="Groupe">' in html and '<option value="2" selected>Deux</option>' in html
    several = re.search(r'<select name="several"[^>]*>', html).group(0)
    assert 'class="form-select"' in several and 'id="id_several"' in several and several.endswith(" multiple>")
    # A list where several are chosen says how.
    assert "Ctrl + clic" in form["several"].help_text
    assert html.count(" selected>") == 3
