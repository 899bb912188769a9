import re

from django.http import HttpRequest
from django.urls import reverse

from ctg.models import OutboundEmail
from tests.factories import DEFAULT_PASSWORD, MembershipFactory


def test_log_in_with_email_and_password_then_out(client, db):
    membership = MembershipFactory()
    response = client.post(
        reverse("login"),
        {"username": membership.user.email.upper(), "password": DEFAULT_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert membership.organisation.name in response.content.decode()

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_a_wrong_password_is_refused_in_french(client, db):
    membership = MembershipFactory()
    response = client.post(reverse("login"), {"username": membership.user.email, "password": "faux"})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.content.decode()


def test_pages_carry_skip_links_and_the_accessibility_statement(client, db):
    html = client.get(reverse("login")).content.decode()
    assert 'href="#contenu"' in html
    assert reverse("accessibility") in html
    assert '<html lang="fr">' in html


def test_assets_are_served_by_the_app_under_a_strict_policy(client, db):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    html = response.content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "/static/vendor/htmx/htmx.min.js" in html
    assert "cdn" not in html.lower()


def test_a_forgotten_password_is_reset_through_the_emailed_link(client, db):
    membership = MembershipFactory()
    response = client.post(reverse("password_reset"), {"email": membership.user.email})
    assert response.status_code == 302
    email = OutboundEmail.objects.get(to=membership.user.email)
    path = re.search(r"https?://[^/\s]+(/mot-de-passe/reinitialiser/\S+)", email.body).group(1)

    form_page = client.get(path, follow=True)
    assert "Nouveau mot de passe" in form_page.content.decode()
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "une-nouvelle-phrase", "new_password2": "une-nouvelle-phrase"},
    )
    assert client.login(request=HttpRequest(), username=membership.user.email, password="une-nouvelle-phrase")
    client.logout()
    # The link served once.
    assert "plus valable" in client.get(path, follow=True).content.decode()


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "inconnu@exemple.fr"}, follow=True)
    assert "Si un compte existe pour cette adresse" in response.content.decode()
    assert not OutboundEmail.objects.exists()


def test_five_wrong_passwords_lock_that_address_out_for_a_while(client, db):
    """Login throttling (django-axes): the fifth failure locks the address out, then even the
    right password is refused, in French, whatever the case of the address; another account is
    untouched."""
    victim, other = MembershipFactory().user, MembershipFactory().user
    for attempt in range(5):
        address = victim.email.upper() if attempt % 2 else victim.email
        response = client.post(reverse("login"), {"username": address, "password": f"devine-{attempt}"})
        assert response.status_code == (429 if attempt == 4 else 200)
    response = client.post(reverse("login"), {"username": victim.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert "Trop de tentatives de connexion ont échoué" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302  # not logged in
    response = client.post(reverse("login"), {"username": other.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302

    from axes.utils import reset

    reset(username=victim.email)  # what an administrator does from the admin, or the cool-off
    fresh = client.__class__()
    response = fresh.post(reverse("login"), {"username": victim.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def login(client, email, password, place):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=place)


def test_twenty_wrong_passwords_from_many_places_lock_the_address(client, db):
    """Four tries from each of five places stay under the per-place limit: the address is
    locked all the same, from anywhere; another address is untouched."""
    victim, other = MembershipFactory().user, MembershipFactory().user
    statuses = [login(client, victim.email, "devine", f"10.0.0.{n // 4}").status_code for n in range(20)]
    assert statuses == [200] * 19 + [429]
    assert login(client, victim.email, DEFAULT_PASSWORD, "192.0.2.7").status_code == 429
    assert login(client, other.email, DEFAULT_PASSWORD, "192.0.2.7").status_code == 302


def test_fifty_wrong_passwords_from_one_place_lock_the_place_whatever_the_addresses(client, db):
    """A few passwords tried against many accounts; a right password for one account from
    that place does not wipe the count of the place."""
    users = [MembershipFactory().user for _ in range(3)]
    statuses = [login(client, f"agent{n}@exemple.fr", "Printemps2026", "203.0.113.9").status_code for n in range(48)]
    assert set(statuses) == {200}
    assert login(client, users[0].email, DEFAULT_PASSWORD, "203.0.113.9").status_code == 302
    client.post(reverse("logout"))
    assert login(client, "agent48@exemple.fr", "Printemps2026", "203.0.113.9").status_code == 200
    assert login(client, "agent49@exemple.fr", "Printemps2026", "203.0.113.9").status_code == 429
    assert login(client, users[1].email, DEFAULT_PASSWORD, "203.0.113.9").status_code == 429
    assert login(client, users[2].email, DEFAULT_PASSWORD, "198.51.100.4").status_code == 302


def test_behind_a_proxy_each_visitor_counts_apart(client, db, settings):
    """Behind one proxy (what `DJANGO_PROXY_COUNT=1` sets), the visitor's address is the one
    the proxy appended to X-Forwarded-For: one visitor's five wrong passwords do not lock the
    account for another visitor, and what a visitor writes in the header changes nothing."""
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    victim = MembershipFactory().user
    for attempt in range(5):
        response = client.post(
            reverse("login"),
            {"username": victim.email, "password": "devine"},
            REMOTE_ADDR="10.1.1.1",  # the proxy
            # A forged address on the left, then the one the proxy saw.
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, 198.51.100.66",
        )
    assert response.status_code == 429
    response = client.post(
        reverse("login"),
        {"username": victim.email, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.1.1.1",
        HTTP_X_FORWARDED_FOR="192.0.2.20",
    )
    assert response.status_code == 302
