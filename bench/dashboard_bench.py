"""Benchmark the agency dashboard in a real browser (not a test, not run in CI).

Serves the site with gunicorn and production settings on loopback, opens the largest NC
agency's dashboard in headless Chromium and measures the time from navigation start until
every chart is in the DOM (the page's script marks ``body[data-drawn]`` and records
``performance.now()`` then):

* **cold**: the NC data version is bumped (nothing cached on the server) and a new browser
  context is used (nothing cached in the browser);
* **warm**: the same context reloads the page (server cache and browser cache warm).

Also records the gzipped size of the dashboard's JavaScript. Uses the NC data of the
configured database, or replaces it with ``--generate STOPS`` generated stops (the API
bench's set-based generator; agency 1 has half of the stops) and rebuilds the summaries.
``--record`` writes the section "Dashboard" of docs/benchmarks.md.

Usage: ``python bench/dashboard_bench.py [--generate 20000000] [--samples 15] [--record]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_bench import (  # noqa: E402
    django_setup,
    machine_description,
    raw_data_generate,
    server_start,
)
from bench.search_bench import static_collect  # noqa: E402

SECTION = "## Dashboard"
BUNDLE = ROOT / "traffic_stops" / "static" / "dist" / "dashboard.js"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]


def largest_agency() -> tuple[int, str, int]:
    """(id, name, stops) of the NC agency with the most stops (from the summary table)."""
    from django.db import connections

    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute("SELECT s.agency_id, a.name, SUM(s.stops) FROM nc_stopsummary s "
                       "JOIN nc_agency a ON a.id = s.agency_id GROUP BY 1, 2 ORDER BY 3 DESC "
                       "LIMIT 1")
        return cursor.fetchone()


def drawn_ms(page, url: str) -> float:
    page.goto(url)
    page.wait_for_selector("body[data-drawn=true]", timeout=30000)
    charts = page.locator("figure[data-chart] [data-plot] svg").count()
    if charts < 6:
        raise RuntimeError(f"only {charts} charts drawn at {url}")
    return float(page.evaluate("Number(document.body.dataset.drawnMs)"))


def measure(port: int, path: str, samples: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the one ORM write here (the
    # data version bump) is a plain blocking call between page loads.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    from tsdata.data_version import data_version_bump

    url = f"http://127.0.0.1:{port}{path}"
    cold, warm = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_FLAGS)
        warmup = browser.new_page()
        for _ in range(6):  # every gunicorn worker has its templates and connections ready
            data_version_bump("nc")
            drawn_ms(warmup, url)
        for _ in range(samples):
            data_version_bump("nc")
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            cold.append(drawn_ms(page, url))
            warm.append(drawn_ms(page, url))
            context.close()
        browser.close()
    return {"cold": cold, "warm": warm}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", type=int, metavar="STOPS")
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--port", type=int, default=8762)
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--note", default="")
    args = parser.parse_args(argv)
    django_setup()
    if args.generate:
        from tsdata.stats.services import summary_rebuild

        print(f"[bench] generated in {raw_data_generate(args.generate):.0f} s", flush=True)
        summary_rebuild("nc")
    from django.db import connections

    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM nc_stop")
        total = cursor.fetchone()[0]
    agency_id, name, stops = largest_agency()
    gzipped = len(gzip.compress(BUNDLE.read_bytes(), 9))
    static_collect()
    server = server_start(args.port, 2)
    try:
        timings = measure(args.port, f"/nc/agency/{agency_id}/", args.samples)
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [
        f"### {total:,} NC stops, {dt.datetime.now(dt.UTC):%Y-%m-%d}",
        "",
        f"Machine: {machine_description()}. Command: `python bench/dashboard_bench.py "
        f"{' '.join(argv if argv is not None else sys.argv[1:])}` (gunicorn, 2 workers, "
        "production settings, loopback; headless Chromium). "
        f"Largest agency: {name} ({stops:,} stops). {args.note}".rstrip(),
        "",
        "| load | samples | median (ms) | worst (ms) | target |",
        "|---|---|---|---|---|",
    ]
    for label, target in (("cold", "≤ 1,000 ms"), ("warm", "≤ 300 ms")):
        values = timings[label]
        lines.append(f"| {label} | {len(values)} | {statistics.median(values):.0f} | "
                     f"{max(values):.0f} | {target} |")
    lines += ["", f"Dashboard JavaScript: {BUNDLE.stat().st_size / 1024:.0f} KB minified, "
                  f"{gzipped / 1024:.1f} KB gzipped (target ≤ 150 KB gzipped).", ""]
    text = "\n".join(lines)
    print(text)
    if args.record:
        record(text)
    return 0


def record(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    content = path.read_text()
    if SECTION not in content:
        content = content.rstrip() + (
            f"\n\n{SECTION}\n\nTime until every chart of the largest NC agency's dashboard is "
            "in the DOM, measured in headless Chromium by `bench/dashboard_bench.py` (`make "
            "bench BENCH_ARGS=\"dashboard ...\"`).\n")
    head, _, tail = content.partition(SECTION)
    intro, _, rest = tail.partition("\n### ")
    rest = ("### " + rest) if rest else ""
    path.write_text(head + SECTION + intro.rstrip() + "\n\n" + text + "\n" + rest)


if __name__ == "__main__":
    sys.exit(main())
