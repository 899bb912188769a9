from django.core.management import call_command
from django.urls import reverse

from ctg.models import OutboundEmail
from territories.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from territories.models import Membership, User


def test_load_demo_is_idempotent_and_every_account_sees_its_organisations(client, db, capsys):
    call_command("load_demo")
    call_command("load_demo")
    output = capsys.readouterr().out
    assert DEMO_PASSWORD in output
    assert Membership.objects.filter(user__email__endswith="@demo.example").count() == len(DEMO_ACCOUNTS)

    for account in DEMO_ACCOUNTS:
        assert client.login(username=account.email, password=DEMO_PASSWORD), account.email
        html = client.get(reverse("home")).content.decode()
        organisation = Membership.objects.get(user__email=account.email).organisation
        assert organisation.name.replace("'", "&#x27;") in html
        assert account.role.label.replace("'", "&#x27;") in html
        client.logout()
    assert User.objects.get(email="staff@demo.example").is_staff


def test_the_demo_mailbox_lists_sent_emails_only_in_the_demo(client, db, settings):
    OutboundEmail.objects.create(to="x@exemple.fr", subject="Votre code de signature", body="Code : 123456")
    settings.DEMO_MAILBOX = False
    assert client.get(reverse("demo_mailbox")).status_code == 404
    settings.DEMO_MAILBOX = True
    html = client.get(reverse("demo_mailbox")).content.decode()
    assert "Votre code de signature" in html and "123456" in html
