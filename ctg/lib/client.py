"""Who is on the other end of a request."""

from axes.helpers import get_client_ip_address


def client_ip(request) -> str | None:
    """The visitor's address as the login throttling sees it: behind the configured proxies,
    the address the last of them received the request from (not the proxy's own)."""
    return get_client_ip_address(request)
