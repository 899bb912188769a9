import csv
import io
import re

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.urls import reverse
from pypdf import PdfReader

from ctg.celery import app as celery_app
from ctg.models import Convention, OutboundEmail
from demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from demo.conventions import MONTPENSIER_ACT
from governance import documents, sealing
from governance.generation import document_snapshot, ensure_version_pdf
from territories.models import Membership, User
from tests.documents import scdl_report
from tests.factories import UserFactory


@pytest.fixture(scope="module")
def demo_loaded(national_geography, django_db_blocker):
    """The demo as `make demo` loads it: outside any test transaction, on PostgreSQL, each
    step committing as it would for a user; run twice, since it must be idempotent."""
    output = io.StringIO()
    with django_db_blocker.unblock():
        call_command("load_demo", stdout=output)
        call_command("load_demo", stdout=output)
    yield output.getvalue()
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
    celery_app.control.purge()  # the jobs its commits queued, for a worker that never came


def test_load_demo_is_idempotent_and_every_account_sees_its_organisations(client, db, demo_loaded):
    output = demo_loaded
    assert DEMO_PASSWORD in output
    assert Membership.objects.filter(user__email__endswith="@demo.example").count() == len(DEMO_ACCOUNTS)

    for account in DEMO_ACCOUNTS:
        assert client.login(request=HttpRequest(), username=account.email, password=DEMO_PASSWORD), account.email
        html = client.get(reverse("home")).content.decode()
        organisation = Membership.objects.get(user__email=account.email).organisation
        assert organisation.name.replace("'", "&#x27;") in html
        assert account.role.label.replace("'", "&#x27;") in html
        client.logout()
    assert User.objects.get(email="staff@demo.example").is_staff


VISIBLE = {
    "conseillere.caf63@demo.example": {"Plaine Limagne", "Cournon"},
    "coordinatrice.plainelimagne@demo.example": {"Plaine Limagne"},
    "mairie.montpensier@demo.example": {"Plaine Limagne"},
    "partenaire.msa@demo.example": {"Plaine Limagne"},
    "lecteur.cd63@demo.example": {"Plaine Limagne"},
    "conseiller.caf03@demo.example": {"Montluçon"},
    "coordinateur.montlucon@demo.example": {"Montluçon"},
    "conseillere.caf31@demo.example": {"L'Union"},
    "mairie.lunion@demo.example": {"L'Union"},
    "mairie.cournon@demo.example": {"Cournon"},
}


def test_the_demo_holds_the_four_seed_ctgs_and_each_account_sees_its_own(client, db, demo_loaded):
    conventions = Convention.objects.all()
    assert conventions.count() == 5  # the four seeds, and the CTG that follows the commune's
    plaine_limagne = conventions.get(epci__name="CC Plaine Limagne")
    assert plaine_limagne.parties.filter(organisation__kind="commune").count() == 25
    assert plaine_limagne.axes.count() == 5
    assert set(plaine_limagne.axes.values_list("title", flat=True)) >= {"La famille", "Les gens du voyage"}
    assert conventions.get(epci__name="CA Montluçon Communauté").period_label == "2021-2025"
    assert conventions.get(commune__name="L'Union").axes.count() == 8  # its 8 enjeux
    # Montluçon Communauté went through the whole workflow: sealed, with its audit trail.
    montlucon = conventions.get(epci__name="CA Montluçon Communauté")
    version = montlucon.versions.get()
    assert version.signed_sha256 and sealing.verify(version.signed_pdf.open("rb").read()).ok
    assert montlucon.deliberations.get().act_id == "003-200071082-20220630-D2022_045-DE"
    assert montlucon.signature_requests.filter(status="signed").count() == 2
    assert {"freeze", "deliberation_recorded", "signature", "seal"} <= set(
        montlucon.audit_events.values_list("kind", flat=True)
    )
    for email, expected in VISIBLE.items():
        client.logout()
        assert client.login(request=HttpRequest(), username=email, password=DEMO_PASSWORD)
        html = client.get(reverse("convention_list")).content.decode().replace("&#x27;", "'")
        seen = {word for word in ("Plaine Limagne", "Cournon", "Montluçon", "L'Union") if word in html}
        assert seen == expected, email


