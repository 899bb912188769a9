"""ProConnect login against a real OpenID provider process: nothing of the exchange is mocked."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from territories.models import Commune, Role, User
from territories.services import add_member, organisation_for_commune, user_for_proconnect
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def start(client, next_url=None):
    response = client.get(reverse("proconnect_login"), {"next": next_url} if next_url else {})
    assert response.status_code == 302
    return response["Location"]


def sign_in(client, provider, email, next_url=None):
    """The whole round trip; returns the platform's answer to the callback."""
    return client.get(provider.sign_in(start(client, next_url), email))


def authorization_state_key(session) -> str:
    """Where Authlib keeps the state, nonce and PKCE verifier of the pending authorization."""
    keys = session.keys()  # a session is not iterable
    return next(key for key in keys if key.startswith("_state_proconnect_"))


def test_the_authorization_request_carries_state_nonce_and_pkce(client, proconnect_settings):
    provider = proconnect_settings()
    query = parse_qs(urlsplit(start(client)).query)
    assert query["response_type"] == ["code"]
    assert set(query["scope"][0].split()) >= {"openid", "email", "given_name", "usual_name", "siret", "uid", "idp_id"}
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["redirect_uri"] == ["http://testserver/connexion/proconnect/retour/"]
    assert provider.issuer in start(client)


def test_a_new_agent_gets_an_account_from_the_signed_claims(client, proconnect_settings):
    provider = proconnect_settings()
    agent = provider.add_account(email="Camille.Martin@Thiers.fr", usual_name="Martin", siret="21630430400016")

    response = sign_in(client, provider, "camille.martin@thiers.fr")

    user = User.objects.get(proconnect_sub=agent["sub"])
    assert (user.email, user.first_name, user.last_name) == ("camille.martin@thiers.fr", "Camille", "Martin")
    assert user.proconnect_siret == "21630430400016"
    assert not user.has_usable_password()
    # Without an organisation yet, the agent is sent to ask to join the one of their SIRET.
    assert response["Location"] == reverse("join_organisation")
    assert client.get(reverse("home")).wsgi_request.user == user


def test_an_account_is_found_again_by_sub_and_follows_the_claims(client, proconnect_settings):
    provider = proconnect_settings()
    membership = MembershipFactory(user__email="ancienne@thiers.fr")
    agent = provider.add_account(email="nouvelle@thiers.fr", given_name="Anne", usual_name="Roux")
    User.objects.filter(pk=membership.user.pk).update(proconnect_sub=agent["sub"])

    response = sign_in(client, provider, "nouvelle@thiers.fr", next_url="/notifications/")

    assert response["Location"] == "/notifications/"
    membership.user.refresh_from_db()
    assert (membership.user.email, membership.user.get_full_name()) == ("nouvelle@thiers.fr", "Anne Roux")
    assert User.objects.count() == 1


def test_an_existing_account_is_never_taken_over_through_its_email(client, proconnect_settings):
    provider = proconnect_settings()
    owner = UserFactory(email="maire@exemple.fr")
    provider.add_account(email="maire@exemple.fr")

    response = sign_in(client, provider, "maire@exemple.fr")

    assert response["Location"] == reverse("login")
    page = client.get(reverse("login")).content.decode()
    assert "Un compte existe déjà avec l&#x27;adresse maire@exemple.fr" in page
    assert "_auth_user_id" not in client.session
    owner.refresh_from_db()
    assert owner.proconnect_sub is None


def test_a_signed_in_user_links_their_proconnect_identity(client, proconnect_settings):
    provider = proconnect_settings()
    owner = MembershipFactory(user__email="maire@exemple.fr").user
    agent = provider.add_account(email="maire@exemple.fr")
    client.force_login(owner)

    response = sign_in(client, provider, "maire@exemple.fr")

    assert response["Location"] == reverse("profile")
    owner.refresh_from_db()
    assert owner.proconnect_sub == agent["sub"]
    # From then on, ProConnect alone signs the owner in.
    client.logout()
    sign_in(client, provider, "maire@exemple.fr")
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_a_wrong_state_is_refused(client, proconnect_settings):
    provider = proconnect_settings()
    provider.add_account(email="agent@exemple.fr")
    callback = provider.sign_in(start(client), "agent@exemple.fr")
    state = parse_qs(urlsplit(callback).query)["state"][0]

    # Another first character (a state may well start with « x » already).
    response = client.get(callback.replace(state, ("y" if state.startswith("x") else "x") + state[1:]))

    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert not User.objects.exists()


