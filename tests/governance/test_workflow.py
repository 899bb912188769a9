"""Freeze, deliberations, signatures, seal, verification, reminders and avenant."""

import hashlib
import io
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from ctg.lifecycle import Status
from ctg.models import Convention, OutboundEmail
from governance import certificates, documents, sealing, workflows
from governance.models import AuditEvent, ConventionVersion, Deliberation, SignatureRequest
from governance.signatories import Signatory
from governance.tasks import render_version_pdf
from territories.models import Role
from territories.services import organisation_for_commune
from tests.documents import scdl_report
from tests.factories import MembershipFactory, designate, scanned_page
from tests.helpers import last_code, link_of, seed_convention

SEANCE = timezone.localdate()  # after the freeze, which the tests do today
ACT_ID = f"063-216301242-{SEANCE:%Y%m%d}-DCM2024_12-DE"


@pytest.fixture
def cournon(db):
    convention = seed_convention("commune-2023-2026")
    convention.transition(Status.REVIEW)
    return convention


@pytest.fixture
def adviser(cournon):
    return MembershipFactory(organisation=cournon.caf, role=Role.CAF_ADVISER).user


@pytest.fixture
def mayor(cournon):
    """The maire, whose account is designated to sign for the commune."""
    user = MembershipFactory(organisation=organisation_for_commune(cournon.commune), role=Role.COMMUNE_OFFICER).user
    designate(cournon.parties.get(organisation__commune=cournon.commune), user)
    return user


def adopted(**overrides):
    data = {
        "convocation_date": SEANCE - timedelta(days=5),
        "session_date": SEANCE,
        "session_place": "salle du conseil municipal",
        "president_name": "M. François Rage",
        "president_quality": "Maire",
        "outcome": "adopted",
        "in_office": 33,
        "present": 30,
        "represented": 2,
        "proxies": "Mme A a donné pouvoir à M. B\nM. C a donné pouvoir à Mme D",
        "voting": 32,
        "votes_for": 30,
        "votes_against": 0,
        "abstentions": 2,
        "secretary": "Mme Claire Petit",
        "act_id": ACT_ID,
        "sent_to_prefecture": SEANCE,
        "received_by_prefecture": SEANCE,
        "published_on": SEANCE,
    }
    data.update(overrides)
    return data


def form(data):
    return {
        key: (value.isoformat() if isinstance(value, date) else "" if value is None else value)
        for key, value in data.items()
    }


