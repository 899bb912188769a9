import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from guardian.models import GroupObjectPermission

from ctg.lib.mail import deliver_outbound_email
from ctg.models import OutboundEmail
from territories import services
from territories.models import Invitation, Membership, OrganisationGroupObjectPermission, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture
def organisation(db):
    return OrganisationFactory(intercommunal=True)


@pytest.fixture
def admin(organisation):
    return MembershipFactory(organisation=organisation, role=Role.ADMIN).user


@pytest.fixture
def reader(organisation):
    return MembershipFactory(organisation=organisation, role=Role.VIEWER).user


def detail_url(organisation):
    return reverse("organisation_detail", kwargs={"organisation_pk": organisation.pk})


def invite(client, organisation, email="nouvelle@commune.fr", role=Role.COORDINATOR):
    return client.post(
        reverse("invite_member", kwargs={"organisation_pk": organisation.pk}), {"email": email, "role": role}
    )


def test_members_see_their_organisation_and_its_members(client, organisation, admin, reader):
    client.force_login(reader)
    response = client.get(detail_url(organisation))
    assert response.status_code == 200
    html = response.content.decode()
    assert organisation.name in html
    assert admin.email in html and reader.email in html
    assert "Inviter une personne" not in html  # a reader does not manage


def test_an_outsider_gets_404(client, organisation, outsider):
    client.force_login(outsider)
    assert client.get(detail_url(organisation)).status_code == 404


def test_a_reader_may_not_invite(client, organisation, reader):
    client.force_login(reader)
    assert invite(client, organisation).status_code == 403
    assert not Invitation.objects.exists()


def test_the_home_page_lists_my_organisations_and_roles(client, organisation, admin):
    other = OrganisationFactory(caf=True)
    MembershipFactory(user=admin, organisation=other, role=Role.CAF_ADVISER)
    client.force_login(admin)
    html = client.get(reverse("home")).content.decode()
    assert organisation.name in html and other.name in html
    assert "Conseiller·ère territorial·e Caf" in html
    assert "Administrateur·rice de l&#x27;organisation" in html


def test_membership_puts_the_user_in_the_groups_that_hold_the_rights(organisation, admin):
    assert set(admin.groups.values_list("name", flat=True)) == {
        f"org-{organisation.pk}",
        f"org-{organisation.pk}-admin",
    }
    assert admin.has_perm("territories.manage_organisation", organisation)
    # Rights are granted to groups through the direct foreign-key table, not the generic one.
    assert OrganisationGroupObjectPermission.objects.filter(content_object=organisation).count() == 2
    assert not GroupObjectPermission.objects.exists()


def test_changing_a_role_moves_the_user_between_groups(client, organisation, admin, reader):
    membership = Membership.objects.get(user=reader)
    client.force_login(admin)
    client.post(
        reverse("change_member_role", kwargs={"organisation_pk": organisation.pk, "membership_pk": membership.pk}),
        {"role": Role.ADMIN},
    )
    reader.refresh_from_db()
    assert reader.has_perm("territories.manage_organisation", organisation)
    client.post(
        reverse("change_member_role", kwargs={"organisation_pk": organisation.pk, "membership_pk": membership.pk}),
        {"role": Role.VIEWER},
    )
    reader = type(reader).objects.get(pk=reader.pk)  # a fresh permission cache
    assert not reader.has_perm("territories.manage_organisation", organisation)
    assert f"org-{organisation.pk}-admin" not in reader.groups.values_list("name", flat=True)


def test_a_removed_member_loses_access(client, organisation, admin, reader):
    membership = Membership.objects.get(user=reader)
    client.force_login(admin)
    response = client.post(
        reverse("remove_member", kwargs={"organisation_pk": organisation.pk, "membership_pk": membership.pk})
    )
    assert response.status_code == 302
    assert not Group.objects.get(name=f"org-{organisation.pk}").user_set.filter(pk=reader.pk).exists()
    client.force_login(reader)
    assert client.get(detail_url(organisation)).status_code == 404


