"""The seal over years: the platform's certificates kept in a history (a document sealed
before a renewal still verifies after it), RFC 3161 timestamps from a real authority (the
local one the test run serves over HTTP), and two copies: the parties' original with the
signatories' addresses, the public copy without them."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from ctg.models import Convention
from governance import certificates, sealing, workflows
from governance.models import ConventionVersion, SealCertificate
from territories.models import Role
from tests.factories import ConventionFactory, MembershipFactory, sign_on_paper
from tests.helpers import commune_signature, last_code

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
IPV4 = re.compile(r"\b\d{1,3}(\.\d{1,3}){3}\b")


@pytest.fixture
def own_seal(settings, tmp_path):
    """A seal certificate of this test's own, so that renewing it touches no other test."""
    settings.SEAL_PKCS12_FILE = str(tmp_path / "seal" / "platform-seal.p12")
    return tmp_path / "seal"


def signed_electronically():
    """A convention whose commune's maire signs on the platform (his account, his IP address)
    and whose other parties sign on paper; sealed."""
    convention, adviser, mayor, request = commune_signature()
    workflows.sign(request, mayor, last_code(mayor), ip="192.0.2.10")
    sign_on_paper(convention, adviser)
    return sealing.seal(ConventionVersion.objects.current(convention)), mayor


def text_of(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def verify_command(path) -> str:
    out = io.StringIO()
    call_command("verify_document", str(path), stdout=out)
    return out.getvalue()


def test_a_document_sealed_before_a_renewal_still_verifies_after_it(own_seal, tmp_path, client):
    before = ConventionFactory(signed=True).versions.get()
    old = before.seal_certificate
    assert old.fingerprint == certificates.fingerprint(certificates.platform_certificate())
    content = before.signed_pdf.open("rb").read()

    out = io.StringIO()
    call_command("renew_seal_certificate", stdout=out)
    new = SealCertificate.objects.get(fingerprint=certificates.fingerprint(certificates.platform_certificate()))
    assert new != old and old.formatted_fingerprint in out.getvalue() and new.formatted_fingerprint in out.getvalue()
    assert len(list(own_seal.glob("platform-seal.*.p12"))) == 1  # the old file kept aside

    result = sealing.verify(content)
    assert result.ok and result.version == before and result.certificate == old
    path = tmp_path / "avant-renouvellement.pdf"
    path.write_bytes(content)
    printed = verify_command(path)
    assert "Document intact" in printed and old.formatted_fingerprint in printed
    assert new.formatted_fingerprint not in printed
    page = client.post(reverse("verify_document"), {"document": SimpleUploadedFile("c.pdf", content)}).content.decode()
    assert "Document intact" in page and old.formatted_fingerprint in page and "auto-signé" in page

    # What is sealed from now on is sealed by the new certificate, and verifies too.
    after = ConventionFactory(signed=True).versions.get()
    assert after.seal_certificate == new
    assert sealing.verify(after.signed_pdf.open("rb").read()).certificate == new


def test_a_seal_by_a_stranger_or_out_of_its_certificate_validity_is_refused(own_seal, tmp_path):
    version = ConventionFactory(signed=True).versions.get()
    content = version.pdf.open("rb").read()  # the frozen text, sealed again by others
    stranger = signers.SimpleSigner.load_pkcs12_data(
        certificates.self_signed_seal_pkcs12(b"x"), other_certs=[], passphrase=b"x"
    )

    def resealed(signer):
        meta = signers.PdfSignatureMetadata(field_name=sealing.SEAL_FIELD, subfilter=fields.SigSeedSubFilter.PADES)
        return signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(content)), meta, signer=signer).getvalue()

    forged = resealed(stranger)
    assert sealing.verify(forged).message == "Ce PDF est scellé par un autre certificat que ceux de la plateforme."
    # A certificate of the platform's history, but whose validity had ended when it sealed.
    expired = signers.SimpleSigner.load_pkcs12_data(
        certificates.self_signed_seal_pkcs12(b"x", valid_from=version.sealed_at - timedelta(days=30), days=10),
        other_certs=[],
        passphrase=b"x",
    )
    certificates.record(expired.signing_cert, SealCertificate.Purpose.SEAL)
    result = sealing.verify(resealed(expired))
    assert not result.ok and "hors de la période de validité du certificat" in result.message


