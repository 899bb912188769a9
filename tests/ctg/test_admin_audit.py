"""What is done in the administration is audited: Django's own forms write the journal, and
so do the bulk actions; the journal can be read, not edited or deleted."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from territories.models import EPCI, Organisation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_a_bulk_action_is_written_to_the_journal(client, superuser):
    epci = EPCI.objects.filter(organisation__isnull=True).order_by("siren").first()
    response = client.post(
        reverse("admin:territories_epci_changelist"),
        {"action": "create_organisations", "_selected_action": [epci.pk]},
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(epci=epci)
    entry = LogEntry.objects.get(object_id=str(organisation.pk), content_type__model="organisation")
    assert (entry.user, entry.action_flag) == (superuser, CHANGE)
    assert entry.get_change_message() == "Organisation créée ou vérifiée depuis la liste des EPCI"

    journal = client.get(reverse("admin:admin_logentry_changelist")).content.decode()
    assert organisation.name in journal and "Organisation créée ou vérifiée" in journal


def test_the_journal_cannot_be_edited_or_deleted(client, superuser):
    entry = LogEntry.objects.log_actions(superuser.pk, [superuser], CHANGE, change_message="test", single_object=True)
    assert client.get(reverse("admin:admin_logentry_add")).status_code == 403
    assert client.get(reverse("admin:admin_logentry_delete", args=[entry.pk])).status_code == 403
    change = client.post(reverse("admin:admin_logentry_change", args=[entry.pk]), {"change_message": "effacé"})
    assert change.status_code == 403
    entry.refresh_from_db()
    assert entry.change_message == "test"
