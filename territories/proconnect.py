"""ProConnect, the State's identity federation for public agents (OpenID Connect).

Authlib runs the authorization code flow: the state, the nonce and the PKCE verifier are kept
in the session and checked on the way back, the ID token's signature, issuer, audience, expiry
and nonce are verified against the provider's published keys (found through its discovery
document). ProConnect answers the userinfo request with a signed JWT, not JSON: it is verified
here against the same keys, for this client and this issuer, and must name the same `sub` as
the ID token."""

import logging
from functools import lru_cache

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

logger = logging.getLogger(__name__)

# What ProConnect gives a service provider about the agent (doc_fs/donnees_fournies).
SCOPES = "openid email given_name usual_name uid siret idp_id"
# Kept in the session for the logout at the provider (it needs `id_token_hint`).
ID_TOKEN_SESSION_KEY = "proconnect_id_token"  # noqa: S105 (a session key, not a secret)


class ProConnectError(Exception):
    """The login did not go through; the message is for the user, in French."""


def is_enabled() -> bool:
    return bool(settings.PROCONNECT_DISCOVERY_URL and settings.PROCONNECT_CLIENT_ID)


@lru_cache(maxsize=8)
def _client(discovery_url: str, client_id: str, client_secret: str):
    # One client per configuration: Authlib keeps the discovery document and the keys it
    # fetched, and fetches the keys again when a token names a key it does not know.
    return OAuth().register(
        "proconnect",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=discovery_url,
        client_kwargs={
            "scope": SCOPES,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_post",
            "timeout": settings.PROCONNECT_TIMEOUT,
        },
    )


def client():
    return _client(settings.PROCONNECT_DISCOVERY_URL, settings.PROCONNECT_CLIENT_ID, settings.PROCONNECT_CLIENT_SECRET)


def authorize_redirect(request, redirect_uri: str):
    """The redirection to ProConnect's login (state, nonce and PKCE verifier saved in the session)."""
    extra = {"acr_values": settings.PROCONNECT_ACR_VALUES} if settings.PROCONNECT_ACR_VALUES else {}
    try:
        return client().authorize_redirect(request, redirect_uri, **extra)
    except (AuthlibBaseError, requests.RequestException, ValueError) as error:
        logger.warning("ProConnect unreachable: %s", error)
        raise ProConnectError("ProConnect ne répond pas pour le moment. Réessayez dans quelques minutes.") from error


def complete_login(request) -> tuple[dict, str]:
    """Exchange the code of the callback and return the verified userinfo claims and the ID token.

    Anything wrong (unknown or reused state, code refused by the provider, nonce, signature,
    issuer, audience or expiry of either token) raises ProConnectError."""
    if request.GET.get("error"):
        raise ProConnectError(_provider_error_message(request.GET.get("error")))
    app = client()
    try:
        token = app.authorize_access_token(request)
        id_claims = token.get("userinfo")
        if not id_claims:
            raise ProConnectError("ProConnect n'a pas renvoyé de jeton d'identité.")
        claims = _verified_userinfo(app, token)
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError) as error:
        logger.warning("ProConnect login refused: %r", error)
        raise ProConnectError(
            "La connexion avec ProConnect n'a pas abouti (lien expiré, déjà utilisé ou réponse invalide). "
            "Recommencez depuis la page de connexion."
        ) from error
    if claims.get("sub") != id_claims.get("sub"):
        logger.warning("ProConnect userinfo sub differs from the ID token's")
        raise ProConnectError("La réponse de ProConnect est incohérente : connexion refusée.")
    return claims, token["id_token"]


def _verified_userinfo(app, token) -> dict:
    metadata = app.load_server_metadata()
    response = app.get(metadata["userinfo_endpoint"], token=token)
    response.raise_for_status()
    registry = JWSRegistry(algorithms=metadata.get("userinfo_signing_alg_values_supported") or ["RS256", "ES256"])
    try:
        decoded = jwt.decode(response.text.strip(), KeySet.import_key_set(app.fetch_jwk_set()), registry=registry)
    except InvalidKeyIdError:
        decoded = jwt.decode(
            response.text.strip(), KeySet.import_key_set(app.fetch_jwk_set(force=True)), registry=registry
        )
    jwt.JWTClaimsRegistry(
        leeway=60,
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": app.client_id},
        sub={"essential": True},
    ).validate(decoded.claims)
    return decoded.claims


def logout_url(id_token: str, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser so that the provider ends its session too."""
    try:
        return client().create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token)[
            "url"
        ]
    except (AuthlibBaseError, requests.RequestException, RuntimeError, ValueError) as error:
        logger.warning("ProConnect logout URL unavailable: %s", error)
        return None


def _provider_error_message(error: str) -> str:
    if error == "access_denied":
        return "Vous avez annulé la connexion avec ProConnect."
    return "ProConnect a refusé la connexion. Recommencez depuis la page de connexion."
