"""``tools/devstack.py demo`` (what ``make demo`` runs): serves the site, the printed admin
credentials log in, Ctrl-C stops everything it started, and a second run works too."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from psycopg2 import sql

from traffic_stops.tests.test_migrate_all_dbs import _connect, _url

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def demo_databases():
    base = f"demotest_{os.getpid()}"
    names = [base, f"{base}_nc", f"{base}_md", f"{base}_il"]
    yield base
    admin = _connect("postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        for name in names:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    admin.close()


def _start_demo(base: str, port: int, data_dir: Path) -> tuple[subprocess.Popen, Path]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["DATABASE_URL"] = _url(base)
    for state in ("nc", "md", "il"):  # never touch the server's real state databases
        env[f"DATABASE_URL_{state.upper()}"] = _url(f"{base}_{state}")
    env["REDIS_URL"] = settings.CELERY_BROKER_URL
    env["DATA_DIR"] = str(data_dir)
    env["DEMO_PORT"] = str(port)
    env["DEMO_STOPS"] = "3000"  # keep the sample data small in the test suite
    log_path = data_dir / f"demo-{time.monotonic_ns()}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file = open(log_path, "w")  # noqa: SIM115 - closed by the process' end
    process = subprocess.Popen(
        [sys.executable, "tools/devstack.py", "demo"],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log_path


def _wait_for_site(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("demo exited early:\n" + log_path.read_text())
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail("demo did not serve / in time:\n" + log_path.read_text())


def _admin_login(port: int, username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_url = f"http://127.0.0.1:{port}/admin/login/?next=/admin/"
    page = opener.open(login_url, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password,
         "next": "/admin/"}
    ).encode()
    request = urllib.request.Request(login_url, data=data, headers={"Referer": login_url})
    return opener.open(request, timeout=10).read().decode()


def _stop(process: subprocess.Popen, log_path: Path) -> None:
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("demo did not stop on Ctrl-C:\n" + log_path.read_text())


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _children_alive(process: subprocess.Popen) -> list[str]:
    result = subprocess.run(
        ["ps", "-o", "pid=,args=", "-g", str(process.pid)], capture_output=True, text=True
    )
    return [line for line in result.stdout.splitlines() if line.strip()]


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_demo_serves_site_and_admin_twice(demo_databases, tmp_path) -> None:
    data_dir = tmp_path / "data"
    credentials = None
    for _ in range(2):
        port = _free_port()
        process, log_path = _start_demo(demo_databases, port, data_dir)
        try:
            _wait_for_site(port, process, log_path)
            output = log_path.read_text()
            match = re.search(r"Login:\s+(\S+) / (\S+)", output)
            assert match, output
            if credentials is not None:
                assert match.groups() == credentials  # idempotent: same admin user
            credentials = match.groups()
            home = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read()
            assert b"No data imported yet." not in home  # all three states show data
            admin_page = _admin_login(port, *credentials)
            assert "Site administration" in admin_page
        finally:
            _stop(process, log_path)
        assert process.returncode in (0, 130), log_path.read_text()
        assert _children_alive(process) == []
        assert not _port_open(port)  # the web server (its own session) is gone too
    conn = psycopg2.connect(_url(demo_databases))
    with conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auth_user WHERE username = 'admin'")
        assert cursor.fetchone()[0] == 1
        # The sample data of all three states were imported and their facts computed.
        cursor.execute("SELECT state_key, total_stops FROM tsdata_statefacts ORDER BY 1")
        facts = dict(cursor.fetchall())
        # The sample ACS vintages were imported once (the second run keeps them).
        cursor.execute("SELECT year, count(*) FROM tsdata_censusprofile GROUP BY 1 ORDER BY 1")
        census = cursor.fetchall()
    conn.close()
    assert set(facts) == {"il", "md", "nc"}
    assert all(total > 1000 for total in facts.values()), facts
    assert [year for year, _ in census] == [2016, 2022] and census[0][1] == census[1][1] > 200
    for state in ("nc", "md", "il"):
        state_conn = psycopg2.connect(_url(f"{demo_databases}_{state}"))
        with state_conn, state_conn.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {state}_stop")
            assert cursor.fetchone()[0] == facts[state]
            cursor.execute(f"SELECT count(*) FROM {state}_agency WHERE census_profile_id <> ''")
            assert cursor.fetchone()[0] > 0  # sample agencies linked to census profiles
        state_conn.close()
