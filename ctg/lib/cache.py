"""Django's Redis cache, made optional: when Redis does not answer, reads miss and writes are
dropped (with a warning) instead of failing the request. The cache only ever holds what can be
rebuilt (pages, lists of départements), so a page is then built as if it were the first view:
slower, never wrong, never an error."""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _tolerant(name, fallback):
    method = getattr(RedisCache, name)

    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UNAVAILABLE as error:
            logger.warning("cache unavailable (%s: %s): %s without it", type(error).__name__, error, name)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    call.__name__ = name
    return call


def _default(key, default=None, *args, **kwargs):
    return default


class TolerantRedisCache(RedisCache):
    """get_or_set and the other composite methods go through these, and so tolerate too."""

    get = _tolerant("get", _default)
    get_many = _tolerant("get_many", {})
    has_key = _tolerant("has_key", False)
    set = _tolerant("set", None)
    add = _tolerant("add", False)
    set_many = _tolerant("set_many", [])
    touch = _tolerant("touch", False)
    delete = _tolerant("delete", False)
    delete_many = _tolerant("delete_many", None)
    clear = _tolerant("clear", False)