def test_freezing_takes_an_immutable_version(client, cournon, adviser):
    client.force_login(adviser)
    client.post(reverse("workflow_action", kwargs={"convention_pk": cournon.pk}), {"action": "freeze"})
    cournon.refresh_from_db()
    assert cournon.status == Status.FROZEN
    version = cournon.versions.get()
    # The request took the snapshot under the lock and left the PDF to a job.
    assert not version.pdf_sha256
    assert (
        "PDF figé en cours de production"
        in client.get(reverse("workflow", kwargs={"convention_pk": cournon.pk})).content.decode()
    )
    render_version_pdf(version.pk)  # the job, run here
    render_version_pdf(version.pk)  # twice: nothing changes
    version.refresh_from_db()
    pdf = version.pdf.open("rb").read()
    assert hashlib.sha256(pdf).hexdigest() == version.pdf_sha256
    assert AuditEvent.objects.filter(version=version, kind="version_pdf").count() == 1
    assert version.snapshot["title"] == cournon.title
    assert not any("PROJET" in page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert AuditEvent.objects.filter(convention=cournon, kind="freeze").exists()
    # Frozen: no more edits.
    assert client.get(reverse("axis_create", kwargs={"convention_pk": cournon.pk})).status_code == 403
    # Back to draft is possible until deliberations start; the version is kept, superseded.
    client.post(reverse("workflow_action", kwargs={"convention_pk": cournon.pk}), {"action": "unfreeze"})
    cournon.refresh_from_db()
    assert cournon.status == Status.DRAFT and cournon.versions.get().superseded


def test_only_the_caf_runs_the_workflow(client, cournon, mayor):
    client.force_login(mayor)
    response = client.post(reverse("workflow_action", kwargs={"convention_pk": cournon.pk}), {"action": "freeze"})
    assert response.status_code == 403
    assert not cournon.versions.exists()


def test_launching_creates_a_deliberation_per_council_and_tells_its_members(
    cournon, adviser, mayor, django_capture_on_commit_callbacks
):
    workflows.freeze(cournon, by=adviser)
    with django_capture_on_commit_callbacks(execute=False):
        workflows.launch_deliberations(cournon, by=adviser)
    cournon.refresh_from_db()
    assert cournon.status == Status.DELIBERATIONS
    deliberation = Deliberation.objects.get(convention=cournon)
    assert deliberation.party.organisation.commune == cournon.commune
    assert OutboundEmail.objects.filter(to=mayor.email, subject__startswith="Délibération à inscrire").exists()
    # The CAF needs no deliberation, but signs after the commune.
    statuses = dict(
        SignatureRequest.objects.filter(convention=cournon).values_list("party__organisation__kind", "status")
    )
    assert statuses == {"commune": "waiting", "caf": "waiting"}


@pytest.mark.parametrize(
    "act_id, message",
    [
        ("063-216301242-2024-03-15-X-DE", "doit avoir la forme DDD-SIREN-AAAAMMJJ-NUMERO-DE"),
        (f"064-216301242-{SEANCE:%Y%m%d}-DCM12-DE", "Le département (064) n'est pas celui de la partie (063)"),
        (f"063-216302406-{SEANCE:%Y%m%d}-DCM12-DE", "Le SIREN (216302406) n'est pas celui de Commune de Cournon"),
        ("063-216301242-20240316-DCM12-DE", f"La date (20240316) n'est pas celle de la séance ({SEANCE:%Y%m%d})"),
        (f"063-216301242-{SEANCE:%Y%m%d}-DCM12-AR", "La nature de l'acte doit être DE"),
        ("063-216301242-20240315-NUMERO_BEAUCOUP_TROP_LONG-DE", "doit avoir la forme"),
    ],
)
def test_a_wrong_act_id_is_refused_with_its_reason(client, cournon, adviser, mayor, act_id, message):
    workflows.freeze(cournon, by=adviser)
    workflows.launch_deliberations(cournon, by=adviser)
    deliberation = Deliberation.objects.get(convention=cournon)
    client.force_login(mayor)
    url = reverse("deliberation_record", kwargs={"convention_pk": cournon.pk, "deliberation_pk": deliberation.pk})
    response = client.post(url, form(adopted(act_id=act_id)))
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    deliberation.refresh_from_db()
    assert deliberation.outcome == "pending"


def test_a_rejection_blocks_the_signature_and_a_new_seance_adopts(client, cournon, adviser, mayor):
    workflows.freeze(cournon, by=adviser)
    workflows.launch_deliberations(cournon, by=adviser)
    deliberation = Deliberation.objects.get(convention=cournon)
    client.force_login(mayor)
    url = reverse("deliberation_record", kwargs={"convention_pk": cournon.pk, "deliberation_pk": deliberation.pk})
    rejected = adopted(outcome="rejected", votes_for=10, votes_against=20, act_id="")
    rejected.update(sent_to_prefecture=None, received_by_prefecture=None, published_on=None)
    response = client.post(url, form(rejected))
    assert response.status_code == 302
    request = SignatureRequest.objects.get(convention=cournon, party=deliberation.party)
    assert request.status == "blocked"
    assert OutboundEmail.objects.filter(to=adviser.email, subject__startswith="Délibération rejetée").exists()
    progress = client.get(reverse("deliberation_list", kwargs={"convention_pk": cournon.pk})).content.decode()
    assert "0 / 1" in progress and "1 rejetée" in progress

    pdf = SimpleUploadedFile("acte.pdf", b"%PDF-1.4 acte signe", content_type="application/pdf")
    response = client.post(
        url,
        {
            **form(adopted(act_id=f"063-216301242-{SEANCE:%Y%m%d}-DCM2024_20-DE")),
            "signed_act": pdf,
        },
    )
    assert response.status_code == 302
    deliberation.refresh_from_db()
    assert (deliberation.outcome, deliberation.session_number) == ("adopted", 2)
    assert deliberation.signed_act.name.endswith(".pdf")
    request.refresh_from_db()
    assert request.status == "open"
    assert "1 / 1" in client.get(reverse("deliberation_list", kwargs={"convention_pk": cournon.pk})).content.decode()


def test_the_signed_act_must_be_a_real_pdf(client, cournon, adviser, mayor):
    workflows.freeze(cournon, by=adviser)
    workflows.launch_deliberations(cournon, by=adviser)
    deliberation = Deliberation.objects.get(convention=cournon)
    client.force_login(mayor)
    url = reverse("deliberation_record", kwargs={"convention_pk": cournon.pk, "deliberation_pk": deliberation.pk})
    fake = SimpleUploadedFile("acte.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(url, {**form(adopted()), "signed_act": fake})
    assert response.status_code == 400
    assert "n&#x27;est pas un PDF" in response.content.decode()
    deliberation.refresh_from_db()
    assert deliberation.outcome == "pending" and not deliberation.signed_act


def open_commune_signature(cournon, adviser):
    workflows.freeze(cournon, by=adviser)
    workflows.launch_deliberations(cournon, by=adviser)
    workflows.record_deliberation(Deliberation.objects.get(convention=cournon), adopted(), by=adviser)
    return SignatureRequest.objects.get(convention=cournon, party__organisation__kind="commune")


def test_signing_needs_the_link_a_signatory_account_and_the_emailed_code(client, cournon, adviser, mayor):
    request = open_commune_signature(cournon, adviser)
    link = link_of(mayor)
    token = link.split("/")[2]
    assert token not in request.token_hash and len(request.token_hash) == 64  # hashed at rest
    # Not logged in: the login page.
    assert client.get(link).status_code == 302
    # Someone of another organisation: nothing to see.
    client.force_login(MembershipFactory(organisation=cournon.caf, role=Role.CAF_ADVISER).user)
    assert client.get(link).status_code == 404
    # A member of the commune who is neither its maire nor a delegate: refused, told who signs.
    clerk = MembershipFactory(organisation=request.party.organisation, role=Role.ADMIN).user
    client.force_login(clerk)
    response = client.get(link)
    assert response.status_code == 403
    assert "Vous ne pouvez pas signer pour Commune de Cournon-d'Auvergne" in response.content.decode().replace(
        "&#x27;", "'"
    )
    assert client.post(link, {"action": "send_code"}).status_code == 403
    assert client.post(link, {"action": "sign", "code": "123456"}).status_code == 403
    assert not OutboundEmail.objects.filter(to=clerk.email).exists()
    with pytest.raises(workflows.WorkflowError, match="votre compte n'est pas désigné"):
        workflows.sign(request, clerk, "123456")

    client.force_login(mayor)
    client.post(link, {"action": "send_code"})
    response = client.post(link, {"action": "sign", "code": "000000" if last_code(mayor) != "000000" else "111111"})
    assert "Code incorrect" in response.content.decode()
    response = client.post(link, {"action": "sign", "code": last_code(mayor)})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "signed" and request.method == "electronic" and request.signed_by == mayor
    assert request.ip_address == "127.0.0.1"
    # The next group (the CAF) is now open.
    assert SignatureRequest.objects.get(convention=cournon, party__organisation__kind="caf").status == "open"


def test_a_link_used_out_of_turn_cannot_sign(client, cournon, adviser, mayor):
    open_commune_signature(cournon, adviser)
    caf_request = SignatureRequest.objects.get(convention=cournon, party__organisation__kind="caf")
    assert caf_request.status == "waiting"
    token = workflows.reissue_link(caf_request)  # a link passed on early
    director = MembershipFactory(organisation=cournon.caf, role=Role.ADMIN).user
    designate(caf_request.party, director)
    client.force_login(director)
    response = client.post(reverse("signature_sign", kwargs={"token": token}), {"action": "send_code"}, follow=True)
    assert "pas encore le tour" in response.content.decode()
    caf_request.refresh_from_db()
    with pytest.raises(workflows.WorkflowError, match="pas encore le tour"):
        workflows.sign(caf_request, director, "123456")
    assert caf_request.status == "waiting"


def test_two_clicks_at_the_same_moment_make_one_signature(cournon, adviser, mayor):
    request = open_commune_signature(cournon, adviser)
    workflows.send_code(request, mayor)
    code = last_code(mayor)
    workflows.sign(request, mayor, code)
    with pytest.raises(workflows.WorkflowError, match="déjà signé"):
        workflows.sign(request, mayor, code)
    assert AuditEvent.objects.filter(convention=cournon, kind="signature").count() == 1


def test_the_caf_records_a_signature_on_paper(client, cournon, adviser, mayor, django_capture_on_commit_callbacks):
    request = open_commune_signature(cournon, adviser)
    workflows.send_code(request, mayor)
    workflows.sign(request, mayor, last_code(mayor))
    caf_request = SignatureRequest.objects.get(convention=cournon, party__organisation__kind="caf")
    client.force_login(adviser)
    url = reverse("signature_paper", kwargs={"convention_pk": cournon.pk, "request_pk": caf_request.pk})
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            url,
            {
                "signer_name": "M. Paul Leroy",
                "signer_quality": "Le Directeur",
                "signed_on": timezone.localdate().isoformat(),
                "scan": SimpleUploadedFile("scan.pdf", scanned_page()),
            },
        )
    assert response.status_code == 302
    caf_request.refresh_from_db()
    assert caf_request.method == "paper" and caf_request.scan
    assert (caf_request.signer_name, caf_request.signer_quality) == ("M. Paul Leroy", "Le Directeur")
    assert len(callbacks) == 1  # every party has signed: the seal is queued after the commit


def sign_everything(cournon, adviser, mayor):
    request = open_commune_signature(cournon, adviser)
    workflows.send_code(request, mayor)
    workflows.sign(request, mayor, last_code(mayor), ip="192.0.2.10")
    caf_request = SignatureRequest.objects.get(convention=cournon, party__organisation__kind="caf")
    workflows.record_paper_signature(
        caf_request,
        signatory=Signatory("M. Paul Leroy", "Le Directeur"),
        signed_on=timezone.localdate(),
        scan=SimpleUploadedFile("scan.pdf", scanned_page()),
        by=adviser,
    )
    return ConventionVersion.objects.current(cournon)


def test_the_sealed_pdf_verifies_and_a_changed_byte_breaks_it(client, cournon, adviser, mayor, tmp_path):
    version = sealing.seal(sign_everything(cournon, adviser, mayor))
    cournon.refresh_from_db()
    assert cournon.status == Status.SIGNED
    content = version.signed_pdf.open("rb").read()

    signature = PdfFileReader(io.BytesIO(content)).embedded_signatures[0]
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[certificates.platform_certificate(), *certificates.timestamp_roots()])
    )
    assert status.intact and status.valid and status.trusted
    # Only the validation data (PAdES B-LT) follows the seal.
    assert status.modification_level == ModificationLevel.LTA_UPDATES

    pages = PdfReader(io.BytesIO(content)).pages
    frozen_pages = len(PdfReader(version.pdf.open("rb")).pages)
    text = "\n".join(page.extract_text() for page in pages[frozen_pages:-1])
    assert "Page des signatures" in text and "Page de preuves" in text
    # The page the Caf signed on paper closes the sealed original.
    assert pages[-1].extract_text() == ""
    assert "page signée reproduite en fin de document" in " ".join(text.replace("-\n", "").split()), text
    assert ACT_ID.replace("-DCM", "-\nDCM")[:20] in text or f"063-216301242-{SEANCE:%Y%m%d}" in text
    assert version.pdf_sha256 in text.replace("\n", "")
    assert "192.0.2.10" in text and "signature manuscrite" in " ".join(text.lower().split())
    flat_text = " ".join(text.replace("-\n", "").split())
    # Recorded events only: the mayor was sent a code, the Caf signed on paper (a date, no time).
    assert flat_text.count("code à usage unique envoyé par courriel le") == 1
    assert f"{timezone.localdate():%d/%m/%Y} Caf du Puy-de-Dôme — signature manuscrite" in flat_text
    assert "par M. Paul Leroy (le Directeur)" in flat_text
    # The maire signed with his own account, as the commune's executive.
    assert f"signature électronique sur la plateforme, par {mayor.get_full_name()} (le Maire)" in flat_text

    result = sealing.verify(content)
    assert result.ok and result.version == version
    changed = bytearray(content)
    position = content.index(b"Page des signatures") if b"Page des signatures" in content else len(content) // 2
    changed[position] ^= 0x01
    assert not sealing.verify(bytes(changed)).ok

    # The public page and the command say the same.
    client.logout()
    response = client.post(reverse("verify_document"), {"document": SimpleUploadedFile("c.pdf", content)})
    assert "Document intact" in response.content.decode()
    response = client.post(reverse("verify_document"), {"document": SimpleUploadedFile("c.pdf", bytes(changed))})
    assert "Document intact" not in response.content.decode()
    path = tmp_path / "signed.pdf"
    path.write_bytes(content)
    out = io.StringIO()
    call_command("verify_document", str(path), stdout=out)
    assert "Document intact" in out.getvalue()
    path.write_bytes(bytes(changed))
    with pytest.raises(CommandError):
        call_command("verify_document", str(path))


