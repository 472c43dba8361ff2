"""Load test: 50 concurrent clients for 60 s on pages and API calls, served by gunicorn.

Serves the site with gunicorn (``conf/gunicorn.conf.py``, production settings, a private
memcached when the binary is installed) over loopback and drives it with ``wrk`` (C, one
event loop per thread: 50 keep-alive connections cost the client a fraction of a core, so
the two cores measure the server, not a Python client). Runs, in this order:

* ``/healthz`` (every database, the cache and the broker are checked) and ``/healthz?live``
  (nothing checked), 50 clients each;
* cached API calls only (the statistics endpoints of three subjects, warmed first);
* the mix for the full duration: cached API calls, first hits of other agencies' endpoints
  and pages (``/nc/``, agency list, dashboards with and without ``?year=``, Find a Stop),
  while the NC data version is bumped every few seconds so that every path is periodically
  uncached again.

Reports requests/s, p50/p95/p99 and errors (socket errors and HTTP status ≥ 400) of each
run, checks 0 errors and cached API throughput ≥ half of ``/healthz``'s, and writes the
section "Load test" of ``docs/benchmarks.md``.

    DATABASE_URL=... DATABASE_URL_NC=... python bench/load_bench.py [--generate 2000000]
        [--duration 60] [--clients 50] [--no-write]

``--generate N`` REPLACES the NC raw tables of the configured database by N generated stops
(``bench/api_bench.py``) and rebuilds the summaries; without it the data already there is used.
Needs ``wrk`` (Debian: ``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_bench import (  # noqa: E402 - the project root must be importable first
    ENDPOINTS,
    django_setup,
    machine_description,
    raw_data_generate,
    server_ready_wait,
    subjects_pick,
)

SECTION = "## Load test"
# Aggregated statistics of a wrk run as one JSON line (latency in microseconds).
WRK_SCRIPT = """
local paths = {}
local position = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  position = (id * 7919) % #paths  -- threads start at different places in the list
end
function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, ' ..
    '"max": %d}\\n',
    summary.requests, summary.duration / 1e6, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def memcached_start() -> tuple[subprocess.Popen | None, str]:
    """A private memcached (the production cache) or none; (process, CACHE_HOST)."""
    binary = shutil.which("memcached")
    if binary is None:
        return None, ""
    port = free_port()
    process = subprocess.Popen([binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0",
                                "-m", "256", "-u", "nobody"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return process, f"127.0.0.1:{port}"


def static_collect(env: dict) -> None:
    """Production settings serve hashed static names: collect them into a scratch folder."""
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   cwd=ROOT, env=env, check=True)


def server_env(cache_host: str) -> dict:
    import secrets

    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="traffic_stops.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false", LOG_LEVEL="WARNING", CACHE_HOST=cache_host,
        STATIC_ROOT=tempfile.mkdtemp(prefix="load-bench-static-"),
        GUNICORN_ACCESSLOG="/dev/null", GUNICORN_LOGLEVEL="warning",
    )
    return env


