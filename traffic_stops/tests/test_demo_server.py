"""The demo's web server survives a browser: concurrent requests get no 5xx and the number
of database connections stays bounded by the server's pool.

It starts the exact command ``make demo`` serves with (``demo_server_command`` in
``tools/devstack.py``) against this run's test databases, with the demo's settings and debug
off, and fires API and page requests from many threads while it samples
``pg_stat_activity``. Django's development server with ``CONN_MAX_AGE=60`` (the old demo)
kept a connection per request thread and database and failed this test by hand.
"""

from __future__ import annotations

import http.client
import importlib.util
import os
import socket
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

from nc.models import Agency
from traffic_stops.tests.test_migrate_all_dbs import _connect, _url
from tsdata.data_version import data_version_bump
from tsdata.stats.services import summary_rebuild
from tsdata.stats.testing import nc_driver_stop

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 400
CLIENT_THREADS = 12


def _devstack():
    spec = importlib.util.spec_from_file_location("devstack", ROOT / "tools" / "devstack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)  # a new connection per request, as many browsers' tabs do
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        conn.close()


class ConnectionSampler:
    """Peak number of server connections to the test databases while it runs."""

    def __init__(self, databases: list[str]) -> None:
        self.databases = databases
        self.peak = 0
        self._stop = threading.Event()
        self._conn = _connect("postgres")
        self._conn.autocommit = True
        self.baseline = self.count()  # this test process's own connections
        self._thread = threading.Thread(target=self._run, daemon=True)

    def count(self) -> int:
        with self._conn.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY(%s)",
                [self.databases],
            )
            return cursor.fetchone()[0]

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.count() - self.baseline)
            time.sleep(0.02)

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.peak = max(self.peak, self.count() - self.baseline)
        self._conn.close()


@pytest.fixture
def demo_server(tmp_path):
    """The demo's server command on a free port, serving this run's test databases."""
    devstack = _devstack()
    port = _free_port()
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "traffic_stops.settings.dev"  # what make demo uses
    env["DEBUG"] = "false"  # the demo's default
    env["DATABASE_URL"] = _url(settings.DATABASES["default"]["NAME"])
    for state in ("nc", "md", "il"):
        env[f"DATABASE_URL_{state.upper()}"] = _url(
            settings.DATABASES[f"traffic_stops_{state}"]["NAME"]
        )
    env["REDIS_URL"] = settings.CELERY_BROKER_URL
    env.pop("CACHE_HOST", None)
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(
            devstack.demo_server_command("127.0.0.1", port), cwd=ROOT, env=env,
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail("the demo server exited:\n" + log_path.read_text())
        try:
            if _get(port, "/healthz?live")[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the demo server did not answer:\n" + log_path.read_text())
        time.sleep(0.2)
    bound = devstack.DEMO_WORKERS * devstack.DEMO_THREADS * len(settings.DATABASES)
    yield port, bound, log_path
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_demo_server_answers_concurrent_browsers_with_bounded_connections(demo_server) -> None:
    port, bound, log_path = demo_server
    agency = Agency.objects.create(name="Demo Police Department")
    for race, year in (("W", 2014), ("B", 2015), ("B", 2016)):
        nc_driver_stop(agency, race, "N", year=year)
    summary_rebuild("nc")
    data_version_bump("nc")

    expected = {
        "/": 200,
        "/about": 200,
        "/nc/api/agency/": 200,
        f"/nc/api/agency/{agency.pk}/stops/": 200,
        f"/nc/api/agency/{agency.pk}/searches/": 200,
        f"/nc/api/agency/{agency.pk}/stops_by_reason/": 200,
        f"/api/agency/{agency.pk}/stops/": 200,
        "/md/api/agency/": 200,
        "/il/api/agency/": 200,
        "/static/css/site.css": 200,
        "/nc/api/agency/1.2/stops/": 404,
        "/no-such-page/": 404,
    }
    paths = [list(expected)[i % len(expected)] for i in range(REQUESTS)]
    databases = [config["NAME"] for config in settings.DATABASES.values()]
    with ConnectionSampler(databases) as sampler, \
            ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
        answers = list(pool.map(lambda path: (path, *_get(port, path)), paths))

    statuses = Counter(status for _, status, _, _ in answers)
    server_errors = [(path, body[:200]) for path, status, _, body in answers if status >= 500]
    assert server_errors == [], (statuses, server_errors[:5], log_path.read_text()[-3000:])
    wrong = {(path, status) for path, status, _, _ in answers if status != expected[path]}
    assert wrong == set(), wrong
    assert 0 < sampler.peak <= bound, (sampler.peak, bound)

    # What a visitor sees with debug off: the styles, the site's 404 page, JSON under the API.
    by_path = {path: (content_type, body) for path, _, content_type, body in answers}
    assert by_path["/static/css/site.css"][0].startswith("text/css")
    assert b"Page not found" in by_path["/no-such-page/"][1]
    assert by_path["/nc/api/agency/1.2/stops/"][0] == "application/json"


def test_demo_serves_with_debug_off_unless_asked(monkeypatch) -> None:
    devstack = _devstack()
    for name in ("DEMO_DEBUG", "DEBUG"):
        monkeypatch.delenv(name, raising=False)
    assert devstack.demo_debug() is False
    monkeypatch.setenv("DEBUG", "true")  # make demo DEBUG=true
    assert devstack.demo_debug() is True
    monkeypatch.delenv("DEBUG")
    monkeypatch.setenv("DEMO_DEBUG", "1")
    assert devstack.demo_debug() is True


def test_sampler_sees_connections() -> None:
    """The sampler counts real backends (guards the bound check against a silent zero)."""
    extra = psycopg2.connect(_url("postgres"))
    try:
        sampler = ConnectionSampler(["postgres"])
        assert sampler.count() >= 2  # the sampler's own connection and ``extra``
        sampler._conn.close()
    finally:
        extra.close()
