"""A real OpenID provider configured like ProConnect (tests/oidc_provider, Node's certified
`oidc-provider`), started once per test process, and what tests need to use it."""

import copy
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from django.urls import reverse

from territories import proconnect

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"


@dataclass
class Provider:
    """The running provider: its issuer and its control API."""

    origin: str
    issuer: str

    def add_account(self, *, email, given_name="Camille", usual_name="Martin", siret="", faults=(), **claims):
        sub = claims.pop("sub", None) or secrets.token_hex(16)
        account = {
            "sub": sub,
            "email": email,
            "given_name": given_name,
            "usual_name": usual_name,
            "siret": siret,
            "uid": sub[:8],
            "idp_id": "fia1v2",
            "_faults": list(faults),
            **claims,
        }
        requests.post(f"{self.origin}/control/accounts", json=account, timeout=5).raise_for_status()
        return account

    def add_client(self, redirect_bases) -> tuple[str, str]:
        client_id, secret = secrets.token_hex(8), secrets.token_hex(16)
        client = {
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": [urljoin(base, reverse("proconnect_callback")) for base in redirect_bases],
            "post_logout_redirect_uris": [urljoin(base, reverse("login")) for base in redirect_bases],
        }
        requests.post(f"{self.origin}/control/clients", json=client, timeout=5).raise_for_status()
        return client_id, secret

    def sign_in(self, authorize_url: str, email: str) -> str:
        """What the agent does at the provider: type the address, continue. Returns the callback
        URL (with its code and state) the provider sends the browser back to."""
        session = requests.Session()
        page = session.get(authorize_url, timeout=5)
        page.raise_for_status()
        uid = page.url.rstrip("/").rsplit("/", 1)[1]
        response = session.post(f"{self.origin}/interaction/{uid}/login", data={"email": email}, allow_redirects=False)
        while response.is_redirect and response.headers["Location"].startswith(self.origin):
            response = session.get(response.headers["Location"], allow_redirects=False, timeout=5)
        assert response.is_redirect, response.text
        return response.headers["Location"]


@pytest.fixture(scope="session")
def oidc_provider():
    if not (PROVIDER_DIR / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=PROVIDER_DIR, check=True, timeout=300)
    process = subprocess.Popen(
        ["node", "provider.js", "0"], cwd=PROVIDER_DIR, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = process.stdout.readline()
        process.stdout.close()
        assert line.startswith("ready "), f"the OpenID provider did not start: {line!r}"
        issuer = line.split()[1]
        yield Provider(origin=issuer.removesuffix("/api/v2"), issuer=issuer)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def proconnect_settings(settings, oidc_provider):
    """Point the platform at the test provider, with a client of its own for this test."""

    def configure(*redirect_bases):
        client_id, secret = oidc_provider.add_client(redirect_bases or ("http://testserver",))
        settings.PROCONNECT_DISCOVERY_URL = f"{oidc_provider.issuer}/.well-known/openid-configuration"
        settings.PROCONNECT_CLIENT_ID = client_id
        settings.PROCONNECT_CLIENT_SECRET = secret
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["form-action"].append(oidc_provider.origin)
        settings.CONTENT_SECURITY_POLICY = policy
        proconnect._client.cache_clear()
        return oidc_provider

    yield configure
    proconnect._client.cache_clear()
