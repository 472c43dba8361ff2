"""API latency benchmark: serve the site with gunicorn and time requests over loopback.

Measures p50/p95/p99 of every NC statistics endpoint for the largest agency, a mid-size
agency and one officer of the largest agency, uncached (the data version is bumped before
every timed request, so each one is a first hit that reads the summary tables) and cached,
plus ``/healthz?live`` (the liveness probe, which touches no service) as the floor; writes
the table to ``docs/benchmarks.md`` ("API latency").

The NC raw tables of the configured database are used as they are, or (``--generate N``)
replaced by N generated stops (set-based SQL, skewed like the real data: the largest agency
has about half of all stops), after which the summaries are built by ``summary_build`` (the
import's post-load step).

    DATABASE_URL=... DATABASE_URL_NC=... python bench/api_bench.py [--generate 2000000]
        [--uncached 100] [--cached 300] [--workers 2] [--port 8765] [--no-write]
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import secrets
import shlex
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENDPOINTS = ("stops", "stops_by_reason", "searches", "searches_by_type",
             "contraband_hit_rate", "use_of_force")
SECTION = "## API latency"
SUMMARY_TABLES = ("nc_stopsummary", "nc_officerstopsummary", "nc_searchtypesummary",
                  "nc_officersearchtypesummary")


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traffic_stops.settings.dev")
    import django

    django.setup()


# ---- data -----------------------------------------------------------------------------------

GENERATE_SQL = [
    "SET session_replication_role = replica",  # skip FK triggers while bulk loading
    "TRUNCATE nc_contraband, nc_searchbasis, nc_search, nc_person, nc_stop, nc_agencyalias, "
    "nc_agency CASCADE",
    """INSERT INTO nc_agency (id, name, census_profile_id)
       SELECT g, CASE WHEN g = 1 THEN 'NC State Highway Patrol'
                      ELSE 'Generated agency ' || g END, ''
       FROM generate_series(1, 400) g""",
    # Half of the stops belong to agency 1; the rest spread with a long tail over 2..400.
    """INSERT INTO nc_stop (stop_id, agency_description, agency_id, date, purpose, action,
           driver_arrest, passenger_arrest, encounter_force, engage_force, officer_injury,
           driver_injury, passenger_injury, officer_id, stop_location, stop_city)
       SELECT g, '', a.agency_id,
              timestamptz '2002-01-01 00:00+00' + random() * interval '23 years',
              1 + floor(random() * 10)::int, 1 + floor(random() * 5)::int,
              false, false, random() < 0.01, random() < 0.01, false, false, false,
              CASE WHEN a.agency_id = 1 THEN floor(random() * 2500)::int::text
                   ELSE floor(random() * 60)::int::text END,
              '', ''
       FROM generate_series(1, %(stops)s) g
       CROSS JOIN LATERAL (
           SELECT CASE WHEN random() < 0.5 THEN 1
                       ELSE 2 + floor(399 * power(random(), 3))::int END + (g * 0) AS agency_id
       ) a""",
    """INSERT INTO nc_person (person_id, stop_id, type, age, gender, ethnicity, race)
       SELECT stop_id * 2, stop_id, 'D', 16 + floor(random() * 70)::int,
              CASE WHEN random() < 0.6 THEN 'M' ELSE 'F' END,
              CASE WHEN random() < 0.1 THEN 'H' ELSE 'N' END,
              (ARRAY['W','W','W','W','B','B','B','A','I','U'])[1 + floor(random() * 10)::int]
       FROM nc_stop""",
    """INSERT INTO nc_person (person_id, stop_id, type, age, gender, ethnicity, race)
       SELECT stop_id * 2 + 1, stop_id, 'P', 16 + floor(random() * 70)::int, 'F',
              CASE WHEN random() < 0.1 THEN 'H' ELSE 'N' END,
              (ARRAY['W','B','A','I','U'])[1 + floor(random() * 5)::int]
       FROM nc_stop WHERE random() < 0.15""",
    """INSERT INTO nc_search (search_id, stop_id, person_id, type, vehicle_search,
           driver_search, passenger_search, property_search, vehicle_siezed,
           personal_property_siezed, other_property_sized)
       SELECT stop_id, stop_id, stop_id * 2, 1 + floor(random() * 5)::int,
              true, true, false, false, false, false, false
       FROM nc_stop WHERE random() < 0.04""",
    """INSERT INTO nc_contraband (contraband_id, search_id, person_id, stop_id, ounces, pounds,
           pints, gallons, dosages, grams, kilos, money, weapons, dollar_amount)
       SELECT search_id, search_id, person_id, stop_id, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0
       FROM nc_search WHERE random() < 0.3""",
    "SET session_replication_role = DEFAULT",
    "ANALYZE nc_stop",
    "ANALYZE nc_person",
    "ANALYZE nc_search",
    "ANALYZE nc_contraband",
]


def raw_data_generate(stops: int) -> float:
    """Replace the NC raw tables with ``stops`` generated stops; returns seconds taken."""
    from django.db import connections

    started = time.perf_counter()
    with connections["traffic_stops_nc"].cursor() as cursor:
        for statement in GENERATE_SQL:
            print(f"[bench] {statement.split(chr(10))[0][:70]}", flush=True)
            cursor.execute(statement, {"stops": stops} if "%(stops)s" in statement else None)
    return time.perf_counter() - started


def subjects_pick() -> dict[str, str]:
    """Paths of the largest agency, a mid-size one (about 1% of stops) and an officer."""
    from django.db import connections

    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute(
            "SELECT agency_id, SUM(stops) FROM nc_stopsummary GROUP BY 1 ORDER BY 2 DESC"
        )
        agencies = cursor.fetchall()
        total = sum(count for _, count in agencies)
        largest = agencies[0][0]
        mid = min(agencies[1:], key=lambda row: abs(row[1] - total / 100))[0]
        cursor.execute(
            "SELECT officer_id, SUM(stops) FROM nc_officerstopsummary WHERE agency_id = %s "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
            [largest],
        )
        officer = cursor.fetchone()[0]
    counts = dict(agencies)
    return {
        f"largest agency ({counts[largest]:,} driver rows)": f"/nc/api/agency/{largest}/{{}}/",
        f"mid-size agency ({counts[mid]:,} driver rows)": f"/nc/api/agency/{mid}/{{}}/",
        f"officer {officer} of the largest agency": (
            f"/nc/api/agency/{largest}/{{}}/?officer={officer}"
        ),
    }


# ---- HTTP -----------------------------------------------------------------------------------


def server_start(port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="traffic_stops.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "traffic_stops.wsgi:application",
         "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    return server_ready_wait(process, port)


def server_ready_wait(process: subprocess.Popen, port: int) -> subprocess.Popen:
    """``process`` once its /healthz answers 200 (killed after a minute without)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(port, "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def request(port: int, path: str) -> tuple[int, float]:
    """(status, milliseconds) of one GET over a fresh loopback connection."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        response.read()
        status = response.status
    finally:
        connection.close()
    return status, (time.perf_counter() - started) * 1000


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def measure(port: int, path: str, *, count: int, uncached: bool) -> tuple[float, float, float]:
    from tsdata.data_version import data_version_bump

    samples = []
    if not uncached:
        for _ in range(10):  # every worker gets the entry in its cache
            request(port, path)
    for _ in range(count):
        if uncached:
            data_version_bump("nc")  # new cache keys: the next request is a first hit
        status, elapsed = request(port, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        samples.append(elapsed)
    return percentiles(samples)


# ---- report ---------------------------------------------------------------------------------


def machine_description() -> str:
    import psutil

    return (
        f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, PostgreSQL on the same host"
    )


def report_write(text: str, *, stops: int) -> Path:
    """Put ``text`` under "API latency" as the subsection of this data size (replacing it)."""
    path = ROOT / "docs" / "benchmarks.md"
    content = path.read_text() if path.exists() else "# Benchmarks\n"
    if SECTION not in content:
        content = content.rstrip("\n") + f"\n\n{SECTION}\n"
    before, _, section = content.partition(SECTION)
    section, next_header, after = section.partition("\n## ")
    heading = f"### {stops:,} NC stops"
    parts = section.split("\n### ")
    kept = [parts[0].rstrip("\n")] + [
        "### " + part.rstrip("\n") for part in parts[1:] if not ("### " + part).startswith(heading)
    ]
    kept.append(text.rstrip("\n"))
    section = "\n\n".join(part for part in kept if part.strip()) + "\n"
    content = before + SECTION + "\n\n" + section.lstrip("\n") + (
        "\n## " + after if next_header else ""
    )
    path.write_text(content)
    return path


def targets_check(rows: list[tuple]) -> list[str]:
    """Compare with the issue's targets: largest ≤ 50 ms, mid-size/officer ≤ 20 ms uncached
    p95; cached p95 within 2× the trivial view's p95."""
    floor_p95 = rows[0][4]
    lines = []
    for prefix, limit in (("largest", 50.0), ("mid-size", 20.0), ("officer", 20.0)):
        worst = max((r for r in rows if r[0].startswith(prefix) and r[2] == "uncached"),
                    key=lambda r: r[4])
        verdict = "met" if worst[4] <= limit else "NOT met"
        lines.append(f"* {prefix}: worst uncached p95 {worst[4]:.1f} ms ({worst[1]}), target "
                     f"{limit:.0f} ms: {verdict}")
    worst = max((r for r in rows if r[2] == "cached"), key=lambda r: r[4])
    verdict = "met" if worst[4] <= 2 * floor_p95 else "NOT met"
    lines.append(f"* cached: worst p95 {worst[4]:.1f} ms ({worst[0]}, {worst[1]}) against "
                 f"2 × floor p95 = {2 * floor_p95:.1f} ms: {verdict}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", type=int, default=0, metavar="STOPS",
                        help="replace the NC raw tables with this many generated stops")
    parser.add_argument("--uncached", type=int, default=100, help="timed first hits per URL")
    parser.add_argument("--cached", type=int, default=300, help="timed cached hits per URL")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--note", default="", help="free text for the report (e.g. load)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    django_setup()
    from django.db import connections, transaction

    from tsdata.stats.summaries import summary_build

    notes = []
    if args.generate:
        seconds = raw_data_generate(args.generate)
        notes.append(f"raw data generated in {seconds:.0f} s")
        # Build the summaries exactly as the import's post-load step does (fresh tables,
        # bulk primary-key build), here in the live schema of this benchmark database.
        started = time.perf_counter()
        with transaction.atomic(using="traffic_stops_nc"), connections[
            "traffic_stops_nc"
        ].cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            summary_build(cursor.cursor, cursor.fetchone()[0], state="nc")
        notes.append(
            f"summaries built by the import's post-load step (`summary_build`) in "
            f"{time.perf_counter() - started:.0f} s"
        )
    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM nc_stop")
        stops = cursor.fetchone()[0]
        cursor.execute(
            "SELECT " + " + ".join(f"pg_total_relation_size('{t}')" for t in SUMMARY_TABLES)
        )
        summary_bytes = cursor.fetchone()[0]
    subjects = subjects_pick()
    connections.close_all()

    server = server_start(args.port, args.workers)
    rows = []
    try:
        # The liveness form: the full /healthz opens a connection to every service.
        floor = measure(args.port, "/healthz?live", count=args.cached, uncached=False)
        rows.append(("`/healthz?live` (floor)", "-", "-", *floor))
        for subject, template in subjects.items():
            for endpoint in ENDPOINTS:
                path = template.format(endpoint)
                cold = measure(args.port, path, count=args.uncached, uncached=True)
                warm = measure(args.port, path, count=args.cached, uncached=False)
                rows.append((subject, endpoint, "uncached", *cold))
                rows.append((subject, endpoint, "cached", *warm))
                print(f"[bench] {subject} {endpoint}: uncached p95 {cold[1]:.1f} ms, "
                      f"cached p95 {warm[1]:.1f} ms", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)

    load = os.getloadavg()
    lines = [
        f"### {stops:,} NC stops",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine_description()}; "
        f"{stops:,} NC stops (summary tables {summary_bytes / 2**20:.0f} MiB); gunicorn "
        f"{args.workers} sync workers, production settings, local-memory cache (one per "
        f"worker); one new loopback connection per request. Load average at the end "
        f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} (machine shared with other agents)."
        + (" " + "; ".join(notes) + "." if notes else "")
        + (" " + args.note if args.note else ""),
        "",
        "Command: `python bench/api_bench.py "
        + shlex.join(argv if argv is not None else sys.argv[1:]) + "`",
        "",
        "Uncached = the data version is bumped before each timed request, so every request is "
        f"a first hit reading the summary tables ({args.uncached} samples per row); cached = "
        f"served from the response cache ({args.cached} samples per row). Milliseconds.",
        "",
        "| subject | endpoint | cache | p50 | p95 | p99 |",
        "|---|---|---|---:|---:|---:|",
    ]
    lines += [
        f"| {subject} | {endpoint} | {cache} | {p50:.1f} | {p95:.1f} | {p99:.1f} |"
        for subject, endpoint, cache, p50, p95, p99 in rows
    ]
    lines += ["", "Targets of issue 5:", "", *targets_check(rows)]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        print(f"[bench] written to {report_write(text, stops=stops)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
