"""A partner with people on the platform is invited from the parties page; its admin finds the
invitation in the notifications, reads what it is about and accepts; its staff then see the
convention. Through the UI only."""

import pytest

from ctg.models import Convention
from territories.models import Departement, Organisation, Role
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, make_convention

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_msa_is_invited_then_accepts_and_its_staff_see_the_convention(journey):
    caf = Organisation.objects.cafs().get(name="Caf de l'Allier")
    convention = make_convention(caf=caf)
    adviser = MembershipFactory(organisation=caf, role=Role.CAF_ADVISER).user
    msa = Organisation.objects.create(kind="msa", name="MSA Auvergne")
    msa.departements.set(Departement.objects.filter(code="03"))
    admin = MembershipFactory(organisation=msa, role=Role.ADMIN).user
    staff = MembershipFactory(organisation=msa, role=Role.PARTNER).user

    tab = journey("invitation-conseillere")
    tab.login(adviser.email, DEFAULT_PASSWORD)
    tab.goto(f"/conventions/{convention.pk}/parties/")
    page = tab.page
    page.get_by_label("Organisation existante").select_option(label="MSA Auvergne")
    page.get_by_role("button", name="Ajouter").click()
    tab.check("invitee")
    assert "MSA Auvergne est invitée" in page.content()
    assert page.get_by_role("button", name="Retirer l'invitation de MSA Auvergne").is_visible()

    tab = journey("invitation-msa")
    tab.login(admin.email, DEFAULT_PASSWORD)
    tab.goto("/notifications/")
    page = tab.page
    page.get_by_role("link", name=f"MSA Auvergne est invitée à être partie : {convention.title}").click()
    tab.check("invitation")
    assert "Caf de l'Allier" in page.content()
    page.get_by_role("button", name="Accepter").click()
    tab.check("acceptee")
    assert page.url.endswith(convention.get_absolute_url())

    tab = journey("invitation-agent-msa")
    tab.login(staff.email, DEFAULT_PASSWORD)
    tab.goto("/conventions/")
    tab.page.get_by_role("link", name=convention.title).first.click()
    tab.check("convention")
    assert Convention.objects.for_user(staff).filter(pk=convention.pk).exists()
