"""Renewal of a convention that ends, and the public page of a signed one."""

import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from actions.models import ActionSheet
from ctg.lifecycle import Status
from ctg.models import Convention
from demo.conventions import DEMO_DOCUMENTS
from governance import exchange, sealing, workflows
from territories.models import Role
from tests.factories import MembershipFactory, adopted_decision, sign_on_paper


@pytest.fixture
def montlucon(db):
    path = next(p for p in DEMO_DOCUMENTS if "montlucon" in p.name)
    convention = exchange.import_convention(path.read_bytes())
    Convention.objects.filter(pk=convention.pk).update(is_published=True, end_date=timezone.localdate().replace(day=1))
    convention.refresh_from_db()
    return convention


@pytest.fixture
def adviser(montlucon):
    return MembershipFactory(organisation=montlucon.caf, role=Role.CAF_ADVISER).user


def freeze_and_deliberate(convention, adviser):
    """A convention in review frozen, its deliberations launched and all adopted."""
    convention.transition(Status.REVIEW)
    version = workflows.freeze(convention, by=adviser)
    workflows.launch_deliberations(convention, by=adviser)
    for deliberation in convention.deliberations.select_related("party__organisation"):
        workflows.record_deliberation(deliberation, adopted_decision(deliberation.party), by=adviser)
    return version


def sign_and_seal(convention, adviser):
    version = freeze_and_deliberate(convention, adviser)
    sign_on_paper(convention, adviser)
    return sealing.seal(version)


def test_a_published_signed_convention_has_a_public_page_and_a_qr_code(client, montlucon, adviser):
    url = reverse("public_convention", kwargs={"convention_pk": montlucon.pk})
    assert client.get(url).status_code == 404  # not signed yet
    version = sign_and_seal(montlucon, adviser)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(version.pdf.open("rb").read())).pages[:1])
    assert f"/ctg/{montlucon.pk}/" in text  # the QR code's address, printed under it on the cover
    response = client.get(url)  # no login
    assert response.status_code == 200
    html = response.content.decode()
    assert "Caf de l&#x27;Allier" in html and "Pérenniser une offre de territoire adaptée" in html
    assert "Créer un guichet unique mobile" in html
    pdf = client.get(reverse("public_convention_pdf", kwargs={"convention_pk": montlucon.pk}))
    assert sealing.verify(b"".join(pdf.streaming_content)).ok
    Convention.objects.filter(pk=montlucon.pk).update(is_published=False)
    assert client.get(url).status_code == 404


def test_the_public_page_shows_the_signed_text_not_the_avenant_being_drafted(client, montlucon, adviser):
    version = sign_and_seal(montlucon, adviser)
    workflows.start_amendment(montlucon, by=adviser)
    Convention.objects.filter(pk=montlucon.pk).update(
        title="BROUILLON CONFIDENTIEL", summary="Note interne : ne pas diffuser"
    )
    sheet = montlucon.sheets.get(title="Créer un guichet unique mobile")
    ActionSheet.objects.filter(pk=sheet.pk).update(title="Fiche en cours de réécriture")
    montlucon.axes.filter(position=1).update(title="Axe retravaillé en secret")
    response = client.get(reverse("public_convention", kwargs={"convention_pk": montlucon.pk}))
    html = response.content.decode()
    assert response.status_code == 200
    for draft in ("BROUILLON", "ne pas diffuser", "réécriture", "retravaillé"):
        assert draft not in html
    assert version.snapshot["title"] in html.replace("&#x27;", "'")
    assert "Créer un guichet unique mobile" in html and "Pérenniser une offre de territoire adaptée" in html
    for party in version.snapshot["parties"]:
        assert party["organisation"]["name"].replace("'", "&#x27;") in html
    pdf = client.get(reverse("public_convention_pdf", kwargs={"convention_pk": montlucon.pk}))
    assert b"".join(pdf.streaming_content) == version.public_pdf.open("rb").read()


def test_the_next_ctg_is_prepared_from_the_one_that_ends(client, montlucon, adviser):
    sign_and_seal(montlucon, adviser)
    continued = list(montlucon.sheets.filter(status__in=["a_lancer", "en_cours"]).values_list("pk", flat=True))[:3]
    client.force_login(adviser)
    response = client.post(
        reverse("convention_renew", kwargs={"convention_pk": montlucon.pk}),
        {"sheets": continued, "evaluation": "Le comité de pilotage a salué la dynamique du réseau petite enfance."},
    )
    following = Convention.objects.get(previous=montlucon)
    assert response["Location"] == following.get_absolute_url()
    assert following.status == Status.DRAFT
    assert following.start_date == date.fromordinal(montlucon.end_date.toordinal() + 1)
    assert set(following.parties.values_list("organisation_id", flat=True)) == set(
        montlucon.parties.values_list("organisation_id", flat=True)
    )
    assert "dynamique du réseau petite enfance" in following.diagnostic.previous_evaluation
    assert "Bilan du plan d'actions 2021-" in following.diagnostic.previous_evaluation
    assert following.findings.count() == montlucon.findings.count()
    copies = ActionSheet.objects.filter(convention=following)
    assert sorted(copies.values_list("previous_id", flat=True)) == sorted(continued)
    # Asked twice, the same draft comes back.
    client.post(reverse("convention_renew", kwargs={"convention_pk": montlucon.pk}), {"sheets": continued})
    assert Convention.objects.filter(previous=montlucon).count() == 1


def test_a_convention_far_from_its_end_is_not_renewed(client, montlucon, adviser):
    Convention.objects.filter(pk=montlucon.pk).update(end_date=date(2035, 12, 31), status=Status.IN_FORCE)
    client.force_login(adviser)
    assert client.get(reverse("convention_renew", kwargs={"convention_pk": montlucon.pk})).status_code == 403
