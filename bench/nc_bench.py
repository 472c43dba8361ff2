"""Benchmark the NC import (``make bench``; not a test).

Generates (or reuses) a sample extract of ``--stops`` stops, imports it while a reader
thread keeps querying the live tables, and records: end-to-end and per-phase time, rows per
second, peak memory (this process, and the PostgreSQL backends of the import), the time of
a bare ``COPY`` of the same loaded rows into unindexed tables (the physical floor) and
the ratio to it, and the worst reader latency. With ``--record`` the results are appended
to ``docs/benchmarks.md``.

The import and the floor each start from a fresh checkpoint (``CHECKPOINT`` first): both
write hundreds of megabytes of WAL, and a run started while the previous one's checkpoint
is still being written pays for it (a daily import starts on an idle server).

Usage: ``python bench/nc_bench.py --stops 2000000 [--seed 1] [--record]``
(uses ``DATABASE_URL``/``DATABASE_URL_NC``; replaces the NC data of that database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traffic_stops.settings.dev")

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402

from nc.importer import FILES  # noqa: E402
from nc.sample_data import sample_zip_write  # noqa: E402
from nc.services import nc_import_run  # noqa: E402
from tsdata.imports.staging import state_connection  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## NC import"


class MemorySampler(threading.Thread):
    """Peak RSS of this process and of the state database's other backends."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop_event = threading.Event()
        self.peak_self = 0
        self.peak_sum = 0  # of simultaneous samples (the sum of the two peaks bounds it)
        self.peak_backends = 0
        self.backend_pids: set[int] = set()
        self.samples: list[tuple[float, int, int]] = []  # (seconds, self RSS, backends USS)

    def run(self) -> None:
        me = psutil.Process()
        started = time.monotonic()
        while not self.stop_event.is_set():
            rss = me.memory_info().rss
            self.peak_self = max(self.peak_self, rss)
            total = 0
            for pid in list(self.backend_pids):
                try:
                    total += psutil.Process(pid).memory_full_info().uss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
            self.peak_backends = max(self.peak_backends, total)
            self.peak_sum = max(self.peak_sum, rss + total)
            self.samples.append((time.monotonic() - started, rss, total))
            time.sleep(0.1)

    def timeline(self, step: float) -> str:
        """Peak of each ``step`` seconds: where in the import the memory goes."""
        windows: dict[int, tuple[int, int]] = {}
        for seconds, rss, backends in self.samples:
            window = int(seconds // step)
            old = windows.get(window, (0, 0))
            windows[window] = (max(old[0], rss), max(old[1], backends))
        return "\n".join(
            f"{window * step:6.0f} s  Python {rss / 2**20:5.0f} MB  PG {backends / 2**20:5.0f} MB"
            f"  sum {(rss + backends) / 2**20:5.0f} MB"
            for window, (rss, backends) in sorted(windows.items())
        )


class Reader(threading.Thread):
    """Queries every live NC table during the import, measuring each query's latency."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop_event = threading.Event()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.slow: list[tuple[str, float]] = []

    def run(self) -> None:
        conn = state_connection("nc")
        try:
            with conn.cursor() as cursor:
                while not self.stop_event.is_set():
                    started = time.monotonic()
                    try:
                        # Index lookups on every NC table: the latency is waiting (locks,
                        # I/O, CPU), not the cost of a big aggregate over the data.
                        cursor.execute(
                            "SELECT (SELECT count(*) FROM nc_stop s JOIN nc_agency a "
                            "        ON a.id = s.agency_id WHERE s.stop_id BETWEEN 1000 AND 1100),"
                            " (SELECT count(*) FROM nc_person WHERE stop_id BETWEEN 1000 AND 1100),"
                            " (SELECT count(*) FROM nc_search WHERE stop_id < 5000),"
                            " (SELECT count(*) FROM nc_contraband WHERE stop_id < 5000),"
                            " (SELECT count(*) FROM nc_searchbasis WHERE stop_id < 5000)"
                        )
                        cursor.fetchall()
                    except Exception as exc:  # noqa: BLE001 - recorded
                        self.errors.append(str(exc))
                        conn.rollback()
                    latency = time.monotonic() - started
                    self.latencies.append(latency)
                    if latency > 0.3:
                        self.slow.append((dt.datetime.now(tz=dt.UTC).strftime("%H:%M:%S.%f"),
                                          round(latency, 3)))
                    time.sleep(0.05)
        finally:
            conn.close()


def backend_pids() -> set[int]:
    conn = state_connection("nc")
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            return {row[0] for row in cursor.fetchall()}
    finally:
        conn.close()


def checkpoint() -> None:
    """Start a timed part from the same state: no checkpoint of earlier writes pending."""
    conn = state_connection("nc")
    try:
        with conn.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    finally:
        conn.close()


def copy_floor() -> float:
    """Seconds for a bare COPY of the loaded rows into unindexed copies of the tables."""
    conn = state_connection("nc")
    total = 0.0
    try:
        with conn.cursor() as cursor:
            cursor.execute("DROP SCHEMA IF EXISTS bench_floor CASCADE; CREATE SCHEMA bench_floor")
            cursor.execute("CHECKPOINT")
            for spec in FILES:
                with tempfile.TemporaryFile() as dump:
                    cursor.copy_expert(f"COPY public.{spec.table} TO STDOUT", dump)
                    dump.seek(0)
                    cursor.execute(
                        f"CREATE TABLE bench_floor.{spec.table} "
                        f"(LIKE public.{spec.table} INCLUDING DEFAULTS)"
                    )
                    started = time.monotonic()
                    cursor.copy_expert(f"COPY bench_floor.{spec.table} FROM STDIN", dump,
                                       size=1 << 20)
                    total += time.monotonic() - started
            cursor.execute("DROP SCHEMA bench_floor CASCADE")
    finally:
        conn.close()
    return total


def machine() -> str:
    conn = state_connection("nc")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            shared_buffers = cursor.fetchone()[0]
    finally:
        conn.close()
    memory = psutil.virtual_memory().total / 2**30
    return (f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
            f"{memory:.0f} GiB RAM, PostgreSQL {pg_version} (shared_buffers {shared_buffers}), "
            f"Python {platform.python_version()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--record", action="store_true", help="append to docs/benchmarks.md")
    parser.add_argument("--timeline", type=float, metavar="SECONDS",
                        help="print the peak memory of every SECONDS of the import")
    args = parser.parse_args()

    args.workdir.mkdir(parents=True, exist_ok=True)
    archive = args.workdir / f"NC_STOPS_Extract_sample_{args.stops}_{args.seed}.zip"
    generate_seconds = None
    if not archive.exists():
        started = time.monotonic()
        archive = sample_zip_write(out_dir=args.workdir, stops=args.stops, seed=args.seed)
        generate_seconds = time.monotonic() - started
        print(f"generated {archive} in {generate_seconds:.0f} s", flush=True)
    checkpoint()
    load_before = os.getloadavg()
    sampler = MemorySampler()
    sampler.start()
    reader = Reader()
    reader.start()
    pid_watch_stop = threading.Event()

    def watch_pids() -> None:
        while not pid_watch_stop.is_set():
            sampler.backend_pids = backend_pids()
            time.sleep(0.5)

    watcher = threading.Thread(target=watch_pids, daemon=True)
    watcher.start()
    started = time.monotonic()
    report = nc_import_run(zip_path=archive, dest=args.workdir, prime=False)
    elapsed = time.monotonic() - started
    pid_watch_stop.set()
    reader.stop_event.set()
    reader.join()
    sampler.stop_event.set()
    sampler.join()
    load_after = os.getloadavg()
    floor = copy_floor()

    rows_loaded = sum(counts.loaded for counts in report.files.values())
    rows_read = sum(counts.read for counts in report.files.values())
    worst = max(reader.latencies) if reader.latencies else float("nan")
    result = {
        "stops": args.stops,
        "rows_read": rows_read,
        "rows_loaded": rows_loaded,
        "seconds": elapsed,
        "rows_per_second": rows_read / elapsed,
        "floor_seconds": floor,
        "ratio": elapsed / floor if floor else float("nan"),
        "peak_python_mb": sampler.peak_self / 2**20,
        "peak_backends_mb": sampler.peak_backends / 2**20,
        "peak_sum_mb": sampler.peak_sum / 2**20,
        "reader_worst_s": worst,
        "reader_queries": len(reader.latencies),
        "reader_errors": len(reader.errors),
    }
    today = dt.datetime.now(tz=dt.UTC).date().isoformat()
    out = io.StringIO()
    out.write(
        f"| {today} | {args.stops:,} | {rows_read:,} | {elapsed:.1f} s "
        f"| {result['rows_per_second']:,.0f} | {floor:.1f} s | {result['ratio']:.1f}× "
        f"| {result['peak_python_mb']:.0f} MB / {result['peak_backends_mb']:.0f} MB "
        f"(at once: {result['peak_sum_mb']:.0f} MB) "
        f"| {worst:.3f} s ({len(reader.latencies)} queries, {len(reader.errors)} errors) "
        f"| {load_before[0]:.1f} → {load_after[0]:.1f} |\n"
    )
    phases = ", ".join(f"{name} {secs:.1f}" for name, secs in report.phases.items())
    detail = (
        f"\n<details><summary>{today}, {args.stops:,} stops: phases (s)"
        f"</summary>\n\n{phases}\n\nMachine: {machine()}. Command: `python bench/nc_bench.py "
        f"--stops {args.stops} --seed {args.seed} --record`"
        + (f"; extract generated in {generate_seconds:.0f} s" if generate_seconds else "")
        + "\n\n</details>\n"
    )
    print(out.getvalue() + detail)
    for line in report.lines():
        print(line)
    if args.timeline:
        print(sampler.timeline(args.timeline))
    if reader.errors:
        print("reader errors:", reader.errors[:5])
    if reader.slow:
        print("reader queries over 0.3 s (UTC time, seconds):", reader.slow[:20])
    if args.record:
        record(out.getvalue(), detail)
    return 0


def record(row: str, detail: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    header = (
        f"\n{SECTION}\n\n"
        "End to end = obtain (local zip) → staged load → keys/indexes → validation → swap → "
        "facts. Floor = bare `COPY` of the same loaded rows into unindexed tables. Memory = "
        "peak RSS of the importing Python process / peak USS of the database's backends "
        "(at once: the peak of their sum in one sample). "
        "Reader = a concurrent query every 50 ms during the import (index lookups on all six "
        "NC tables). Load = 1-minute "
        "load average before → after (the machine is shared; >2 means contention).\n\n"
        "| date | stops | rows read (5 files) | end to end | rows/s | COPY floor | ratio "
        "| peak memory (Python / PG) | worst reader latency | load |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    if SECTION not in text:
        text = text.rstrip("\n") + "\n" + header
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    end = len(text) if end == -1 else end
    section = text[start:end]
    table_end = section.rfind("|\n") + 2
    section = section[:table_end] + row + section[table_end:].rstrip("\n") + "\n" + detail
    DOC.write_text(text[:start] + section + text[end:])


if __name__ == "__main__":
    sys.exit(main())
