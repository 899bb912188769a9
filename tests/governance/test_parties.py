"""Who becomes a party, and with whose consent: the CAF and the territory's councils are
parties by nature; any other organisation with people on the platform is invited, and joins
only when its admin accepts (until then its members neither see the convention nor hear of it)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ctg.lib.models import OutboundEmail
from ctg.models import Convention
from ctg.notifications import notifications_for
from demo.conventions import DEMO_DOCUMENTS
from governance.models import PartyInvitation
from territories.models import Departement, Organisation, Role
from tests.factories import OrganisationFactory, make_convention
from tests.helpers import MONTLUCON, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def caf():
    return Organisation.objects.cafs().get(name="Caf de l'Allier")


@pytest.fixture
def adviser(caf):
    return member_of(caf, Role.CAF_ADVISER)


@pytest.fixture
def convention(caf):
    convention = make_convention(caf=caf, epci_siren=MONTLUCON)
    Convention.objects.filter(pk=convention.pk).update(title="Mise à jour urgente de vos identifiants")
    convention.refresh_from_db()
    return convention


def partner_in(departement_code, kind="msa", name="MSA Auvergne"):
    partner = OrganisationFactory(kind=kind, name=name)
    partner.departements.set(Departement.objects.filter(code=departement_code))
    return partner


def test_a_partner_with_people_joins_only_once_its_admin_accepts(client, convention, adviser):
    msa = partner_in("03")
    admin, staff = member_of(msa, Role.ADMIN), member_of(msa, Role.PARTNER)
    client.force_login(adviser)
    response = client.post(
        reverse("party_add", kwargs={"convention_pk": convention.pk}), {"organisation": msa.pk}, follow=True
    )
    assert "MSA Auvergne est invitée" in response.content.decode()
    assert not convention.parties.filter(organisation=msa).exists()
    invitation = PartyInvitation.objects.get(convention=convention, organisation=msa)
    assert "MSA Auvergne" in client.get(reverse("party_list", kwargs={"convention_pk": convention.pk})).content.decode()
    # Before it accepts, its people neither see the convention nor hear of it (but its admin).
    client.force_login(staff)
    assert client.get(convention.get_absolute_url()).status_code == 404
    assert convention.title not in client.get(reverse("convention_list")).content.decode()
    assert OutboundEmail.objects.filter(to=staff.email).count() == 0
    assert [n.kind for n in notifications_for(staff)] == []
    url = reverse("party_invitation", kwargs={"party_invitation_pk": invitation.pk})
    assert client.get(url).status_code == 404  # only its admin answers
    assert client.post(url, {"answer": "accept"}).status_code == 404
    client.force_login(adviser)
    assert client.get(url).status_code == 404  # not the inviter either
    assert OutboundEmail.objects.filter(to=admin.email, subject__contains=convention.title).count() == 1
    assert [n.url for n in notifications_for(admin) if n.kind == "invitation"] == [url]

    client.force_login(admin)
    assert convention.title in client.get(url).content.decode()
    response = client.post(url, {"answer": "accept"})
    assert response["Location"] == convention.get_absolute_url()
    party = convention.parties.get(organisation=msa)
    assert (party.signing_group, party.needs_deliberation) == (2, False)
    client.force_login(staff)
    assert client.get(convention.get_absolute_url()).status_code == 200
    assert OutboundEmail.objects.filter(to=adviser.email, subject__startswith="MSA Auvergne accepte").count() == 1
    # Answered once: a second answer changes nothing.
    client.force_login(admin)
    client.post(url, {"answer": "decline"})
    assert convention.parties.filter(organisation=msa).exists()


def test_the_adviser_is_told_when_nobody_can_answer_yet(client, convention, adviser):
    msa = partner_in("03")
    member_of(msa, Role.PARTNER)
    client.force_login(adviser)
    response = client.post(
        reverse("party_add", kwargs={"convention_pk": convention.pk}), {"organisation": msa.pk}, follow=True
    )
    assert "n&#x27;a pas encore d&#x27;administrateur·rice sur la plateforme" in response.content.decode()
    assert PartyInvitation.objects.pending().filter(organisation=msa).exists()


def test_a_declined_or_withdrawn_invitation_makes_no_party(client, convention, adviser):
    cd03 = partner_in("03", kind="departement", name="Conseil départemental de l'Allier")
    admin = member_of(cd03, Role.ADMIN)
    client.force_login(adviser)
    client.post(reverse("party_add", kwargs={"convention_pk": convention.pk}), {"organisation": cd03.pk})
    invitation = PartyInvitation.objects.get(organisation=cd03)
    client.force_login(admin)
    client.post(reverse("party_invitation", kwargs={"party_invitation_pk": invitation.pk}), {"answer": "decline"})
    assert not convention.parties.filter(organisation=cd03).exists()
    assert OutboundEmail.objects.filter(to=adviser.email, subject__contains="refuse").exists()

    client.force_login(adviser)
    client.post(reverse("party_add", kwargs={"convention_pk": convention.pk}), {"organisation": cd03.pk})
    again = PartyInvitation.objects.pending().get(organisation=cd03)
    client.post(
        reverse("party_invitation_withdraw", kwargs={"convention_pk": convention.pk, "party_invitation_pk": again.pk})
    )
    client.force_login(admin)
    response = client.post(
        reverse("party_invitation", kwargs={"party_invitation_pk": again.pk}), {"answer": "accept"}, follow=True
    )
    assert "déjà reçu une réponse ou a été retirée" in response.content.decode()
    assert not convention.parties.filter(organisation=cd03).exists()


def test_another_caf_or_a_foreign_msa_is_never_attached_by_name(client, convention, adviser):
    """« Nouvelle organisation » creates one: it never reuses an organisation of another
    territory that bears the name, and organisations of other départements are not offered."""
    foreign_msa = partner_in("63")
    foreign_caf = Organisation.objects.cafs().get(name="Caf du Puy-de-Dôme")
    people = [member_of(foreign_msa, Role.ADMIN), member_of(foreign_caf, Role.CAF_ADVISER)]
    client.force_login(adviser)
    url = reverse("party_add", kwargs={"convention_pk": convention.pk})
    client.post(url, {"kind": "msa", "name": "MSA Auvergne"})
    client.post(url, {"kind": "partner", "name": "Caf du Puy-de-Dôme"})
    response = client.post(url, {"organisation": foreign_caf.pk}, follow=True)
    assert "Sélectionnez un choix valide" in response.content.decode()
    names = set(convention.parties.values_list("organisation__name", flat=True))
    assert {"MSA Auvergne", "Caf du Puy-de-Dôme"} <= names
    assert not convention.parties.filter(organisation__in=[foreign_msa, foreign_caf]).exists()
    assert not PartyInvitation.objects.exists()
    for person in people:
        assert not Convention.objects.for_user(person).filter(pk=convention.pk).exists()


def test_a_new_organisation_named_like_a_local_one_is_sent_to_the_list(client, convention, adviser):
    local = partner_in("03")
    member_of(local, Role.ADMIN)
    client.force_login(adviser)
    response = client.post(
        reverse("party_add", kwargs={"convention_pk": convention.pk}),
        {"kind": "msa", "name": "msa auvergne"},
        follow=True,
    )
    assert "MSA Auvergne existe déjà sur la plateforme : choisissez-la dans la liste" in response.content.decode()
    assert Organisation.objects.filter(name__iexact="msa auvergne").count() == 1


def test_a_deactivated_organisation_cannot_be_invited(client, convention, adviser):
    msa = partner_in("03")
    Organisation.objects.filter(pk=msa.pk).update(is_active=False)
    client.force_login(adviser)
    response = client.post(
        reverse("party_add", kwargs={"convention_pk": convention.pk}), {"organisation": msa.pk}, follow=True
    )
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not PartyInvitation.objects.exists() and not convention.parties.filter(organisation=msa).exists()


PLAINE_LIMAGNE = next(path for path in DEMO_DOCUMENTS if "plaine-limagne" in path.name)


def import_upload(client, document):
    upload = SimpleUploadedFile("ctg.json", json.dumps(document).encode(), content_type="application/json")
    return client.post(reverse("convention_import_json"), {"document": upload}, follow=True)


def test_the_web_import_invites_partners_with_people_and_refuses_foreign_parties(client):
    caf63 = Organisation.objects.cafs().get(name="Caf du Puy-de-Dôme")
    adviser = member_of(caf63, Role.CAF_ADVISER)
    msa = partner_in("63")
    admin = member_of(msa, Role.ADMIN)
    document = json.loads(PLAINE_LIMAGNE.read_text())
    client.force_login(adviser)
    response = import_upload(client, document)
    convention = Convention.objects.get()
    assert "en attente de leur accord : MSA Auvergne" in response.content.decode()
    assert not convention.parties.filter(organisation=msa).exists()
    invitation = PartyInvitation.objects.pending().get(organisation=msa)
    assert invitation.party_fields["signing_group"] == 2
    # The département has nobody on the platform: it is simply a party.
    assert convention.parties.filter(organisation__name="Conseil départemental du Puy-de-Dôme").exists()
    assert [n.kind for n in notifications_for(admin)] == ["invitation"]

    foreign = json.loads(PLAINE_LIMAGNE.read_text())
    foreign["title"] = "Autre"
    other_caf = Organisation.objects.cafs().get(name="Caf de l'Allier")
    foreign["parties"] += [
        {"organisation": {"kind": "commune", "name": "Commune de Vichy", "siren": None, "insee": "03310"}},
        {"organisation": {"kind": "caf", "name": other_caf.name, "siren": None}},
        {"organisation": {"kind": "msa", "name": "MSA Alpes du Nord", "siren": "123456789"}},
    ]
    partner_in("73", name="MSA Alpes du Nord").__class__.objects.filter(name="MSA Alpes du Nord").update(
        siren="123456789"
    )
    response = import_upload(client, foreign)
    html = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 400
    assert "Vichy (03310) n'est pas dans le territoire de la convention" in html
    assert "Caf de l'Allier intervient hors du territoire de la convention (département(s) 03)" in html
    assert "MSA Alpes du Nord intervient hors du territoire de la convention (département(s) 73)" in html
    assert Convention.objects.count() == 1