def test_the_demo_mailbox_shows_each_account_its_own_emails_and_nobody_else_s(client, db, settings):
    signatory, other = UserFactory(), UserFactory()
    OutboundEmail.objects.create(to=signatory.email, subject="Votre code de signature", body="Code : 123456")
    OutboundEmail.objects.create(to="maire@commune.fr", subject="Invitation", body="Lien : /invitation/secret/")
    settings.DEMO_MAILBOX = True
    url = reverse("demo_mailbox")
    assert client.get(url).status_code == 302  # never public: codes, reset links, invitations
    client.force_login(other)
    html = client.get(url).content.decode()
    assert "123456" not in html and "secret" not in html
    client.force_login(signatory)
    html = client.get(url).content.decode()
    assert "123456" in html and "secret" not in html
    client.force_login(UserFactory(is_staff=True))
    html = client.get(url).content.decode()
    assert "123456" in html and "secret" in html
    settings.DEMO_MAILBOX = False
    assert client.get(url).status_code == 404


def test_the_demo_s_montpensier_act_carries_what_its_real_act_carries(db, demo_loaded):
    """Séance of 26 September 2024, act 063-216302406-20240926-DCM20240926_4-DE, sent and
    received on 2 October 2024, not yet published: the extract and every page of the annexed
    convention carry the @ctes stamp, as the commune's real act does."""
    plaine_limagne = Convention.objects.get(epci__name="CC Plaine Limagne")
    deliberation = plaine_limagne.deliberations.get(party__organisation__commune__code="63240")
    assert deliberation.act_id == MONTPENSIER_ACT and deliberation.outcome == "adopted"
    snapshot, version = document_snapshot(plaine_limagne)
    index = next(i for i, p in enumerate(snapshot["parties"]) if p["details"]["party_id"] == deliberation.party_id)
    with ensure_version_pdf(version).pdf.open("rb") as annex:
        pdf = documents.render_deliberation_pdf(snapshot, index, annex.read())
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]
    for number, page in enumerate(pages, start=1):
        assert f"ID : {MONTPENSIER_ACT}" in page, number
        assert "Envoyé en préfecture le 02/10/2024 · Reçu en préfecture le 02/10/2024 · Publié le" in page, number
    extract = " ".join(pages[:2])
    for mention in (
        "République française — Département du Puy-de-Dôme",
        "La commune de Montpensier — SIREN 216302406",
        "Délibération n° DCM20240926_4",
        "Séance du 26 septembre 2024 à 20 h 00",
        "Le quorum étant atteint (9 présents sur 11 membres en exercice)",
        "Pouvoirs : Mme Marie Durand a donné pouvoir à M. Jean Dupont",
        "Article 1er — Approuve la convention territoriale globale de la Communauté de communes Plaine Limagne",
        "Votes : pour 10, contre 0, abstentions 0",
    ):
        assert mention in extract, mention
    # Not yet published: not yet exécutoire, and the commune's signature waits for it.
    assert "exécutoire" not in extract
    request = plaine_limagne.signature_requests.get(party=deliberation.party)
    assert request.status == "waiting"


def test_the_demo_s_open_data_export_validates_against_the_scdl_schema(client, db, demo_loaded):
    """Every demo convention with adopted deliberations exports them in the SCDL format, and
    the file passes the schema's own validator (frictionless, the schema kept in the repo)."""
    exported = 0
    for convention in Convention.objects.filter(deliberations__outcome="adopted").distinct():
        member = Membership.objects.filter(organisation=convention.caf).select_related("user").first().user
        client.force_login(member)
        content = client.get(reverse("deliberation_export", kwargs={"convention_pk": convention.pk})).content
        report = scdl_report(content)
        assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])
        rows = list(csv.DictReader(io.StringIO(content.decode()), delimiter=";"))
        assert len(rows) == convention.deliberations.filter(outcome="adopted").count()
        for row in rows:
            assert row["PREF_ID"] in {"PREF003", "PREF063"} and len(row["COLL_SIRET"]) == 14
            assert row["DELIB_OBJET"].startswith("Approbation de la Convention territoriale globale")
        exported += len(rows)
    assert exported >= 3