def test_the_seal_carries_a_timestamp_and_validation_data_that_pyhanko_validates(timestamp_authority):
    version = ConventionFactory(signed=True).versions.get()
    stamps = []
    for content in (version.signed_pdf.open("rb").read(), version.public_pdf.open("rb").read()):
        reader = PdfFileReader(io.BytesIO(content))
        seal = reader.embedded_signatures[0]
        roots = [certificates.platform_certificate(), *certificates.timestamp_roots()]
        status = validate_pdf_signature(seal, ValidationContext(trust_roots=roots, allow_fetching=False))
        assert status.intact and status.valid and status.trusted
        stamp = status.timestamp_validity
        assert stamp is not None and stamp.intact and stamp.valid and stamp.trusted  # PAdES B-T
        assert stamp.signing_cert.dump() == timestamp_authority.stamper.tsa_cert.dump()
        assert abs((stamp.timestamp - version.sealed_at).total_seconds()) < 120
        # B-LT: the certificates of both chains are in the document's security store.
        dss = DocumentSecurityStore.read_dss(reader)
        stored = {certificate.sha256 for certificate in dss.load_certs()}
        assert {root.sha256 for root in roots} <= stored
        stamps.append(stamp.timestamp)
    result = sealing.verify(version.signed_pdf.open("rb").read())
    assert result.timestamped_at == stamps[0]
    assert "horodatage" in result.timestamp_authority
    assert ("Horodatage (RFC 3161)", result.details[-1][1]) == result.details[-1]
    audit = version.convention.audit_events.get(kind="seal")
    assert "PAdES B-LT" in audit.message


def test_without_a_timestamp_authority_the_verifier_says_the_date_is_the_servers(settings):
    settings.SEAL_TSA_URL = ""
    version = ConventionFactory(signed=True).versions.get()
    result = sealing.verify(version.signed_pdf.open("rb").read())
    assert result.ok and result.timestamped_at is None
    assert "la date est celle du serveur" in " ".join(result.notes)


def test_the_public_copy_has_no_email_or_ip_address_and_is_all_the_public_gets(client):
    version, mayor = signed_electronically()
    original = text_of(version.signed_pdf.open("rb").read())
    public_bytes = version.public_pdf.open("rb").read()
    public = text_of(public_bytes)
    # The parties' original is the full evidence: the maire's account and IP address.
    assert mayor.email in original and "192.0.2.10" in original
    assert not EMAIL.search(public) and not IPV4.search(public), (EMAIL.search(public), IPV4.search(public))
    # Signatories are named, with their quality, in the public copy too.
    assert f"par {mayor.get_full_name()} (le Maire)" in public and "Page de preuves (copie publique)" in public
    result = sealing.verify(public_bytes)
    assert result.ok and result.public_copy and "copie publique" in result.message

    Convention.objects.filter(pk=version.convention_id).update(is_published=True)
    response = client.get(reverse("public_convention_pdf", kwargs={"convention_pk": version.convention_id}))
    assert b"".join(response.streaming_content) == public_bytes


def test_the_audit_export_shows_addresses_to_the_managers_only(client):
    version, mayor = signed_electronically()
    convention = version.convention
    reader = MembershipFactory(organisation=convention.caf, role=Role.VIEWER).user
    url = reverse("audit_export", kwargs={"convention_pk": convention.pk})

    client.force_login(MembershipFactory(organisation=convention.caf, role=Role.CAF_ADVISER).user)
    managed = client.get(url).content.decode("utf-8-sig")
    assert "adresse IP" in managed and "192.0.2.10" in managed and mayor.email in managed

    client.force_login(reader)
    read = client.get(url).content.decode("utf-8-sig")
    assert "signature" in read and mayor.get_full_name() in read
    assert not EMAIL.search(read) and not IPV4.search(read.replace(convention.created_at.isoformat(), ""))


def test_renewal_refuses_a_certificate_that_cannot_serve(own_seal, tmp_path, settings):
    certificates.platform_signer()  # the current one
    current = (own_seal / "platform-seal.p12").read_bytes()
    wrong = tmp_path / "mauvaise-phrase.p12"
    wrong.write_bytes(certificates.self_signed_seal_pkcs12(b"une-autre"))
    with pytest.raises(CommandError, match="ne s'ouvre pas avec SEAL_PKCS12_PASSPHRASE"):
        call_command("renew_seal_certificate", "--from", str(wrong))
    expired = tmp_path / "expire.p12"
    expired.write_bytes(
        certificates.self_signed_seal_pkcs12(
            settings.SEAL_PKCS12_PASSPHRASE.encode(),
            valid_from=datetime.now(UTC) - timedelta(days=40),
            days=10,
        )
    )
    with pytest.raises(CommandError, match="n'est pas valide aujourd'hui"):
        call_command("renew_seal_certificate", "--from", str(expired))
    settings.SEAL_ALLOW_SELF_SIGNED = False
    with pytest.raises(CommandError, match="délivré par votre autorité"):
        call_command("renew_seal_certificate")
    assert (own_seal / "platform-seal.p12").read_bytes() == current  # nothing changed