def test_sealing_twice_changes_nothing(cournon, adviser, mayor):
    version = sealing.seal(sign_everything(cournon, adviser, mayor))
    digest = version.signed_sha256
    again = sealing.seal(version)
    assert again.signed_sha256 == digest
    assert AuditEvent.objects.filter(convention=cournon, kind="seal").count() == 1


def test_an_avenant_opens_version_2_and_version_1_stays_intact(client, cournon, adviser, mayor):
    version_1 = sealing.seal(sign_everything(cournon, adviser, mayor))
    signed_bytes = version_1.signed_pdf.open("rb").read()
    client.force_login(adviser)
    client.post(reverse("workflow_action", kwargs={"convention_pk": cournon.pk}), {"action": "amend"})
    cournon.refresh_from_db()
    assert cournon.status == Status.DRAFT
    sheet = cournon.sheets.first()
    sheet.title = "Action revue par avenant"
    sheet.save()
    cournon.transition(Status.REVIEW)
    version_2 = workflows.freeze(cournon, by=adviser)
    assert (version_2.number, version_2.kind) == (2, "avenant")
    version_1.refresh_from_db()
    assert version_1.signed_pdf.open("rb").read() == signed_bytes
    assert sealing.verify(signed_bytes).version == version_1
    response = client.get(
        reverse("version_signed_pdf", kwargs={"convention_pk": cournon.pk, "version_pk": version_1.pk})
    )
    assert b"".join(response.streaming_content) == signed_bytes


