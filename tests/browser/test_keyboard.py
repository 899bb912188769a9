"""The main forms with the keyboard alone: skip link, tab order, visible focus, labels, and
errors announced and tied to their field."""

import pytest

from territories.models import Organisation, Role
from tests.factories import DEFAULT_PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const label = el.labels && el.labels.length ? el.labels[0].innerText : el.innerText;
            return {id: el.id, tag: el.tagName, label: (label || '').trim(), outline: style.outlineStyle,
                    outlineWidth: style.outlineWidth};
        }"""
    )


def test_logging_in_and_creating_a_convention_with_the_keyboard(journey):
    caf = Organisation.objects.cafs().get(name="Caf de l'Allier")
    adviser = MembershipFactory(organisation=caf, role=Role.CAF_ADVISER).user
    tab = journey("clavier")
    page = tab.page
    tab.goto("/accessibilite/")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["tag"] == "A" and first["label"] == "Aller au contenu"  # the skip link comes first
    assert first["outline"] != "none"
    tab.goto("/connexion/")
    email = focused(page)  # the login form has the focus at once
    assert email["id"] == "id_username" and email["label"].startswith("Adresse e-mail")
    assert email["outline"] != "none" and email["outlineWidth"] != "0px"
    page.keyboard.type(adviser.email)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_password"
    page.keyboard.type("un mauvais mot de passe")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    assert "Adresse e-mail ou mot de passe incorrect." in alert.inner_text()
    page.locator("#id_password").focus()
    page.keyboard.type(DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab.check("connecte")
    assert "Bonjour" in page.content()

    # A form error is announced and tied to its field.
    tab.goto("/conventions/nouvelle/")
    page.locator("#id_territory").focus()
    page.keyboard.type("999999999")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab.check("erreur")
    field = page.locator("#id_territory")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby").split()
    assert "id_territory_error" in described
    assert "Aucune intercommunalité" in page.locator("#id_territory_error").inner_text()
