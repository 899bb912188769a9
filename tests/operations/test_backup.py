"""Backup and restore, as the runbook says (README, "Production"): the database and the files
of a platform holding a sealed convention are saved, restored into a fresh database and
folder, and the restored sealed PDF still verifies."""

import hashlib

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from governance import sealing
from governance.models import ConventionVersion
from tests.factories import ConventionFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def files_on_disk(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": settings.MEDIA_ROOT},
        },
    }
    return settings.MEDIA_ROOT


@pytest.fixture
def fresh_database():
    """An empty database beside the test one, dropped at the end."""
    database = connection.settings_dict
    name = f"{database['NAME']}_restauree"
    admin = psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname="postgres", autocommit=True
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    yield {**database, "NAME": name}
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_a_restored_backup_holds_the_sealed_convention_and_its_pdf_still_verifies(
    files_on_disk,
    fresh_database,
    tmp_path,
):
    montlucon = ConventionFactory(signed=True, communes=2)
    version = ConventionVersion.objects.current(montlucon)
    backup = tmp_path / "sauvegarde"
    call_command("backup_platform", str(backup))
    assert (backup / "base.dump").stat().st_size > 100_000

    target = fresh_database
    url = f"postgres://{target['USER']}@{target['HOST']}:{target['PORT']}/{target['NAME']}"
    restored_media = tmp_path / "fichiers-restaures"
    call_command("restore_platform", str(backup), database_url=url, media_root=str(restored_media))

    with psycopg.connect(host=target["HOST"], port=target["PORT"], user=target["USER"], dbname=target["NAME"]) as db:
        title, path, fingerprint = db.execute(
            "SELECT c.title, v.signed_pdf, v.signed_sha256 FROM governance_conventionversion v"
            " JOIN ctg_convention c ON c.id = v.convention_id WHERE v.id = %s",
            [version.pk],
        ).fetchone()
        deliberations = db.execute(
            "SELECT count(*) FROM governance_deliberation WHERE convention_id = %s", [montlucon.pk]
        ).fetchone()[0]
    assert title == montlucon.title and deliberations == montlucon.deliberations.count()
    restored = (restored_media / path).read_bytes()
    assert hashlib.sha256(restored).hexdigest() == fingerprint
    assert sealing.verify(restored).ok
