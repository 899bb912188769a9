"""Who signs for a party: its executive or a delegate under an arrêté, each through the
account designated for them; nobody else, whatever their role in the organisation."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ctg.lib.models import OutboundEmail
from ctg.notifications import notifications_for
from governance import sealing, workflows
from governance.models import AuditEvent, Deliberation, Party, SignatureRequest
from governance.signatories import Signatory, missing_signatory
from territories.models import Commune, Role
from territories.services import organisation_for_commune
from tests.factories import ConventionFactory, MembershipFactory, adopted_decision, designate, scanned_page
from tests.helpers import last_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    """A commune's CTG whose deliberation is launched: the commune signs first, then the Caf."""
    return ConventionFactory(commune_code="63124", deliberating=True)


@pytest.fixture
def commune(convention):
    return convention.parties.get(organisation__commune=convention.commune)


def open_commune_signature(convention, commune):
    deliberation = Deliberation.objects.get(convention=convention, party=commune)
    workflows.record_deliberation(deliberation, adopted_decision(commune), by=convention.adviser)
    return SignatureRequest.objects.get(convention=convention, party=commune)


def signatory_url(convention, party):
    return reverse("party_signatory", kwargs={"convention_pk": convention.pk, "party_pk": party.pk})


def designation(account, **overrides):
    return {
        "delegate_name": "Mme Nathalie Roux",
        "delegate_title": "Première adjointe",
        "delegation_order": "2020-07",
        "delegation_date": "2020-06-04",
        "delegate_account": account.pk,
        **overrides,
    }


def test_a_delegate_signs_in_the_maire_s_stead_and_the_evidence_says_under_which_arrete(client, convention, commune):
    adjointe = MembershipFactory(organisation=commune.organisation, role=Role.COMMUNE_OFFICER).user
    client.force_login(convention.adviser)
    response = client.post(signatory_url(convention, commune), designation(adjointe))
    assert response.status_code == 302
    request = open_commune_signature(convention, commune)
    # The link goes to the delegate's account.
    assert OutboundEmail.objects.filter(to=adjointe.email, subject__startswith="Signature attendue").exists()

    client.force_login(adjointe)
    link = reverse("signature_sign", kwargs={"token": workflows.reissue_link(request)})
    page = client.get(link).content.decode()
    assert "vous signez en qualité de première adjointe" in page
    assert "pour le Maire et par délégation, arrêté n° 2020-07 du 04/06/2020" in page
    workflows.send_code(request, adjointe)
    client.post(link, {"action": "sign", "code": last_code(adjointe)})
    request.refresh_from_db()
    assert request.status == "signed"
    assert (request.signer_name, request.signer_quality, request.signer_delegation) == (
        "Mme Nathalie Roux",
        "Première adjointe",
        "pour le Maire et par délégation, arrêté n° 2020-07 du 04/06/2020",
    )
    # The Caf signs on paper; the sealed original names who signed, as what, under which arrêté.
    caf = SignatureRequest.objects.get(convention=convention, party__organisation=convention.caf)
    workflows.record_paper_signature(
        caf,
        signatory=Signatory("M. Paul Leroy", "Le Directeur"),
        signed_on=timezone.localdate(),
        scan=SimpleUploadedFile("scan.pdf", scanned_page()),
        by=convention.adviser,
    )
    version = sealing.seal(request.version)
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(version.signed_pdf.open("rb").read())).pages[-3:]
    )
    text = " ".join(text.replace("-\n", "").split())
    assert "Mme Nathalie Roux, première adjointe" in text
    assert "Pour le Maire et par délégation, arrêté n° 2020-07 du 04/06/2020" in text
    assert "M. Paul Leroy, le Directeur" in text


def test_a_member_who_is_neither_executive_nor_delegate_is_refused_with_403(client, convention, commune):
    maire = MembershipFactory(organisation=commune.organisation, role=Role.COMMUNE_OFFICER).user
    designate(commune, maire)
    request = open_commune_signature(convention, commune)
    link = reverse("signature_sign", kwargs={"token": workflows.reissue_link(request)})
    for role in (Role.ADMIN, Role.COMMUNE_OFFICER, Role.COORDINATOR):
        member = MembershipFactory(organisation=commune.organisation, role=role).user
        client.force_login(member)
        assert client.get(link).status_code == 403
        assert client.post(link, {"action": "send_code"}).status_code == 403
        assert not OutboundEmail.objects.filter(to=member.email).exists()
    request.refresh_from_db()
    assert request.status == "open"


