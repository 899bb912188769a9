"""The pages a commune agent and a coordinator open on a phone (390 px): nothing wider than
the screen, the convention's tabs on one scrollable line, tables read as cards."""

import pytest
from django.urls import reverse

from territories.models import Role
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, add_plan, make_convention

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390


def test_the_main_pages_fit_a_phone(journey):
    convention = add_plan(make_convention(epci_siren="200071199"), axes=2, objectives=2, sheets=2)
    montpensier = convention.parties.get(organisation__commune__code="63240")
    agent = MembershipFactory(organisation=montpensier.organisation, role=Role.COMMUNE_OFFICER).user
    tab = journey("telephone", width=WIDTH)
    page = tab.page
    tab.login(agent.email, DEFAULT_PASSWORD)
    sheet = convention.sheets.first()
    of_convention = {"convention_pk": convention.pk}
    paths = [reverse("home"), reverse("convention_list"), reverse("sheet_list"), sheet.get_absolute_url()]
    paths += [
        reverse(name, kwargs=of_convention)
        for name in (
            "convention_detail",
            "party_list",
            "diagnostic_detail",
            "plan_detail",
            "document_list",
            "workflow",
            "deliberation_list",
            "committee_list",
            "convention_history",
        )
    ]
    for path in paths:
        tab.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= WIDTH, (path, width)
        # The header's title and menu button stand off the screen's edges.
        brand = page.locator(".navbar-brand").bounding_box()
        assert brand["x"] >= 12, brand
    # The tabs hold one line, which scrolls sideways.
    tab.goto(reverse("convention_detail", kwargs=of_convention))
    tabs = page.get_by_role("navigation", name="Sections de la convention").locator("li")
    assert len({round(box["y"]) for box in (item.bounding_box() for item in tabs.all())}) == 1
    # The parties read as cards, each value with its heading.
    tab.goto(reverse("party_list", kwargs=of_convention))
    card = page.locator("table.table-cards tbody tr").first
    assert card.bounding_box()["width"] <= WIDTH
    assert page.locator("table.table-cards tbody td[data-label='Organisation']").first.is_visible()
