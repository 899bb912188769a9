"""A deactivated organisation: its members keep their account and lose everything that came
through it (pages, lists, notifications, e-mails, signatures), and get it back on reactivation."""

import pytest
from django.urls import reverse

from ctg.models import Convention
from ctg.notifications import notifications_for
from ctg.permissions import ConventionAccess
from governance.signatories import signatory_for
from territories import services as territory_services
from territories.models import Role
from tests.factories import MembershipFactory, designate, make_convention

pytestmark = pytest.mark.django_db


def test_a_deactivated_organisation_s_members_lose_access_everywhere_until_it_is_reactivated(client):
    convention = make_convention()
    territory = territory_services.organisation_for_epci(convention.epci)
    coordinator = MembershipFactory(organisation=territory, role=Role.ADMIN).user
    party = convention.parties.get(organisation=territory)
    party = designate(party, coordinator)
    assert signatory_for(party, coordinator) is not None
    client.force_login(coordinator)
    pages = [
        convention.get_absolute_url(),
        reverse("party_list", kwargs={"convention_pk": convention.pk}),
        reverse("organisation_detail", kwargs={"organisation_pk": territory.pk}),
    ]
    assert [client.get(url).status_code for url in pages] == [200, 200, 200]
    assert ConventionAccess(coordinator, convention).has_edit_right

    territory.is_active = False
    territory.save()
    assert [client.get(url).status_code for url in pages] == [404, 404, 404]
    assert client.post(reverse("convention_edit", kwargs={"convention_pk": convention.pk})).status_code == 404
    assert not Convention.objects.for_user(coordinator).exists()
    assert convention.title not in client.get(reverse("convention_list")).content.decode()
    assert signatory_for(party, coordinator) is None
    assert notifications_for(coordinator) == []

    territory.is_active = True
    territory.save()
    assert [client.get(url).status_code for url in pages] == [200, 200, 200]