def server_start(port: int, env: dict) -> subprocess.Popen:
    """gunicorn exactly as deployed (``conf/gunicorn.conf.py``), bound to loopback."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "conf/gunicorn.conf.py",
         "traffic_stops.wsgi:application"],
        cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
    )
    return server_ready_wait(process, port)


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Content-Type", "")
    finally:
        connection.close()


def paths_build() -> dict[str, list[str]]:
    """The URL lists: cached API (three subjects), first-hit API (other agencies), pages."""
    from django.db import connections

    subjects = subjects_pick()
    cached = [template.format(endpoint) for template in subjects.values()
              for endpoint in ENDPOINTS]
    largest = int(cached[0].split("/")[4])
    mid = int(cached[len(ENDPOINTS)].split("/")[4])
    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute("SELECT id, name FROM nc_agency ORDER BY id")
        agencies = cursor.fetchall()
    names = dict(agencies)
    others = [pk for pk, _ in agencies if pk not in (largest, mid)]
    first_hits = [f"/nc/api/agency/{pk}/{endpoint}/" for pk in others for endpoint in ENDPOINTS]
    random.Random(7).shuffle(first_hits)
    pages = ["/nc/", "/nc/agency/", f"/nc/agency/{largest}/", f"/nc/agency/{mid}/",
             f"/nc/agency/{largest}/?year=2020", f"/nc/agency/{mid}/?year=2015",
             "/nc/search/?" + urlencode({"agency": names[largest]}),
             "/nc/search/?" + urlencode({"agency": names[mid], "race": "B"}),
             "/nc/search/?" + urlencode({"agency": names[largest], "start_date": "2015-01-01",
                                         "end_date": "2015-12-31"})]
    return {"cached": cached, "first_hits": first_hits, "pages": pages}


def mix_build(paths: dict[str, list[str]]) -> list[str]:
    """The mix: per 20 requests, 10 cached API calls, 3 first hits and 7 pages."""
    cached, first_hits, pages = paths["cached"], paths["first_hits"], paths["pages"]
    mix = []
    for index in range(len(first_hits) // 3):
        mix.extend(cached[(index * 10 + k) % len(cached)] for k in range(10))
        mix.extend(first_hits[index * 3:index * 3 + 3])
        mix.extend(pages[(index * 7 + k) % len(pages)] for k in range(7))
    return mix


def wrk_run(port: int, paths: list[str], *, seconds: int, clients: int, threads: int,
            work: Path) -> dict:
    script = work / "paths.lua"
    script.write_text(WRK_SCRIPT)
    listing = work / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    output = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{port}", "--", str(listing)],
        capture_output=True, text=True, check=True,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["errors"] = sum(result[key] for key in ("connect", "read", "write", "status",
                                                   "timeout"))
    result["rps"] = result["requests"] / result["seconds"]
    return result


class VersionBumper(threading.Thread):
    """Bumps the NC data version every ``every`` seconds: all cached answers go stale."""

    def __init__(self, every: float) -> None:
        super().__init__(daemon=True)
        self.every, self.bumps, self.stopping = every, 0, threading.Event()

    def run(self) -> None:
        from django.db import connections

        from tsdata.data_version import data_version_bump

        while not self.stopping.wait(self.every):
            data_version_bump("nc")
            self.bumps += 1
        connections.close_all()


def data_prepare(stops: int) -> list[str]:
    from tsdata.dataset_facts import dataset_facts_refresh
    from tsdata.stats.services import summary_rebuild

    notes = []
    started = time.perf_counter()
    raw_data_generate(stops)
    notes.append(f"{stops:,} stops generated in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    summary_rebuild("nc", publish=True)
    dataset_facts_refresh("nc")
    notes.append(f"summaries and facts rebuilt in {time.perf_counter() - started:.0f} s")
    return notes


def report(runs: dict[str, dict], *, clients: int, workers: str, cache: str, notes: list[str],
           argv: list[str], load: tuple[float, float], bumps: int, paths: dict) -> str:
    from django.db import connections

    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM nc_stop")
        stops = cursor.fetchone()[0]
    floor = runs["`/healthz` (all services)"]["rps"]
    cached = runs["cached API"]["rps"]
    errors = sum(run["errors"] for run in runs.values())
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine_description()}; {stops:,} NC "
        f"stops; gunicorn `conf/gunicorn.conf.py` ({workers}), production settings, cache "
        f"{cache}; wrk, {clients} connections over loopback. 1-minute load average "
        f"{load[0]:.1f} before, {load[1]:.1f} after. {'; '.join(notes)}.",
        "",
        f"Command: `python bench/load_bench.py {shlex.join(argv)}`",
        "",
        f"Mix: per 20 requests 10 cached API calls ({len(paths['cached'])} URLs: 6 endpoints "
        f"of the largest agency, a mid-size one and the largest agency's busiest officer), 3 "
        f"first hits of other agencies' endpoints ({len(paths['first_hits'])} URLs) and 7 pages "
        f"(`/nc/`, agency list, two dashboards with and without `?year=`, three Find a Stop "
        f"searches); the NC data version was bumped {bumps} times during the mix (every "
        f"cached answer and page went stale each time). Latency in milliseconds.",
        "",
        "| run | seconds | requests | requests/s | p50 | p95 | p99 | max | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, run in runs.items():
        lines.append(
            f"| {label} | {run['seconds']:.0f} | {run['requests']:,} | {run['rps']:,.0f} | "
            f"{run['p50'] / 1000:.1f} | {run['p95'] / 1000:.1f} | {run['p99'] / 1000:.1f} | "
            f"{run['max'] / 1000:.0f} | {run['errors']} |"
        )
    lines += [
        "",
        f"* errors: {errors} in all runs (target 0): {'met' if errors == 0 else 'NOT met'}",
        f"* cached API {cached:,.0f} requests/s against `/healthz` {floor:,.0f} requests/s: "
        f"{cached / floor:.2f}× (target ≥ 0.5×): {'met' if cached >= floor / 2 else 'NOT met'}",
    ]
    return "\n".join(lines) + "\n"


def report_write(text: str) -> Path:
    """Replace the run in the section "Load test" of docs/benchmarks.md: the section's
    description (everything before the line starting with "Run ") stays, the run and
    whatever was written about it are replaced. The section is added if missing."""
    path = ROOT / "docs" / "benchmarks.md"
    content = path.read_text()
    before, found, rest = content.partition(SECTION + "\n")
    section, next_header, after = rest.partition("\n## ")
    intro = section.split("\nRun ", 1)[0].rstrip("\n") if found else (
        "\n`bench/load_bench.py` (in `make bench`, never in CI; its docstring says what it runs)."
    )
    section = f"{SECTION}\n{intro}\n\n{text}"
    if found:
        content = before + section + ("\n## " + after if next_header else "")
    else:
        content = content.rstrip("\n") + "\n\n" + section
    path.write_text(content)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", type=int, default=0, metavar="STOPS",
                        help="replace the NC raw tables with this many generated stops")
    parser.add_argument("--duration", type=int, default=60, help="seconds of the mix")
    parser.add_argument("--short", type=int, default=20,
                        help="seconds of each single-kind run (healthz, cached API)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--bump-seconds", type=float, default=10.0,
                        help="bump the NC data version this often during the mix")
    parser.add_argument("--note", default="", help="free text for the report (e.g. load)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("load_bench needs wrk: apt-get install wrk")

    django_setup()
    from django.db import connections

    notes = data_prepare(args.generate) if args.generate else []
    if args.note:
        notes.append(args.note)
    paths = paths_build()
    connections.close_all()
    cache_process, cache_host = memcached_start()
    env = server_env(cache_host)
    static_collect(env)
    port = free_port()
    server = server_start(port, env)
    work = Path(tempfile.mkdtemp(prefix="load-bench-"))
    runs: dict[str, dict] = {}
    load_before = os.getloadavg()[0]
    bumper = VersionBumper(args.bump_seconds)
    try:
        everything = sorted({*paths["cached"], *paths["first_hits"][:60], *paths["pages"]})
        for path in everything:  # every URL answers, and the cached ones are in the cache
            status, content_type = get(port, path)
            if status != 200:
                raise SystemExit(f"{path} answered {status} before the load")
        for path in paths["cached"]:
            get(port, path)
        common = {"clients": args.clients, "threads": args.threads, "work": work}
        for label, run_paths in (("`/healthz` (all services)", ["/healthz"]),
                                 ("`/healthz?live` (nothing checked)", ["/healthz?live"]),
                                 ("cached API", paths["cached"])):
            runs[label] = wrk_run(port, run_paths, seconds=args.short, **common)
            print(f"[bench] {label}: {runs[label]['rps']:,.0f} requests/s, "
                  f"{runs[label]['errors']} errors", flush=True)
        bumper.start()
        runs["mix (pages, cached and uncached API)"] = wrk_run(
            port, mix_build(paths), seconds=args.duration, **common)
        print(f"[bench] mix: {runs['mix (pages, cached and uncached API)']['rps']:,.0f} "
              "requests/s", flush=True)
    finally:
        bumper.stopping.set()
        server.terminate()
        server.wait(timeout=30)
        if cache_process is not None:
            cache_process.terminate()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(env["STATIC_ROOT"], ignore_errors=True)
    bumper.join(timeout=30)
    workers = (f"{os.environ.get('GUNICORN_WORKERS', (os.cpu_count() or 1) * 2 + 1)} "
               f"{os.environ.get('GUNICORN_WORKER_CLASS', 'sync')} workers")
    text = report(runs, clients=args.clients, workers=workers,
                  cache="memcached" if cache_host else "local memory (memcached not installed)",
                  notes=notes, argv=argv if argv is not None else sys.argv[1:],
                  load=(load_before, os.getloadavg()[0]), bumps=bumper.bumps, paths=paths)
    print(text)
    if not args.no_write:
        print(f"[bench] written to {report_write(text)}")
    failed = any(run["errors"] for run in runs.values()) or (
        runs["cached API"]["rps"] < runs["`/healthz` (all services)"]["rps"] / 2)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
