"""Benchmark Find a Stop (not a test, not run in CI): the largest NC agency's first page and
page 1,000, over loopback HTTP against gunicorn, count cached and not.

Uses the NC data of the configured database (``DATABASE_URL``/``DATABASE_URL_NC``), or
replaces it with ``--generate STOPS`` generated stops (``bench/api_bench.py``'s set-based
generator: agency 1 has half of the stops). Page 1,000 is reached the way a user reaches it,
with an ``?after=`` cursor; the bench finds that cursor once with OFFSET. "Uncached" bumps
the NC data version before each request, so the capped count runs again; "cached" repeats
the same request. ``--record`` writes the section "Find a Stop" of docs/benchmarks.md.

Usage: ``python bench/search_bench.py [--generate 2000000] [--samples 30] [--record]``
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_bench import (  # noqa: E402
    django_setup,
    machine_description,
    percentiles,
    raw_data_generate,
    request,
    server_start,
)

SECTION = "## Find a Stop"
TARGET_MS = 100.0


def generate(stops: int) -> list[str]:
    """Generated stops, loaded without the secondary indexes of ``nc_stop``/``nc_person``
    (random inserts into them would dominate), which are then rebuilt one by one and timed
    (the same single-connection builds an import runs). Also times the single-column
    ``agency_id`` index the composite one replaced, for comparison. Returns report lines."""
    from django.db import connections

    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "WHERE c.relname IN ('nc_stop', 'nc_person') AND NOT i.indisprimary")
        indexes = cursor.fetchall()
        for _, name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        print(f"[bench] generated in {raw_data_generate(stops):.0f} s", flush=True)
        cursor.execute("SET maintenance_work_mem = '64MB'")  # as the import's sessions
        cursor.execute("SET max_parallel_maintenance_workers = 0")
        lines = []
        builds = [*((name, ddl) for _, name, ddl in indexes),
                  ("nc_stop (agency_id) alone, built for comparison, then dropped",
                   "CREATE INDEX search_bench_agency_only ON nc_stop (agency_id)")]
        for name, ddl in builds:
            started = time.perf_counter()
            cursor.execute(ddl)
            seconds = time.perf_counter() - started
            lines.append(f"* `{name}`: built in {seconds:.1f} s")
            print(f"[bench] {lines[-1]}", flush=True)
        cursor.execute("DROP INDEX search_bench_agency_only")
    return lines


def agencies_pick() -> list[tuple[str, int, str, int]]:
    """(label, id, name, stops) of the largest agency and of those closest to 1 % and
    0.1 % of all stops (where the planner's choices differ most)."""
    from django.db import connections

    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute("SELECT s.agency_id, a.name, count(*) FROM nc_stop s "
                       "JOIN nc_agency a ON a.id = s.agency_id GROUP BY 1, 2 ORDER BY 3 DESC")
        agencies = cursor.fetchall()
    total = sum(row[2] for row in agencies)
    picked = [("largest agency", *agencies[0])]
    for label, share in (("1 % agency", 0.01), ("0.1 % agency", 0.001)):
        agency = min(agencies[1:], key=lambda row: abs(row[2] - total * share))
        picked.append((label, *agency))
    return picked


def page_cursor(agency_id: int, page: int) -> str:
    """The ``after`` cursor that opens ``page`` (1-based) of the agency's unfiltered search
    ("" when the agency has fewer pages)."""
    from django.db import connections

    from tsdata.stopsearch.config import PAGE_SIZE
    from tsdata.stopsearch.cursors import cursor_encode

    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute(
            "SELECT s.date, p.stop_id, p.person_id FROM nc_person p "
            "JOIN nc_stop s ON s.stop_id = p.stop_id WHERE s.agency_id = %s "
            "ORDER BY s.date DESC, p.stop_id DESC, p.person_id DESC OFFSET %s LIMIT 1",
            [agency_id, (page - 1) * PAGE_SIZE - 1])
        row = cursor.fetchone()
    return cursor_encode(row) if row else ""


def static_collect() -> None:
    """Production settings serve hashed static names: collect them into a scratch folder
    (the server started next inherits ``STATIC_ROOT``)."""
    os.environ["STATIC_ROOT"] = tempfile.mkdtemp(prefix="search-bench-static-")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="traffic_stops.settings.production",
               SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="127.0.0.1")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   cwd=ROOT, env=env, check=True)


