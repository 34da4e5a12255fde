"""The shared cache (Redis) with a per-process fallback while Redis is unreachable.

What the cache holds here is soft: API throttle counters, cached lookups. Losing Redis must not turn every
request that touches the cache — the token endpoint's throttle first of all — into a 500. While Redis does
not answer, reads and writes go to a per-process memory cache (throttles then count per web worker instead
of per site, which is looser but still a limit; account lock-outs live in the database and are unaffected).
After a failure Redis is left alone for `RETRY_AFTER` seconds, so an outage costs one failed attempt per
process every few seconds, not one per request; `/readyz` reports the cache as degraded meanwhile.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds without trying Redis after it failed
_OPERATIONS = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many")


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        # A Redis that is down must fail fast: refused at once, or given up after a second if it is unreachable.
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 1)
        super().__init__(server, {**params, "OPTIONS": options})
        self._fallback = LocMemCache("xiaobao-cache-fallback", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0

    def reachable(self) -> None:
        """Raise unless Redis answers now (for /readyz)."""
        self._cache.get_client(write=True).ping()

    def _call(self, name: str, *args, **kwargs):
        if time.monotonic() >= self._down_until:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except _redis_errors() as exc:
                self._down_until = time.monotonic() + RETRY_AFTER
                logger.warning("cache: Redis unreachable (%s); using the per-process cache", exc.__class__.__name__)
        return getattr(self._fallback, name)(*args, **kwargs)

    def clear(self):
        self._fallback.clear()
        try:
            return super().clear()
        except _redis_errors():
            return False


def _delegate(name: str):
    def method(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


for _name in _OPERATIONS:
    setattr(ResilientRedisCache, _name, _delegate(_name))
