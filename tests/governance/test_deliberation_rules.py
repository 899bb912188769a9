"""A séance's record follows the CGCT: each rule refuses what breaks it with its French
message and saves nothing; transmission and publication are completed after adoption; a
party's signature opens only once its act is exécutoire."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ctg.lifecycle import Status
from governance import workflows
from governance.deliberations import act_number, record_errors
from governance.models import AuditEvent, ConventionVersion, Deliberation, SignatureRequest
from governance.signatories import Signatory
from territories.models import Role
from tests.factories import REJECTION, MembershipFactory, adopted_decision, scanned_page
from tests.helpers import seed_convention

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def cournon():
    convention = seed_convention("commune-2023-2026")
    convention.transition(Status.REVIEW)
    return convention


@pytest.fixture
def adviser(cournon):
    return MembershipFactory(organisation=cournon.caf, role=Role.CAF_ADVISER).user


@pytest.fixture
def deliberation(cournon, adviser):
    workflows.freeze(cournon, by=adviser)
    workflows.launch_deliberations(cournon, by=adviser)
    return Deliberation.objects.select_related("party__organisation", "version").get(convention=cournon)


def minus(days):
    return TODAY - timedelta(days=days)


# (what changes in a lawful record, the field refused, the start of its message)
CASES = {
    "quorum": (
        {"present": 16, "represented": 0, "voting": 16, "votes_for": 14},
        "present",
        "Quorum non atteint : 16 présents sur 33, il en faut 17",
    ),
    "proxies-above-present": (
        {"present": 10, "represented": 12, "second_convocation": True, "voting": 22, "votes_for": 20},
        "represented",
        "Un membre présent ne détient qu'un pouvoir (L2121-20)",
    ),
    "proxies-unlisted": ({"proxies": ""}, "proxies", "2 représenté(s) : écrivez un pouvoir par ligne"),
    "above-in-office": (
        {"present": 30, "represented": 5, "voting": 35, "votes_for": 33},
        "represented",
        "Présents et représentés dépassent",
    ),
    "one-proxy-each": (
        {"proxies": "Mme A a donné pouvoir à M. B\nM. C a donné pouvoir à M. B"},
        "proxies",
        "Un membre ne peut détenir qu'un seul pouvoir",
    ),
    "proxy-wording": (
        {"proxies": "Mme A -> M. B\nM. C a donné pouvoir à Mme D"},
        "proxies",
        "« Mme A -> M. B » : écrivez",
    ),
    "totals": ({"votes_for": 29}, "votes_for", "Pour, contre et abstentions font 31, pas 32 votants"),
    "voting-above": ({"voting": 33, "votes_for": 31}, "voting", "Les votants ne peuvent dépasser"),
    "rejected-with-majority-for": (
        {
            "outcome": "rejected",
            "act_id": "",
            "sent_to_prefecture": None,
            "received_by_prefecture": None,
            "published_on": None,
        },
        "outcome",
        "Avec 30 pour et 0 contre, la convention est adoptée, pas rejetée",
    ),
    "adopted-with-majority-against": ({"votes_for": 10, "votes_against": 20}, "outcome", "Avec 10 pour et 20 contre"),
    "tie-without-casting-vote": ({"votes_for": 15, "votes_against": 15}, "casting_vote", "Partage des voix"),
    "receipt-before-sending": (
        {"sent_to_prefecture": TODAY, "received_by_prefecture": minus(1)},
        "received_by_prefecture",
        "L'accusé de réception ne peut précéder",
    ),
    "receipt-without-sending": (
        {"sent_to_prefecture": None},
        "received_by_prefecture",
        "Indiquez d'abord la date d'envoi",
    ),
    "transmission-before-seance": (
        {"session_date": TODAY, "sent_to_prefecture": minus(1), "received_by_prefecture": minus(1)},
        "sent_to_prefecture",
        "L'acte ne peut être transmis avant la séance",
    ),
    "seance-before-freeze": (
        {"session_date": minus(30), "convocation_date": minus(35)},
        "session_date",
        "La séance précède le gel du texte",
    ),
    "seance-in-the-future": (
        {"session_date": TODAY + timedelta(days=1)},
        "session_date",
        "La séance ne peut pas être dans le futur",
    ),
    "convocation-after-seance": ({"convocation_date": TODAY}, "convocation_date", "La convocation précède la séance"),
    "no-convocation": ({"convocation_date": None}, "convocation_date", "Indiquez la date de la convocation (L2121-10)"),
    "no-secretary": ({"secretary": " , "}, "secretary", "Le conseil désigne un ou plusieurs secrétaires de séance"),
    "no-president": ({"president_name": ""}, "president_name", "Indiquez qui a présidé la séance"),
    "adjourned-with-votes": (
        {
            "outcome": "adjourned",
            "act_id": "",
            "sent_to_prefecture": None,
            "received_by_prefecture": None,
            "published_on": None,
        },
        "outcome",
        "Un point ajourné n'a pas été voté",
    ),
    "published-before-seance": (
        {"published_on": minus(1)},
        "published_on",
        "L'acte ne peut être publié avant la séance",
    ),
    "adopted-without-act": ({"act_id": ""}, "act_id", "L'identifiant @ctes est obligatoire"),
}


@pytest.mark.parametrize(("changes", "field", "message"), CASES.values(), ids=CASES.keys())
def test_each_rule_refuses_what_breaks_it(client, deliberation, changes, field, message):
    record = adopted_decision(deliberation.party) | changes
    errors = record_errors(record, deliberation=deliberation)
    assert any(m.startswith(message) for m in errors.get(field, [])), errors
    # Through the form: refused in French, nothing saved.
    officer = MembershipFactory(organisation=deliberation.party.organisation, role=Role.COMMUNE_OFFICER).user
    client.force_login(officer)
    url = reverse(
        "deliberation_record", kwargs={"convention_pk": deliberation.convention_id, "deliberation_pk": deliberation.pk}
    )
    response = client.post(
        url,
        {
            k: ("" if v is None else v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in record.items()
            if not isinstance(v, bool) or v
        },
    )
    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    deliberation.refresh_from_db()
    assert deliberation.outcome == "pending" and deliberation.session_date is None


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"present": 16, "represented": 0, "voting": 16, "votes_for": 14, "proxies": "", "second_convocation": True},
        {"votes_for": 15, "votes_against": 15, "casting_vote": True},
        REJECTION,
        {
            "outcome": "adjourned",
            "voting": None,
            "votes_for": None,
            "votes_against": None,
            "abstentions": None,
            "act_id": "",
            "sent_to_prefecture": None,
            "received_by_prefecture": None,
            "published_on": None,
        },
        {"sent_to_prefecture": None, "received_by_prefecture": None, "published_on": None},
    ],
    ids=["lawful", "second-convocation", "casting-vote", "rejected", "adjourned", "not-yet-transmitted"],
)
def test_lawful_records_pass(deliberation, changes):
    assert record_errors(adopted_decision(deliberation.party) | changes, deliberation=deliberation) == {}


def test_the_signature_opens_once_the_act_is_executory(client, cournon, adviser, deliberation):
    decision = adopted_decision(
        deliberation.party, sent_to_prefecture=None, received_by_prefecture=None, published_on=None
    )
    workflows.record_deliberation(deliberation, decision, by=adviser)
    request = SignatureRequest.objects.get(convention=cournon, party=deliberation.party)
    assert request.status == "waiting"  # adopted, not yet exécutoire
    client.force_login(adviser)
    page = client.get(reverse("deliberation_list", kwargs={"convention_pk": cournon.pk})).content.decode()
    assert "non : manque la transmission en préfecture, la publication" in page
    circuit = client.get(reverse("workflow", kwargs={"convention_pk": cournon.pk})).content.decode()
    assert "La transmission en préfecture, la publication" in circuit  # the commune's row
    assert "Les signatures des parties qui signent avant elle" in circuit  # the Caf's row
    url = reverse("deliberation_transmission", kwargs={"convention_pk": cournon.pk, "deliberation_pk": deliberation.pk})
    response = client.post(url, {"act_id": decision["act_id"], "sent_to_prefecture": minus(0).isoformat()})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "waiting"  # transmitted, not yet published
    response = client.post(url, {"received_by_prefecture": minus(0).isoformat(), "published_on": TODAY.isoformat()})
    request.refresh_from_db()
    assert request.status == "open"
    deliberation.refresh_from_db()
    assert deliberation.published_on == TODAY
    assert AuditEvent.objects.filter(convention=cournon, kind="deliberation_transmitted").count() == 2
    # Recorded dates stay: a second sending date is ignored.
    client.post(url, {"sent_to_prefecture": minus(3).isoformat()})
    deliberation.refresh_from_db()
    assert deliberation.sent_to_prefecture == TODAY


def test_the_act_s_matiere_is_chosen_until_it_leaves_for_the_prefecture(client, cournon, adviser, deliberation):
    decision = adopted_decision(
        deliberation.party, sent_to_prefecture=None, received_by_prefecture=None, published_on=None
    )
    workflows.record_deliberation(deliberation, decision, by=adviser)
    deliberation.refresh_from_db()
    assert deliberation.subject_code == "8.2"  # a CTG is social action, unless said otherwise
    client.force_login(adviser)
    url = reverse("deliberation_transmission", kwargs={"convention_pk": cournon.pk, "deliberation_pk": deliberation.pk})
    assert "8.2 Aide sociale" in client.get(url).content.decode()
    client.post(url, {"subject_code": "8.4"})
    deliberation.refresh_from_db()
    assert deliberation.subject_code == "8.4"
    assert AuditEvent.objects.filter(
        convention=cournon, kind="deliberation_transmitted", message__contains="matière 8.4 Aménagement du territoire"
    ).exists()
    client.post(url, {"sent_to_prefecture": minus(0).isoformat()})
    client.post(url, {"subject_code": "7.5"})  # sent: the préfecture has it under 8.4
    workflows.complete_transmission(deliberation, {"subject_code": "7.5"}, by=adviser)
    deliberation.refresh_from_db()
    assert deliberation.subject_code == "8.4"


def test_the_act_number_is_the_local_part_of_its_identifier():
    assert act_number("063-216302406-20240926-DCM20240926_4-DE") == "DCM20240926_4"
    assert act_number("") == ""


def test_a_frozen_version_is_needed_before_the_seance(deliberation):
    version = ConventionVersion.objects.get(pk=deliberation.version_id)
    assert timezone.localdate(version.frozen_at) == TODAY


def test_a_paper_signature_comes_in_the_circuit_s_order(client, cournon, adviser, deliberation):
    workflows.record_deliberation(deliberation, adopted_decision(deliberation.party), by=adviser)
    commune = SignatureRequest.objects.get(convention=cournon, party=deliberation.party)
    scan = SimpleUploadedFile("s.pdf", scanned_page())
    maire, directeur = Signatory("M. François Rage", "Le Maire"), Signatory("M. Paul Leroy", "Le Directeur")
    with pytest.raises(workflows.WorkflowError, match="précède la publication de la délibération"):
        workflows.record_paper_signature(commune, signatory=maire, signed_on=minus(1), scan=scan, by=adviser)
    workflows.record_paper_signature(commune, signatory=maire, signed_on=TODAY, scan=scan, by=adviser)
    caf = SignatureRequest.objects.get(convention=cournon, party__organisation=cournon.caf)
    assert caf.status == "open"
    with pytest.raises(workflows.WorkflowError, match="qui signe avant elle"):
        workflows.record_paper_signature(caf, signatory=directeur, signed_on=minus(2), scan=scan, by=adviser)
    caf.refresh_from_db()
    assert caf.status == "open"
