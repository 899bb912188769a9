"""Stored files leave only through views that check rights: a member downloads, an outsider
gets a 404, nothing under /media/ is reachable; behind nginx the bytes go by X-Accel-Redirect."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from governance.models import ConventionVersion
from territories.models import Role
from tests.factories import MembershipFactory, make_convention

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n% version figee de test\n%%EOF\n"


@pytest.fixture
def version():
    convention = make_convention()
    version = ConventionVersion(convention=convention, number=1, snapshot={}, snapshot_sha256="0" * 64, pdf_sha256="0")
    version.pdf.save("convention-v1.pdf", ContentFile(PDF), save=False)
    version.save()
    return version


def url_of(version):
    return reverse("version_pdf", kwargs={"convention_pk": version.convention_id, "version_pk": version.pk})


def test_a_member_downloads_through_the_view_and_an_outsider_gets_a_404(client, version):
    client.force_login(MembershipFactory(organisation=version.convention.caf, role=Role.VIEWER).user)
    response = client.get(url_of(version))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"

    client.force_login(MembershipFactory(role=Role.CAF_ADVISER).user)
    assert client.get(url_of(version)).status_code == 404
    assert client.get(f"/media/{version.pdf.name}").status_code == 404  # never served directly


def test_behind_nginx_the_view_checks_rights_and_hands_the_bytes_over(client, version, settings):
    settings.PROTECTED_FILES_ACCEL_PREFIX = "/_fichiers/"
    client.force_login(MembershipFactory(organisation=version.convention.caf, role=Role.VIEWER).user)
    response = client.get(url_of(version))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_fichiers/{version.pdf.name}"
    assert response.content == b""  # nginx sends the file
    assert response["Content-Type"] == "application/pdf"

    client.force_login(MembershipFactory(role=Role.CAF_ADVISER).user)
    response = client.get(url_of(version))
    assert response.status_code == 404 and not response.has_header("X-Accel-Redirect")