def test_reminders_and_deadlines_act_once(cournon, adviser, mayor, settings):
    settings.REMINDER_INTERVAL_DAYS = 7
    workflows.freeze(cournon, by=adviser)
    workflows.launch_deliberations(cournon, by=adviser)
    later = timezone.now() + timedelta(days=8)
    assert workflows.scan(now=later)["deliberation_reminders"] == 1
    assert workflows.scan(now=later)["deliberation_reminders"] == 0  # the same scan twice: one e-mail
    reminders = OutboundEmail.objects.filter(to=mayor.email, subject__startswith="Rappel : délibération")
    assert reminders.count() == 1
    deliberation = Deliberation.objects.get(convention=cournon)
    past_due = timezone.now() + timedelta(days=deliberation.due_date.toordinal() - timezone.localdate().toordinal() + 1)
    assert workflows.scan(now=past_due)["escalations"] == 1
    assert workflows.scan(now=past_due)["escalations"] == 0
    assert OutboundEmail.objects.filter(to=adviser.email, subject__startswith="Échéance dépassée").count() == 1


def test_an_expired_signature_request_is_marked_and_escalated(cournon, adviser, mayor):
    request = open_commune_signature(cournon, adviser)
    late = timezone.now() + timedelta(days=61)
    assert workflows.scan(now=late)["expired"] == 1
    request.refresh_from_db()
    assert request.status == "expired"
    with pytest.raises(workflows.WorkflowError, match="expiré"):
        workflows.sign(request, mayor, "123456")


