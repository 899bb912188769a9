from django.urls import reverse

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
