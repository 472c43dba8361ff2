"""``/healthz`` against the real services: every database, the cache and the Redis broker.

A "down" service is a real one that cannot answer: a closed local port, or a local socket
that accepts connections and never says a word (a hung server).
"""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from traffic_stops.tests.test_migrate_all_dbs import _url
from tsdata.stats.tests.test_memcached import memcached_address  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[2]
DATABASE_CHECKS = {f"db:{alias}" for alias in
                   ("default", "traffic_stops_nc", "traffic_stops_md", "traffic_stops_il")}

pytestmark = pytest.mark.django_db(databases="__all__")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hung server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for conn in accepted:
        conn.close()
    listener.close()


def _databases_with(alias: str, port: int) -> dict:
    databases = copy.deepcopy(settings.DATABASES)
    databases[alias]["HOST"] = "127.0.0.1"
    databases[alias]["PORT"] = str(port)
    return databases


def _get(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response.status_code, json.loads(response.content)


def test_all_services_up_answers_200_with_each_component_ok(client) -> None:
    status, body = _get(client)
    assert status == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == DATABASE_CHECKS | {"cache", "broker"}
    for name, check in body["checks"].items():
        assert check["status"] == "ok", name
        assert check["ms"] >= 0
    assert "failed" not in body


def test_broker_on_a_closed_port_answers_503_naming_the_broker(client) -> None:
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{_closed_port()}/0"):
        status, body = _get(client)
    assert status == 503
    assert body["status"] == "fail"
    assert body["failed"] == ["broker"]
    assert body["checks"]["broker"]["error"] == "ConnectionError"
    assert all(body["checks"][name]["status"] == "ok" for name in DATABASE_CHECKS | {"cache"})


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_a_state_database_on_a_closed_port_answers_503_naming_it(client) -> None:
    with override_settings(DATABASES=_databases_with("traffic_stops_md", _closed_port())):
        status, body = _get(client)
    assert status == 503
    assert body["failed"] == ["db:traffic_stops_md"]
    assert body["checks"]["db:traffic_stops_md"]["error"] == "OperationalError"
    assert body["checks"]["db:traffic_stops_nc"]["status"] == "ok"


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_hung_services_fail_within_the_timeout_instead_of_hanging(client, silent_server) -> None:
    databases = _databases_with("default", silent_server)
    broker = f"redis://127.0.0.1:{silent_server}/0"
    started = time.monotonic()
    with override_settings(DATABASES=databases, CELERY_BROKER_URL=broker,
                           HEALTH_CHECK_TIMEOUT=2):
        status, body = _get(client)
    elapsed = time.monotonic() - started
    assert status == 503
    assert sorted(body["failed"]) == ["broker", "db:default"]
    assert elapsed < 4.5, elapsed  # the checks run side by side, each bounded by ~2 s


def test_memcached_on_a_closed_port_answers_503_naming_the_cache(client) -> None:
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": f"127.0.0.1:{_closed_port()}",
            # As in production: the client swallows errors, so only a round trip tells.
            "OPTIONS": {"no_delay": True, "ignore_exc": True},
        }
    }
    with override_settings(CACHES=caches):
        status, body = _get(client)
    assert status == 503
    assert body["failed"] == ["cache"]


def test_a_real_memcached_is_reported_ok(client, memcached_address) -> None:  # noqa: F811
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": memcached_address,
            "OPTIONS": {"no_delay": True, "ignore_exc": True},
        }
    }
    with override_settings(CACHES=caches):
        status, body = _get(client)
    assert status == 200, body
    assert body["checks"]["cache"]["status"] == "ok"


def test_live_probe_answers_without_touching_the_services(client) -> None:
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{_closed_port()}/0"):
        response = client.get("/healthz?live")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}


def _service_env() -> dict[str, str]:
    """Environment that points a subprocess at this run's test databases and broker."""
    env = dict(os.environ)
    env["DATABASE_URL"] = _url(settings.DATABASES["default"]["NAME"])
    for state in ("nc", "md", "il"):
        env[f"DATABASE_URL_{state.upper()}"] = _url(
            settings.DATABASES[f"traffic_stops_{state}"]["NAME"]
        )
    env["REDIS_URL"] = settings.CELERY_BROKER_URL
    return env


PRODUCTION_PROBE = """
import json
from django.test import Client
client = Client()
health = client.get("/healthz")
home = client.get("/")
print(json.dumps({"healthz": health.status_code, "body": json.loads(health.content),
                  "home": home.status_code, "home_location": home.get("Location", "")}))
"""


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_production_settings_answer_healthz_over_plain_http() -> None:
    env = _service_env()
    env["DJANGO_SETTINGS_MODULE"] = "traffic_stops.settings.production"
    env["SECRET_KEY"] = "p" * 30 + "-production-secret-for-the-health-probe-test"
    env["ALLOWED_HOSTS"] = "testserver"
    env.pop("SECURE_SSL_REDIRECT", None)  # production's default: redirect to HTTPS
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRODUCTION_PROBE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["healthz"] == 200, answer  # not redirected, and every service answered
    assert answer["body"]["status"] == "ok"
    # Every other path still goes to HTTPS: the exemption is for the probe only.
    assert answer["home"] == 301
    assert answer["home_location"].startswith("https://")


def _run_container_check(mode: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "conf/healthcheck.py", mode],
        cwd=ROOT, env={**_service_env(), **env}, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_container_web_check_follows_healthz(live_server) -> None:
    ok = _run_container_check("web", HEALTHCHECK_URL=f"{live_server.url}/healthz",
                              ALLOWED_HOSTS="localhost,127.0.0.1")
    assert ok.returncode == 0, ok.stderr
    closed = _run_container_check("web", HEALTHCHECK_URL=f"http://127.0.0.1:{_closed_port()}/")
    assert closed.returncode == 1
    assert "unhealthy" in closed.stderr


def test_container_broker_check() -> None:
    assert _run_container_check("broker").returncode == 0
    down = _run_container_check("broker", REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    assert down.returncode == 1
    assert "ConnectionError" in down.stderr
