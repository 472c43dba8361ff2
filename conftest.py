"""Project-wide pytest fixtures: a real Celery worker against the configured Redis."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


WORKER_MAIL_DIR = ROOT / ".data" / f"celery-test-mail-{os.getpid()}"


def celery_worker_start(*, name: str, log_path: Path, queues: str | None = None,
                        extra_env: dict[str, str] | None = None,
                        new_session: bool = False) -> subprocess.Popen:
    """Start ``celery worker`` on the test databases and the real broker; wait until ready.

    Its mail goes to files in ``WORKER_MAIL_DIR`` (tests read them back). ``new_session``
    puts it in a process group of its own, so a test can kill it with its pool processes.
    """
    from django.conf import settings

    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "traffic_stops.settings.test"
    env["REDIS_URL"] = settings.CELERY_BROKER_URL
    env["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
    env["EMAIL_FILE_PATH"] = str(WORKER_MAIL_DIR)
    env.update(extra_env or {})
    # The worker must talk to the test databases pytest-django created.
    for alias, config in settings.DATABASES.items():
        suffix = "" if alias == "default" else "_" + alias.rsplit("_", 1)[-1].upper()
        env[f"DATABASE_URL{suffix}"] = _database_url(config)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    WORKER_MAIL_DIR.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "celery", "-A", "traffic_stops", "worker",
               "--loglevel=INFO", "--concurrency=1", "--without-gossip", "--without-mingle",
               "--without-heartbeat", "-n", f"{name}-{os.getpid()}@%h"]
    if queues:
        command += ["-Q", queues]
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=new_session)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if "ready." in log_path.read_text():
            return process
        if process.poll() is not None:
            pytest.fail(f"celery worker exited early:\n{log_path.read_text()}")
        time.sleep(0.3)
    process.kill()
    pytest.fail(f"celery worker did not become ready:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:
    """A ``celery worker`` subprocess using the test databases and the real broker."""
    process = celery_worker_start(name="test-worker",
                                  log_path=ROOT / ".data" / "celery-test-worker.log",
                                  extra_env={"IMPORT_PROGRESS_SECONDS": "0.2"})
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(WORKER_MAIL_DIR, ignore_errors=True)


def _database_url(config: dict) -> str:
    """Rebuild a libpq URL for a Django database config (test database name)."""
    from urllib.parse import quote

    name = config["TEST"]["NAME"]
    user = quote(config.get("USER") or "")
    password = quote(config.get("PASSWORD") or "")
    host = config.get("HOST") or ""
    port = config.get("PORT") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    if host.startswith("/"):
        return f"postgres://{auth}/{name}?host={quote(host)}" + (f"&port={port}" if port else "")
    return f"postgres://{auth}{host}{':' + str(port) if port else ''}/{name}"