def test_a_callback_from_another_browser_is_refused(client, proconnect_settings):
    provider = proconnect_settings()
    provider.add_account(email="agent@exemple.fr")
    callback = provider.sign_in(start(client), "agent@exemple.fr")

    other_browser = Client()
    other_browser.get(callback)

    assert "_auth_user_id" not in other_browser.session
    assert not User.objects.exists()


def test_a_wrong_nonce_is_refused(client, proconnect_settings):
    provider = proconnect_settings()
    provider.add_account(email="agent@exemple.fr")
    callback = provider.sign_in(start(client), "agent@exemple.fr")
    # The ID token answers the nonce of another authorization request than this one's.
    session = client.session
    state_key = authorization_state_key(session)
    session[state_key]["data"]["nonce"] = "another-request-s-nonce"
    session.save()

    response = client.get(callback)

    assert response["Location"] == reverse("login")
    assert not User.objects.exists()


def test_a_replayed_code_is_refused(client, proconnect_settings):
    provider = proconnect_settings()
    agent = provider.add_account(email="agent@exemple.fr")
    callback = provider.sign_in(start(client), "agent@exemple.fr")
    state_key = authorization_state_key(client.session)
    saved_state = client.session[state_key]
    assert client.get(callback)["Location"] == reverse("join_organisation")

    # Someone who captured the callback replays it with the very state data that went with it:
    # the provider refuses a code that was already exchanged.
    attacker = Client()
    session = attacker.session
    session[state_key] = saved_state
    session.save()
    response = attacker.get(callback)

    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in attacker.session
    assert User.objects.get().proconnect_sub == agent["sub"]


def test_an_expired_code_is_refused(client, proconnect_settings):
    provider = proconnect_settings()
    provider.add_account(email="lent@exemple.fr", faults=["expired_code"])

    response = sign_in(client, provider, "lent@exemple.fr")

    assert response["Location"] == reverse("login")
    assert not User.objects.exists()


def test_a_badly_signed_userinfo_is_refused(client, proconnect_settings):
    provider = proconnect_settings()
    provider.add_account(email="usurpe@exemple.fr", faults=["rogue_userinfo"])

    response = sign_in(client, provider, "usurpe@exemple.fr")

    assert response["Location"] == reverse("login")
    assert "n&#x27;a pas abouti" in client.get(reverse("login")).content.decode()
    assert not User.objects.exists()


def test_signing_out_ends_the_provider_session_with_the_id_token(client, proconnect_settings):
    provider = proconnect_settings()
    provider.add_account(email="agent@exemple.fr")
    sign_in(client, provider, "agent@exemple.fr")
    id_token = client.session["proconnect_id_token"]

    response = client.post(reverse("logout"))

    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{provider.issuer}/session/end"
    query = parse_qs(location.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/connexion/"]
    assert "_auth_user_id" not in client.session


def test_without_configuration_there_is_no_proconnect(client, settings):
    settings.PROCONNECT_CLIENT_ID = ""
    assert "ProConnect" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("proconnect_login")).status_code == 404


def test_the_login_page_offers_proconnect_when_configured(client, proconnect_settings):
    proconnect_settings()
    page = client.get(reverse("login") + "?next=/notifications/").content.decode()
    assert "S’identifier avec <strong>ProConnect</strong>" in page
    assert reverse("proconnect_login") + "?next=/notifications/" in page


def test_an_organisation_without_a_siret_takes_the_one_proconnect_certifies():
    """The open-data export needs each organisation's SIRET: the one ProConnect certifies for
    an agent is adopted by the agent's organisation when it is its own (same SIREN, valid key)
    and the organisation has none; a wrong one changes nothing."""
    commune = organisation_for_commune(Commune.objects.get(code="63124"))
    other = MembershipFactory(organisation=commune).user
    user = UserFactory()
    wrong_key, right = "21630124200001", "21630124200006"
    user_for_proconnect({"sub": "agent-1", "email": user.email, "siret": wrong_key}, signed_in_user=user)
    add_member(commune, user, Role.VIEWER)
    commune.refresh_from_db()
    assert commune.siret == ""
    user_for_proconnect({"sub": "agent-1", "email": user.email, "siret": right})
    commune.refresh_from_db()
    assert commune.siret == right
    # An organisation keeps the SIRET it has; another agent's claims do not replace it.
    user_for_proconnect({"sub": "agent-2", "email": other.email, "siret": "21630124200014"}, signed_in_user=other)
    commune.refresh_from_db()
    assert commune.siret == right
