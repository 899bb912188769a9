"""Bringing people in: an agent asks to join the organisation of their SIRET; the convention's
adviser or coordinator invites the staff of its parties; committees seat the parties' people."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ctg.lib.models import OutboundEmail
from governance.models import Committee
from territories.identifiers import luhn_ok
from territories.models import EPCI, Commune, Invitation, JoinRequest, Membership, Organisation, Role
from territories.services import organisation_for_epci, organisation_for_siret
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, make_convention
from tests.helpers import member_of

pytestmark = pytest.mark.django_db

SMALL_EPCI = "246301097"  # CC Entre Dore et Allier (63): 14 communes, quick to set up


def siret_of(siren: str) -> str:
    """The first establishment number that gives a valid SIRET."""
    return next(siret for n in range(1, 99999) if luhn_ok(siret := f"{siren}{n:05d}"))


@pytest.fixture
def caf():
    return Organisation.objects.cafs().get(name="Caf du Puy-de-Dôme")


@pytest.fixture
def adviser(caf):
    return member_of(caf, Role.CAF_ADVISER)


@pytest.fixture
def convention(caf):
    return make_convention(caf=caf, epci_siren=SMALL_EPCI)


@pytest.fixture
def commune(convention):
    """A commune of the territory, party to the convention, with nobody on the platform yet."""
    return convention.parties.filter(organisation__kind="commune").order_by("organisation__name")[0].organisation


def emails_to(address):
    return list(OutboundEmail.objects.filter(to=address).order_by("pk"))


def link_in(email) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+/)", email.body)
    assert match, email.body
    return match.group(1)


# --- Joining by SIRET -------------------------------------------------------------------------


def test_a_new_agent_joins_a_commune_without_admin_through_the_caf_adviser(client, convention, commune, adviser):
    agent = UserFactory(email="secretariat@mairie.fr", proconnect_siret=siret_of(commune.commune.siren))
    assert not commune.siret
    client.force_login(agent)

    page = unescape(client.get(reverse("join_organisation")).content.decode())
    assert f"Votre SIRET correspond à <strong>{commune.name}</strong>" in page
    response = client.post(
        reverse("join_organisation"), {"siret": agent.proconnect_siret, "message": "Secrétaire de mairie"}, follow=True
    )
    assert f"Votre demande pour rejoindre {commune.name} est envoyée" in unescape(response.content.decode())
    join_request = JoinRequest.objects.get(user=agent)
    assert join_request.organisation == commune and join_request.status == "pending"
    # Nobody administers the commune yet: the convention's Caf adviser is asked.
    [email] = emails_to(adviser.email)
    assert email.subject == f"{agent.get_full_name()} demande à rejoindre {commune.name}"
    assert "Secrétaire de mairie" in email.body
    # …and sees the request on the convention's parties page.
    client.force_login(adviser)
    parties = client.get(reverse("party_list", kwargs={"convention_pk": convention.pk})).content.decode()
    assert "Demandes d'adhésion à examiner (1)" in parties
    decide_url = link_in(email)
    assert decide_url == reverse("join_request_decide", kwargs={"join_request_pk": join_request.pk})

    client.post(decide_url, {"decision": "accept", "role": Role.ADMIN})

    membership = Membership.objects.get(user=agent, organisation=commune)
    assert membership.role == Role.ADMIN
    commune.refresh_from_db()
    assert commune.siret == agent.proconnect_siret  # the first agent's SIRET becomes the commune's
    assert "Vous avez rejoint" in emails_to(agent.email)[-1].subject
    client.force_login(agent)
    assert client.get(convention.get_absolute_url()).status_code == 200


def test_once_the_commune_has_an_admin_it_decides_and_the_adviser_no_longer_does(client, convention, commune, adviser):
    admin = member_of(commune, Role.ADMIN)
    agent = UserFactory()
    join_request = JoinRequest.objects.create(user=agent, organisation=commune)
    url = reverse("join_request_decide", kwargs={"join_request_pk": join_request.pk})

    client.force_login(adviser)
    assert client.get(url).status_code == 404
    assert (
        "Demandes d'adhésion"
        not in client.get(reverse("party_list", kwargs={"convention_pk": convention.pk})).content.decode()
    )

    client.force_login(admin)
    organisation_page = client.get(reverse("organisation_detail", kwargs={"organisation_pk": commune.pk}))
    assert agent.email in organisation_page.content.decode()
    client.post(url, {"decision": "decline"})
    join_request.refresh_from_db()
    assert join_request.status == "declined"
    assert not Membership.objects.filter(user=agent).exists()
    assert "n'a pas été acceptée" in emails_to(agent.email)[-1].subject


def test_accepting_needs_a_role_and_happens_once(client, commune, adviser, convention):
    join_request = JoinRequest.objects.create(user=UserFactory(), organisation=commune)
    url = reverse("join_request_decide", kwargs={"join_request_pk": join_request.pk})
    client.force_login(adviser)

    response = client.post(url, {"decision": "accept", "role": ""})
    assert response.status_code == 400
    assert not Membership.objects.filter(user=join_request.user).exists()
    # A role of another kind of organisation is refused as well.
    assert client.post(url, {"decision": "accept", "role": Role.CAF_ADVISER}).status_code == 400

    client.post(url, {"decision": "accept", "role": Role.COMMUNE_OFFICER})
    client.post(url, {"decision": "accept", "role": Role.ADMIN})
    assert Membership.objects.get(user=join_request.user).role == Role.COMMUNE_OFFICER


@pytest.mark.parametrize(
    ("siret", "message"),
    [
        ("1234", "Un SIRET compte 14 chiffres."),
        ("21630430400017", "la clé de contrôle ne correspond pas"),
        (siret_of("123456782"), "Aucune organisation de la plateforme ne correspond à ce SIRET."),
    ],
)
def test_a_wrong_siret_is_refused_in_french_and_nothing_is_saved(client, siret, message):
    client.force_login(UserFactory())
    response = client.post(reverse("join_organisation"), {"siret": siret})
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not JoinRequest.objects.exists()


def test_the_siret_finds_an_epci_from_the_geography_and_a_caf_already_there(caf):
    epci_organisation = organisation_for_siret(siret_of(SMALL_EPCI))
    assert epci_organisation.epci == EPCI.objects.get(siren=SMALL_EPCI)
    assert organisation_for_siret(siret_of(SMALL_EPCI)) == epci_organisation  # created once
    caf.siren = "534087127"
    caf.save()
    assert organisation_for_siret(siret_of("534087127")) == caf


def test_a_second_request_while_one_waits_is_refused(client, commune):
    agent = UserFactory()
    JoinRequest.objects.create(user=agent, organisation=commune)
    client.force_login(agent)
    response = client.post(reverse("join_organisation"), {"siret": siret_of(commune.commune.siren)}, follow=True)
    assert "attend déjà une réponse" in response.content.decode()
    assert JoinRequest.objects.count() == 1


def test_the_agent_withdraws_their_request_from_the_profile(client, commune):
    agent = UserFactory()
    join_request = JoinRequest.objects.create(user=agent, organisation=commune)
    client.force_login(agent)
    assert commune.name in unescape(client.get(reverse("profile")).content.decode())
    client.post(reverse("join_request_cancel", kwargs={"join_request_pk": join_request.pk}))
    join_request.refresh_from_db()
    assert join_request.status == "cancelled"


# --- Invitations from the convention ------------------------------------------------------------


def invite(client, convention, organisation, email, invited_as="own"):
    return client.post(
        reverse("convention_invite", kwargs={"convention_pk": convention.pk}),
        {"personne-organisation": organisation.pk, "personne-email": email, "personne-invited_as": invited_as},
        follow=True,
    )


def test_the_adviser_invites_the_epci_coordinator_who_creates_an_account(client, convention, adviser):
    epci = organisation_for_epci(EPCI.objects.get(siren=SMALL_EPCI))
    client.force_login(adviser)

    response = invite(client, convention, epci, "Coordination@Entre-Dore.fr")

    assert "Invitation envoyée à coordination@entre-dore.fr" in response.content.decode()
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.organisation) == (Role.COORDINATOR, epci)
    parties = client.get(reverse("party_list", kwargs={"convention_pk": convention.pk})).content.decode()
    assert "Personnes invitées, en attente (1)" in parties
    [email] = emails_to("coordination@entre-dore.fr")
    assert convention.title in email.body
    link = link_in(email)

    newcomer = Client()
    newcomer.post(
        link,
        {
            "first_name": "Inès",
            "last_name": "Roche",
            "password1": "une-phrase-solide",
            "password2": "une-phrase-solide",
        },
    )
    membership = Membership.objects.get(user__email="coordination@entre-dore.fr")
    assert (membership.organisation, membership.role) == (epci, Role.COORDINATOR)
    assert newcomer.get(convention.get_absolute_url()).status_code == 200
    # Single use: the link is dead now.
    assert Client().get(link).status_code == 410


def test_the_first_person_of_an_organisation_may_be_invited_as_its_admin_and_only_then(client, convention, commune):
    coordinator = member_of(organisation_for_epci(EPCI.objects.get(siren=SMALL_EPCI)), Role.COORDINATOR)
    client.force_login(coordinator)  # the territory's coordinator invites too

    invite(client, convention, commune, "maire@commune.fr", invited_as=Role.ADMIN)
    assert Invitation.objects.get().role == Role.ADMIN

    member_of(commune, Role.ADMIN)
    response = invite(client, convention, commune, "adjoint@commune.fr", invited_as=Role.ADMIN)
    assert "Ce rôle ne peut pas être proposé" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_an_officer_cannot_invite_and_nobody_invites_into_a_non_party(client, convention, commune, adviser):
    officer = member_of(commune, Role.COMMUNE_OFFICER)
    client.force_login(officer)
    response = client.post(
        reverse("convention_invite", kwargs={"convention_pk": convention.pk}),
        {"personne-organisation": commune.pk, "personne-email": "x@y.fr", "personne-invited_as": "own"},
    )
    assert response.status_code == 403
    client.force_login(adviser)
    stranger = OrganisationFactory(kind="msa")
    invite(client, convention, stranger, "x@y.fr")
    assert not Invitation.objects.exists()


def test_a_pending_invitation_is_revoked_and_an_expired_one_is_dead(client, convention, commune, adviser):
    client.force_login(adviser)
    invite(client, convention, commune, "agent@commune.fr", invited_as=Role.VIEWER)
    invitation = Invitation.objects.get()
    link = link_in(emails_to("agent@commune.fr")[0])

    client.post(
        reverse("convention_invitation_revoke", kwargs={"convention_pk": convention.pk, "invitation_pk": invitation.pk})
    )
    assert Client().get(link).status_code == 410
    assert (
        "Personnes invitées"
        not in client.get(reverse("party_list", kwargs={"convention_pk": convention.pk})).content.decode()
    )

    invite(client, convention, commune, "agent@commune.fr", invited_as=Role.VIEWER)
    Invitation.objects.filter(revoked_at__isnull=True).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert Client().get(link_in(emails_to("agent@commune.fr")[-1])).status_code == 410


def test_an_invitation_is_accepted_from_the_profile_of_an_existing_account(client, convention, commune, adviser):
    person = MembershipFactory(user__email="elue@commune.fr").user
    client.force_login(adviser)
    invite(client, convention, commune, "elue@commune.fr")
    invitation = Invitation.objects.get()

    client.force_login(person)
    profile = unescape(client.get(reverse("profile")).content.decode())
    assert f"{commune.name}, rôle « Agent·e ou élu·e communal·e »" in profile
    response = client.post(reverse("accept_pending_invitation", kwargs={"invitation_pk": invitation.pk}))
    assert response["Location"] == convention.get_absolute_url()
    assert Membership.objects.get(user=person, organisation=commune).role == Role.COMMUNE_OFFICER
    # Someone else cannot use it, even knowing its number.
    client.force_login(UserFactory())
    assert client.post(reverse("accept_pending_invitation", kwargs={"invitation_pk": invitation.pk})).status_code == 404


# --- Profile -----------------------------------------------------------------------------------


def test_the_profile_shows_organisations_and_saves_names_and_digest(client):
    membership = MembershipFactory(role=Role.COORDINATOR, organisation__name="CC Exemple")
    client.force_login(membership.user)
    page = client.get(reverse("profile")).content.decode()
    assert "CC Exemple" in page and "Chargé·e de coopération CTG" in page

    client.post(reverse("profile"), {"first_name": "Léa", "last_name": "Bost", "weekly_digest": "on"})
    membership.user.refresh_from_db()
    assert (membership.user.get_full_name(), membership.user.weekly_digest) == ("Léa Bost", True)


def test_signing_out_everywhere_ends_the_other_sessions(client):
    user = MembershipFactory().user
    phone, laptop = Client(), Client()
    phone.force_login(user)
    laptop.force_login(user)
    assert phone.get(reverse("home")).status_code == 200

    laptop.post(reverse("sign_out_everywhere"))

    assert phone.get(reverse("home")).status_code == 302
    assert laptop.get(reverse("home")).status_code == 302
    # Signing in again works.
    user.refresh_from_db()
    phone.force_login(user)
    assert phone.get(reverse("home")).status_code == 200


# --- Committees ----------------------------------------------------------------------------------


def test_committee_members_are_chosen_among_the_parties_people(client, convention, commune, adviser):
    maire = member_of(commune, Role.ADMIN)
    outsider = MembershipFactory().user
    client.force_login(adviser)
    form = client.get(reverse("committee_create", kwargs={"convention_pk": convention.pk})).content.decode()
    assert maire.email in form and outsider.email not in form

    client.post(
        reverse("committee_create", kwargs={"convention_pk": convention.pk}),
        {"kind": "copil", "people": [maire.pk], "members": "Mme Durand, directrice de l'école"},
    )
    committee = Committee.objects.get()
    assert list(committee.people.all()) == [maire]
    page = client.get(reverse("committee_list", kwargs={"convention_pk": convention.pk})).content.decode()
    assert maire.get_full_name() in page and "Mme Durand" in page
    # Someone outside the parties is refused.
    response = client.post(
        reverse("committee_create", kwargs={"convention_pk": convention.pk}),
        {"kind": "cotech", "people": [outsider.pk]},
    )
    assert response.status_code in (200, 400)
    assert Committee.objects.count() == 1


def test_an_unknown_commune_of_the_geography_gets_its_organisation_on_first_request(client):
    commune = Commune.objects.filter(siren__gt="", organisation__isnull=True).order_by("code").first()
    client.force_login(UserFactory())
    client.post(reverse("join_organisation"), {"siret": siret_of(commune.siren)})
    assert JoinRequest.objects.get().organisation.commune == commune