def test_conventions_enter_force_and_end_by_their_dates(cournon, adviser, mayor):
    sealing.seal(sign_everything(cournon, adviser, mayor))
    Convention.objects.filter(pk=cournon.pk).update(start_date=date(2024, 1, 1), end_date=date(2027, 12, 31))
    assert workflows.scan()["in_force"] == 1
    cournon.refresh_from_db()
    assert cournon.status == Status.IN_FORCE
    Convention.objects.filter(pk=cournon.pk).update(start_date=date(2021, 1, 1), end_date=date(2024, 12, 31))
    assert workflows.scan()["ended"] == 1
    cournon.refresh_from_db()
    assert cournon.status == Status.ENDED


def test_the_audit_trail_is_append_only_and_exported(client, cournon, adviser, mayor):
    sign_everything(cournon, adviser, mayor)
    event = AuditEvent.objects.filter(convention=cournon).first()
    with pytest.raises(PermissionError):
        event.message = "réécrit"
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(convention=cournon).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(convention=cournon).update(message="x")
    client.force_login(mayor)
    response = client.get(reverse("audit_export", kwargs={"convention_pk": cournon.pk}))
    text = response.content.decode("utf-8-sig")
    kinds = [line.split(";")[1] for line in text.splitlines()[1:]]
    assert {
        "freeze",
        "deliberations_launched",
        "deliberation_recorded",
        "email",
        "signature_code",
        "signature",
        "all_signed",
    } <= set(kinds)
    page = client.get(reverse("workflow", kwargs={"convention_pk": cournon.pk})).content.decode()
    assert "Version 1 figée" in page


