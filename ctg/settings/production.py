"""Production: everything secret comes from the environment; `check --deploy` is clean."""

from ctg.settings.base import *  # noqa: F403
from ctg.settings.base import REDIS_URL, STORAGES, env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
# The container health checks call the app on the loopback.
ALLOWED_HOSTS = [*env.list("DJANGO_ALLOWED_HOSTS"), "127.0.0.1", "localhost"]
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies stand in front (nginx alone: 1), required; `check --deploy` refuses 0.
PROXY_COUNT = env.int("DJANGO_PROXY_COUNT")
AXES_IPWARE_PROXY_COUNT = max(PROXY_COUNT - 1, 0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if PROXY_COUNT else ("REMOTE_ADDR",)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_AGE = 8 * 3600
# Documents are sealed with the platform's own certificate (SEAL_PKCS12_FILE and its
# passphrase): a certificate made up on the spot is for the demo and the tests only, and the
# system check refuses to start without a real one (governance.checks).
SEAL_ALLOW_SELF_SIGNED = False

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Shared by the web workers (small reference lists every page reads).
CACHES = {
    "default": {
        # Without Redis, values are computed again instead of failing (ctg.lib.cache).
        "BACKEND": "ctg.lib.cache.TolerantRedisCache",
        # Its own database: clearing the cache must not drop the queued jobs.
        "LOCATION": env.str("CACHE_REDIS_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/1"),
        "KEY_PREFIX": "ctg",
        # A Redis that does not answer costs a request half a second at most.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}