def test_an_admin_cannot_remove_themselves(client, organisation, admin):
    membership = Membership.objects.get(user=admin)
    client.force_login(admin)
    client.post(reverse("remove_member", kwargs={"organisation_pk": organisation.pk, "membership_pk": membership.pk}))
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- Invitations ----------------------------------------------------------------------------


def sent_link(email: OutboundEmail) -> str:
    match = re.search(r"https?://[^/\s]+(/invitation/[^\s]+/)", email.body)
    assert match, email.body
    return match.group(1)


def test_an_admin_invites_and_the_invited_person_creates_an_account(
    client, organisation, admin, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = invite(client, organisation, email="Nouvelle@Commune.fr")
    assert response.status_code == 302
    assert len(callbacks) == 1  # the e-mail task is queued only after the commit

    email = OutboundEmail.objects.get()
    assert email.to == "nouvelle@commune.fr"
    assert organisation.name in email.subject
    assert "Chargé·e de coopération CTG" in email.body
    deliver_outbound_email(email.pk)
    assert mailoutbox[0].to == ["nouvelle@commune.fr"]
    link = sent_link(email)
    # Only a hash of the token is stored.
    assert link.split("/")[2] not in Invitation.objects.get().token_hash

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Créer mon compte" in page.content.decode()
    response = client.post(
        link,
        {
            "first_name": "Léa",
            "last_name": "Martin",
            "password1": "une-phrase-solide",
            "password2": "une-phrase-solide",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="nouvelle@commune.fr")
    assert membership.organisation == organisation
    assert membership.role == Role.COORDINATOR
    assert client.get(detail_url(organisation)).status_code == 200  # logged in, member

    # The link works once.
    client.logout()
    assert client.get(link).status_code == 410


def test_signup_errors_are_shown_and_nothing_is_saved(client, organisation, admin):
    invitation, token = Invitation.issue(
        organisation=organisation, email="x@commune.fr", role="viewer", invited_by=admin
    )
    link = reverse("accept_invitation", kwargs={"token": token})
    response = client.post(link, {"first_name": "A", "last_name": "B", "password1": "court", "password2": "autre"})
    assert response.status_code == 200
    assert "Les deux mots de passe ne sont pas identiques." in response.content.decode()
    assert not Membership.objects.filter(user__email="x@commune.fr").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_existing_account_logs_in_then_accepts(client, organisation, admin):
    person = UserFactory(email="deja@inscrite.fr")
    _, token = Invitation.issue(organisation=organisation, email="deja@inscrite.fr", role="partner", invited_by=admin)
    link = reverse("accept_invitation", kwargs={"token": token})
    response = client.get(link)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(person)
    assert "Accepter l'invitation" in client.get(link).content.decode()
    client.post(link)
    assert Membership.objects.get(user=person).role == Role.PARTNER


def test_an_invitation_is_refused_to_another_account(client, organisation, admin):
    _, token = Invitation.issue(organisation=organisation, email="a@commune.fr", role="admin", invited_by=admin)
    intruder = UserFactory(email="b@commune.fr")
    client.force_login(intruder)
    client.post(reverse("accept_invitation", kwargs={"token": token}))
    assert not Membership.objects.filter(user=intruder).exists()


def test_expired_revoked_and_unknown_links_are_refused(client, organisation, admin):
    expired, expired_token = Invitation.issue(
        organisation=organisation, email="e@c.fr", role="viewer", invited_by=admin
    )
    Invitation.objects.filter(pk=expired.pk).update(expires_at=expired.created_at)
    revoked, revoked_token = Invitation.issue(
        organisation=organisation, email="r@c.fr", role="viewer", invited_by=admin
    )
    client.force_login(admin)
    client.post(reverse("revoke_invitation", kwargs={"organisation_pk": organisation.pk, "invitation_pk": revoked.pk}))
    client.logout()
    for token in (expired_token, revoked_token, "inconnu"):
        response = client.get(reverse("accept_invitation", kwargs={"token": token}))
        assert response.status_code == 410
        assert "plus valable" in response.content.decode()


def test_inviting_a_member_again_is_refused_with_a_message(client, organisation, admin, reader):
    client.force_login(admin)
    response = invite(client, organisation, email=reader.email)
    assert response.status_code == 400
    assert "déjà membre" in response.content.decode()
    assert not Invitation.objects.exists()


def test_accepting_twice_at_once_makes_one_membership(organisation, admin):
    invitation, _ = Invitation.issue(organisation=organisation, email="z@c.fr", role="viewer", invited_by=admin)
    person = UserFactory(email="z@c.fr")
    services.accept_invitation(invitation, person)
    with pytest.raises(services.InvitationError):
        services.accept_invitation(invitation, person)
    assert Membership.objects.filter(user=person).count() == 1


def test_an_admin_cannot_change_their_own_role(client, organisation, admin):
    membership = Membership.objects.get(user=admin)
    client.force_login(admin)
    client.post(
        reverse("change_member_role", kwargs={"organisation_pk": organisation.pk, "membership_pk": membership.pk}),
        {"role": Role.VIEWER},
    )
    assert Membership.objects.get(pk=membership.pk).role == Role.ADMIN


def test_each_organisation_offers_the_roles_of_its_kind(client, db):
    caf = OrganisationFactory(caf=True)
    caf_admin = MembershipFactory(organisation=caf, role=Role.ADMIN).user
    client.force_login(caf_admin)
    page = client.get(reverse("organisation_detail", kwargs={"organisation_pk": caf.pk})).content.decode()
    assert "Conseiller·ère territorial·e Caf" in page and "Agent·e ou élu·e communal·e" not in page
    response = client.post(
        reverse("invite_member", kwargs={"organisation_pk": caf.pk}),
        {"email": "maire@exemple.fr", "role": Role.COMMUNE_OFFICER},
        follow=True,
    )
    assert not caf.invitations.exists()
    assert "Sélectionnez un choix valide" in response.content.decode()


@pytest.mark.parametrize(
    ("siret", "message"),
    [
        ("1234", "Un SIRET compte 14 chiffres."),
        ("20007108200016", "Un SIRET commence par le SIREN de l'organisation (216302406)."),
        ("21630240600018", "Ce SIRET n'est pas valide"),
    ],
)
def test_a_wrong_siret_is_refused_and_nothing_saved(client, db, siret, message):
    organisation = OrganisationFactory(kind="commune", name="Commune de Montpensier", siren="216302406")
    admin = MembershipFactory(organisation=organisation, role=Role.ADMIN).user
    client.force_login(admin)
    url = reverse("organisation_edit", kwargs={"organisation_pk": organisation.pk})
    response = client.post(url, {"siret": siret, "email": ""})
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    organisation.refresh_from_db()
    assert organisation.siret == ""


def test_the_admin_records_the_siret_its_members_read_it(client, db):
    organisation = OrganisationFactory(kind="commune", name="Commune de Montpensier", siren="216302406")
    admin = MembershipFactory(organisation=organisation, role=Role.ADMIN).user
    member = MembershipFactory(organisation=organisation, role=Role.COMMUNE_OFFICER).user
    client.force_login(admin)
    url = reverse("organisation_edit", kwargs={"organisation_pk": organisation.pk})
    # 216 302 406 00014: the SIREN, the establishment 00014, the Luhn key holds.
    assert client.post(url, {"siret": "216 302 406 00014", "email": "mairie@montpensier.fr"}).status_code == 302
    organisation.refresh_from_db()
    assert organisation.siret == "21630240600014"
    client.force_login(member)
    assert client.get(url).status_code == 403
    assert (
        "21630240600014"
        in client.get(reverse("organisation_detail", kwargs={"organisation_pk": organisation.pk})).content.decode()
    )