def test_deliberations_export_in_the_scdl_format(client, cournon, adviser, mayor):
    open_commune_signature(cournon, adviser)
    client.force_login(mayor)
    url = reverse("deliberation_export", kwargs={"convention_pk": cournon.pk})
    # Without its SIRET (the schema requires it), the commune is left out, and told why.
    assert client.get(url).content.decode().splitlines()[1:] == []
    page = client.get(reverse("deliberation_list", kwargs={"convention_pk": cournon.pk})).content.decode()
    assert "exige le SIRET de la collectivité" in page and "Commune de Cournon-d&#x27;Auvergne" in page

    commune = organisation_for_commune(cournon.commune)
    commune.siret = "21630124200006"
    commune.full_clean()
    commune.save()
    deliberation = Deliberation.objects.get(convention=cournon)
    Deliberation.objects.filter(pk=deliberation.pk).update(subject_code="8.4")
    content = client.get(url).content
    assert not client.get(reverse("deliberation_list", kwargs={"convention_pk": cournon.pk})).context["without_siret"]
    lines = content.decode().splitlines()
    assert lines[0].startswith(
        "COLL_NOM;COLL_SIRET;DELIB_ID;DELIB_DATE;DELIB_MATIERE_CODE;DELIB_MATIERE_NOM;DELIB_OBJET"
    )
    row = dict(zip(lines[0].split(";"), lines[1].split(";"), strict=True))
    assert row["COLL_NOM"] == "Commune de Cournon-d'Auvergne"
    assert row["COLL_SIRET"] == "21630124200006"
    assert row["DELIB_ID"] == "DCM2024_12"
    assert row["DELIB_DATE"] == SEANCE.isoformat()
    assert (row["DELIB_MATIERE_CODE"], row["DELIB_MATIERE_NOM"]) == (
        "8.4",
        "domaines de compétences par thèmes/aménagement du territoire",
    )
    # The objet printed on the act itself.
    assert row["DELIB_OBJET"] == documents.act_objet(deliberation.version.snapshot)
    assert row["DELIB_OBJET"].startswith("Approbation de la Convention territoriale globale 2023-2026 de la commune")
    assert row["PREF_ID"] == "PREF063"
    assert (row["VOTE_EFFECTIF"], row["VOTE_REEL"], row["VOTE_POUR"], row["VOTE_ABSTENTION"]) == ("33", "32", "30", "2")
    report = scdl_report(content)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])


def test_render_documents_also_writes_the_sealed_pdf(cournon, adviser, mayor, tmp_path):
    sealing.seal(sign_everything(cournon, adviser, mayor))
    call_command("render_documents", cournon.pk, "--out", str(tmp_path), stdout=io.StringIO())
    sealed = tmp_path / "convention-version-1-signee.pdf"
    assert sealing.verify(sealed.read_bytes()).ok
    assert sealing.verify((tmp_path / "convention-version-1-copie-publique.pdf").read_bytes()).public_copy


def test_wrong_codes_are_counted_and_the_sixth_try_is_refused_even_with_the_right_code(client, cournon, adviser, mayor):
    """The count of wrong codes is kept although each refusal ends its transaction."""
    request = open_commune_signature(cournon, adviser)
    client.force_login(mayor)
    link = link_of(mayor)
    client.post(link, {"action": "send_code"})
    right = last_code(mayor)
    wrong = "000000" if right != "000000" else "111111"
    for attempt in range(1, settings.SIGNATURE_CODE_MAX_ATTEMPTS + 1):
        response = client.post(link, {"action": "sign", "code": wrong})
        assert "Code incorrect" in response.content.decode()
        request.refresh_from_db()
        assert request.otp_attempts == attempt
    response = client.post(link, {"action": "sign", "code": right})
    assert "Trop d&#x27;essais" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "open"


def test_codes_are_sent_five_times_an_hour_at_most(client, cournon, adviser, mayor):
    open_commune_signature(cournon, adviser)
    client.force_login(mayor)
    link = link_of(mayor)
    for _ in range(settings.SIGNATURE_CODES_PER_HOUR):
        client.post(link, {"action": "send_code"})
    codes = OutboundEmail.objects.filter(to=mayor.email, subject__startswith="Votre code")
    assert codes.count() == settings.SIGNATURE_CODES_PER_HOUR
    response = client.post(link, {"action": "send_code"}, follow=True)
    assert "déjà été envoyés dans l&#x27;heure" in response.content.decode()
    assert codes.count() == settings.SIGNATURE_CODES_PER_HOUR