def measure(port: int, path: str, *, samples: int, uncached: bool) -> tuple[float, float, float]:
    from tsdata.data_version import data_version_bump

    timings = []
    request(port, path)  # the worker has its templates and connection ready
    for _ in range(samples):
        if uncached:
            data_version_bump("nc")
        status, milliseconds = request(port, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        timings.append(milliseconds)
    p50, p95, _ = percentiles(timings)
    return p50, p95, max(timings)


def measure_reads(params: dict, *, samples: int) -> tuple[float, float]:
    """In this process, without HTTP or templates: p50 of the page read and of the (capped,
    uncached) count, milliseconds: what the database charges for the search."""
    from nc.stopsearch import SEARCH
    from tsdata.stopsearch import selectors
    from tsdata.stopsearch.cursors import cursor_decode

    form = SEARCH.form_class(params)
    if not form.is_valid():
        raise RuntimeError(form.errors)
    q = selectors.stop_search_q(SEARCH, form.cleaned_data)
    after = cursor_decode(params.get("after"), len(SEARCH.keyset))
    pages, counts = [], []
    for _ in range(samples):
        started = time.perf_counter()
        selectors.stop_search_page(SEARCH, q, after=after)
        pages.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with contextlib.suppress(selectors.SearchTooSlow):
            selectors.with_timeout(SEARCH, selectors.COUNT_TIMEOUT_MS,
                                   lambda: selectors._count(SEARCH, q, selectors.COUNT_CAP + 1))
        counts.append((time.perf_counter() - started) * 1000)
    return percentiles(pages)[0], percentiles(counts)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", type=int, metavar="STOPS")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--port", type=int, default=8761)
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--note", default="")
    args = parser.parse_args(argv)
    django_setup()
    index_lines = generate(args.generate) if args.generate else []
    from django.db import connections

    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE nc_stop")
        cursor.execute("VACUUM ANALYZE nc_person")
        cursor.execute("SELECT count(*) FROM nc_stop")
        total = cursor.fetchone()[0]
    picked = agencies_pick()
    cases = []
    for label, agency_id, name, stops in picked:
        cases.append((f"{label} ({stops:,} stops): first page", {"agency": name}))
        cursor = page_cursor(agency_id, 1000)
        if cursor:
            cases.append((f"{label}: page 1,000", {"agency": name, "after": cursor}))
    largest = picked[0][2]
    cases.append(("largest agency, 2015, race B: first page",
                  {"agency": largest, "start_date": "2015-01-01", "end_date": "2015-12-31",
                   "race": "B"}))
    reads = {label: measure_reads(params, samples=max(args.samples // 2, 5))
             for label, params in cases}
    for label, (page_ms, count_ms) in reads.items():
        print(f"[bench] reads {label:55} page {page_ms:6.1f} count {count_ms:6.1f} ms")
    static_collect()
    server = server_start(args.port, 2)
    rows = []
    try:
        p50, p95, worst = measure(args.port, "/healthz", samples=args.samples, uncached=False)
        rows.append(("`/healthz` (floor: no page, no search)", "-", p50, p95, worst))
        for label, params in cases:
            path = "/nc/search/?" + urlencode(params)
            for uncached in (True, False):
                p50, p95, worst = measure(args.port, path, samples=args.samples,
                                          uncached=uncached)
                rows.append((label, "uncached" if uncached else "cached", p50, p95, worst))
                print(f"[bench] {label:28} {rows[-1][1]:9} p50 {p50:6.1f} p95 {p95:6.1f} "
                      f"max {worst:6.1f} ms", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = report(rows, reads, total=total, samples=args.samples,
                  argv=argv if argv is not None else sys.argv[1:], note=args.note)
    if index_lines:
        text += "\nIndex builds after the generated load (64 MB maintenance_work_mem, no " \
                "parallel workers):\n\n" + "\n".join(index_lines) + "\n"
    print(text)
    if args.record:
        record(text, total=total)
    return 0


def report(rows, reads: dict[str, tuple[float, float]], *, total: int, samples: int,
           argv: list[str], note: str) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if "--note" in argv:  # the note is printed as text below, not in the command
        position = argv.index("--note")
        argv = argv[:position] + ["--note '…'"] + argv[position + 2:]
    load = "/".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        f"### {total:,} NC stops", "",
        f"Run {when} on {machine_description()}; "
        f"gunicorn 2 sync workers, production settings, one new loopback connection per "
        f"request, {samples} samples per row; load average at the end {load}. {note}".rstrip(),
        "", f"Command: `python bench/search_bench.py {' '.join(argv)}`", "",
        "| request | count | p50 ms | p95 ms | max ms |", "|---|---|---|---|---|",
    ]
    lines += [f"| {label} | {kind} | {p50:.1f} | {p95:.1f} | {worst:.1f} |"
              for label, kind, p50, p95, worst in rows]
    lines += ["", "Database reads in the bench process (no HTTP, no template), p50 ms; the "
              "count is capped at 10,000 rows and cut off after 0.5 s:", "",
              "| request | page read | count |", "|---|---|---|"]
    lines += [f"| {label} | {page_ms:.1f} | {count_ms:.1f} |"
              for label, (page_ms, count_ms) in reads.items()]
    targeted = [row for row in rows if row[0].startswith("largest agency (")
                or row[0] == "largest agency: page 1,000"]
    worst = max(row[3] for row in targeted)
    verdict = "met" if worst <= TARGET_MS else "NOT met"
    lines += ["", f"Largest agency, first page and page 1,000: worst p95 {worst:.1f} ms against "
              f"the {TARGET_MS:.0f} ms target: {verdict} (the floor row is what the machine "
              "charges for any request at that moment)."]
    return "\n".join(lines) + "\n"


def record(text: str, *, total: int) -> None:
    """Replace this data size's subsection under "Find a Stop" in docs/benchmarks.md."""
    path = ROOT / "docs" / "benchmarks.md"
    content = path.read_text()
    if SECTION not in content:
        content = content.rstrip("\n") + f"\n\n{SECTION}\n"
    before, _, section = content.partition(SECTION)
    section, header, after = section.partition("\n## ")
    heading = f"### {total:,} NC stops"
    parts = section.split("\n### ")
    kept = [parts[0].rstrip("\n")] + ["### " + part.rstrip("\n") for part in parts[1:]
                                      if not ("### " + part).startswith(heading)]
    kept.append(text.rstrip("\n"))
    body = "\n\n".join(part for part in kept if part.strip()) + "\n"
    path.write_text(before + SECTION + "\n\n" + body.lstrip("\n")
                    + ("\n## " + after if header else ""))


if __name__ == "__main__":
    raise SystemExit(main())
