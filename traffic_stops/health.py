"""Health of the services the site depends on: each database, the cache and the broker.

Selectors only (they read, never change anything except one throw-away cache key). Each
check opens its own short-lived connection with a short timeout instead of borrowing the
request's persistent ones, so a dead or unreachable service makes the probe answer "failed"
within about ``HEALTH_CHECK_TIMEOUT`` seconds instead of hanging it, and a probe never leaves
connections behind. The checks run side by side, so the probe takes as long as the slowest.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

import psycopg2
import redis
from django.conf import settings
from django.core.cache import caches

logger = logging.getLogger(__name__)

# libpq rounds connect timeouts below 2 seconds up to 2.
DEFAULT_TIMEOUT_SECONDS = 2.0
# Keys of a Django PostgreSQL OPTIONS dict that are Django's, not libpq connection parameters.
_DJANGO_ONLY_OPTIONS = {"isolation_level", "server_side_binding", "pool", "assume_role"}


@dataclass(frozen=True)
class ComponentHealth:
    name: str
    ok: bool
    milliseconds: float
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "status": "ok" if self.ok else "fail",
            "ms": round(self.milliseconds, 1),
        }
        if self.error:
            data["error"] = self.error
        return data


@dataclass(frozen=True)
class SiteHealth:
    components: tuple[ComponentHealth, ...]

    @property
    def ok(self) -> bool:
        return all(component.ok for component in self.components)

    @property
    def failed(self) -> list[str]:
        return [component.name for component in self.components if not component.ok]

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"status": "ok" if self.ok else "fail"}
        if not self.ok:
            data["failed"] = self.failed
        data["checks"] = {component.name: component.as_dict() for component in self.components}
        return data


def health_timeout() -> float:
    return float(getattr(settings, "HEALTH_CHECK_TIMEOUT", DEFAULT_TIMEOUT_SECONDS))


def database_ping(alias: str, timeout: float) -> None:
    """``SELECT 1`` on a fresh connection to the database behind ``alias``."""
    config = settings.DATABASES[alias]
    params: dict[str, object] = {
        key: value
        for key, value in (config.get("OPTIONS") or {}).items()
        if key not in _DJANGO_ONLY_OPTIONS
    }
    for key, setting in (("dbname", "NAME"), ("user", "USER"), ("password", "PASSWORD"),
                         ("host", "HOST"), ("port", "PORT")):
        if config.get(setting):
            params[key] = config[setting]
    millis = int(timeout * 1000)
    params["connect_timeout"] = max(2, int(timeout + 0.999))
    params["options"] = f"{params.get('options', '')} -c statement_timeout={millis}".strip()
    connection = psycopg2.connect(**params)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            if cursor.fetchone() != (1,):
                raise RuntimeError("SELECT 1 did not answer 1")
    finally:
        connection.close()


def cache_round_trip(timeout: float) -> None:
    """Store and read back a throw-away key: the memcached client swallows errors
    (``ignore_exc``), so only a value that comes back proves the cache answers."""
    cache = caches["default"]
    key = f"healthz:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    try:
        cache.set(key, value, timeout=max(1, int(timeout * 5)))
        if cache.get(key) != value:
            raise RuntimeError("the cache did not return the value just stored")
        cache.delete(key)
    finally:
        cache.close()  # this thread's client; the request's own clients are not touched


def redis_client_url(broker_url: str) -> str:
    """The broker URL in redis-py's form (kombu writes Unix sockets as ``redis+socket://``)."""
    scheme, sep, rest = broker_url.partition("://")
    if not sep:
        raise ValueError("the broker URL has no scheme")
    if scheme == "redis+socket":
        return "unix://" + rest.split("?", 1)[0]
    if scheme in ("redis", "rediss", "unix"):
        return broker_url
    raise ValueError(f"unsupported broker scheme {scheme!r} (expected Redis)")


def broker_ping(timeout: float) -> None:
    broker_url_ping(settings.CELERY_BROKER_URL, timeout)


def broker_url_ping(broker_url: str, timeout: float) -> None:
    """PING the Redis server of a Celery broker URL (no Django settings needed)."""
    client = redis.Redis.from_url(
        redis_client_url(broker_url),
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
    )
    try:
        if client.ping() is not True:
            raise RuntimeError("PING did not answer PONG")
    finally:
        client.close()


def _timed(name: str, check: Callable[[], None]) -> ComponentHealth:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # any failure of a dependency is reported, not raised
        elapsed = (time.perf_counter() - started) * 1000
        logger.warning("health check %s failed: %s: %s", name, type(exc).__name__, exc)
        # Only the exception's class goes into the public answer; details stay in the log.
        return ComponentHealth(name, False, elapsed, type(exc).__name__)
    return ComponentHealth(name, True, (time.perf_counter() - started) * 1000)


def health_checks() -> list[tuple[str, Callable[[], None]]]:
    """(name, check) for each database alias, the cache and the broker."""
    timeout = health_timeout()
    checks: list[tuple[str, Callable[[], None]]] = [
        (f"db:{alias}", lambda alias=alias: database_ping(alias, timeout))
        for alias in settings.DATABASES
    ]
    checks.append(("cache", lambda: cache_round_trip(timeout)))
    checks.append(("broker", lambda: broker_ping(timeout)))
    return checks


def site_health() -> SiteHealth:
    """Run every check side by side; one still running after the deadline counts as failed."""
    checks = health_checks()
    deadline = health_timeout() + 1.0
    started = time.perf_counter()
    executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="healthz")
    try:
        futures = [executor.submit(_timed, name, check) for name, check in checks]
        wait(futures, timeout=deadline)
    finally:
        # Never wait for a hung check: its own socket timeout ends its thread later.
        executor.shutdown(wait=False, cancel_futures=True)
    components = []
    for (name, _), future in zip(checks, futures, strict=True):
        if future.done():
            components.append(future.result())
        else:
            logger.warning("health check %s did not answer within %.1f s", name, deadline)
            elapsed = (time.perf_counter() - started) * 1000
            components.append(ComponentHealth(name, False, elapsed, "Timeout"))
    return SiteHealth(tuple(components))
