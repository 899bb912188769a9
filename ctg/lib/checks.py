"""System checks of the deployment settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error


def proxy_count_check(app_configs, **kwargs):
    """Behind a reverse proxy (production trusts its X-Forwarded-Proto), login throttling must
    know how many proxies to skip in X-Forwarded-For: at 0 every visitor has the proxy's
    address, and five wrong passwords from anyone lock an account for everybody."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.PROXY_COUNT:
        return [
            Error(
                "DJANGO_PROXY_COUNT vaut 0 alors que l'application est servie derrière un proxy.",
                hint="Indiquez le nombre de proxys devant l'application (1 pour un nginx seul) dans DJANGO_PROXY_COUNT.",
                id="ctg.E001",
            )
        ]
    return []