def test_a_delegate_account_without_its_arrete_does_not_sign(convention, commune):
    """An account named as delegate signs only once the arrêté (number and date) is recorded."""
    adjointe = MembershipFactory(organisation=commune.organisation, role=Role.COMMUNE_OFFICER).user
    Party.objects.filter(pk=commune.pk).update(delegate_account=adjointe, delegate_name="Mme Roux")
    request = open_commune_signature(convention, commune)
    workflows.send_code(request, adjointe)
    with pytest.raises(workflows.WorkflowError, match="n'est pas désigné"):
        workflows.sign(request, adjointe, last_code(adjointe))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"delegation_order": ""}, "delegation_order", "Indiquez le numéro de l'arrêté de délégation"),
        ({"delegation_date": ""}, "delegation_date", "Indiquez la date de l'arrêté de délégation"),
        ({"delegate_title": ""}, "delegate_title", "Indiquez la qualité du ou de la délégataire"),
        (
            {"delegation_date": (timezone.localdate() + timedelta(days=3)).isoformat()},
            "delegation_date",
            "ne peut pas être daté du futur",
        ),
    ],
)
def test_a_delegation_without_its_arrete_is_refused(client, convention, commune, overrides, field, message):
    adjointe = MembershipFactory(organisation=commune.organisation, role=Role.COMMUNE_OFFICER).user
    client.force_login(convention.adviser)
    response = client.post(signatory_url(convention, commune), designation(adjointe, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    commune.refresh_from_db()
    assert commune.delegate_account_id is None and commune.delegate_name == ""


def test_only_members_of_the_party_can_be_designated(client, convention, commune):
    stranger = MembershipFactory(organisation=convention.caf, role=Role.CAF_ADVISER).user
    client.force_login(convention.adviser)
    response = client.post(signatory_url(convention, commune), {"executive_account": stranger.pk})
    assert response.status_code == 400
    commune.refresh_from_db()
    assert commune.executive_account_id is None


def test_the_party_s_admin_designates_its_signatories_a_plain_member_may_not(client, convention, commune):
    admin = MembershipFactory(organisation=commune.organisation, role=Role.ADMIN).user
    officer = MembershipFactory(organisation=commune.organisation, role=Role.COMMUNE_OFFICER).user
    outsider = MembershipFactory(
        organisation=organisation_for_commune(Commune.objects.get(code="63113")), role=Role.ADMIN
    ).user
    url = signatory_url(convention, commune)
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(officer)
    assert client.get(url).status_code == 403
    client.force_login(admin)
    assert client.get(url).status_code == 200
    # Frozen: the executive's name and quality are the text's, the account is still chosen.
    assert client.post(url, {"executive_account": officer.pk}).status_code == 302
    commune.refresh_from_db()
    assert commune.executive_account == officer
    assert AuditEvent.objects.filter(convention=convention, kind="signatories_designated", actor=admin).exists()


def test_an_open_signature_without_signatory_asks_the_admins_then_reaches_the_account_designated(convention, commune):
    admin = MembershipFactory(organisation=commune.organisation, role=Role.ADMIN).user
    request = open_commune_signature(convention, commune)
    email = OutboundEmail.objects.get(to=admin.email, subject__startswith="Signature attendue")
    assert "Aucun compte n'est encore désigné" in email.body
    assert f"/parties/{commune.pk}/signataire/" in email.body
    assert [n.text for n in notifications_for(admin) if n.kind == "signature"] == [
        f"Désignez qui signe pour {commune.organisation.name} : {convention.title}"
    ]
    assert "le compte de son exécutif ou d'un délégataire" in missing_signatory(commune)

    maire = MembershipFactory(organisation=commune.organisation, role=Role.COMMUNE_OFFICER).user
    designate(commune, maire)
    email = OutboundEmail.objects.filter(to=maire.email, subject__startswith="Signature attendue").get()
    assert "/signature/" in email.body
    assert [n.text for n in notifications_for(maire) if n.kind == "signature"] == [
        f"Signature attendue pour {commune.organisation.name} : {convention.title}"
    ]
    request.refresh_from_db()
    assert request.status == "open"


def test_once_signed_the_signatories_stay_those_of_the_signature(client, convention, commune):
    maire = MembershipFactory(organisation=commune.organisation, role=Role.COMMUNE_OFFICER).user
    designate(commune, maire)
    request = open_commune_signature(convention, commune)
    workflows.send_code(request, maire)
    workflows.sign(request, maire, last_code(maire))
    other = MembershipFactory(organisation=commune.organisation, role=Role.COMMUNE_OFFICER).user
    client.force_login(convention.adviser)
    response = client.post(signatory_url(convention, commune), {"executive_account": other.pk}, follow=True)
    assert "a déjà signé" in response.content.decode()
    commune.refresh_from_db()
    assert commune.executive_account == maire


def test_a_paper_signature_records_the_quality_and_refuses_an_unreadable_scan(client, convention, commune):
    request = open_commune_signature(convention, commune)
    url = reverse("signature_paper", kwargs={"convention_pk": convention.pk, "request_pk": request.pk})
    client.force_login(convention.adviser)
    form = client.get(url).content.decode()
    assert 'value="Le Maire"' in form  # the executive's quality, proposed
    post = {
        "signer_name": "Mme Nathalie Roux",
        "signer_quality": "Première adjointe",
        "signer_delegation": "pour le Maire et par délégation, arrêté n° 2020-07 du 04/06/2020",
        "signed_on": timezone.localdate().isoformat(),
    }
    damaged = client.post(url, {**post, "scan": SimpleUploadedFile("s.pdf", b"%PDF-1.4 nothing else")})
    assert damaged.status_code == 400 and "Le scan est endommagé" in damaged.content.decode()
    request.refresh_from_db()
    assert request.status == "open"
    assert client.post(url, {**post, "scan": SimpleUploadedFile("s.pdf", scanned_page())}).status_code == 302
    request.refresh_from_db()
    assert (request.signer_name, request.signer_quality, request.method) == (
        "Mme Nathalie Roux",
        "Première adjointe",
        "paper",
    )
    assert request.signer_delegation.startswith("pour le Maire et par délégation")
