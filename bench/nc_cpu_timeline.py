"""Where an NC import leaves a core idle (a profiling aid; not a test, not recorded).

Imports an extract once, without the benchmark's reader and memory sampler, while a
thread reads the machine's idle time from ``/proc/stat`` every 0.1 s. Prints the end-to-end
time, the idle core-seconds, and one line per sample with the import's phases that started
or ended in it, so that a gap in the packing shows next to what ran then.

Usage: ``python bench/nc_cpu_timeline.py bench/out/NC_STOPS_Extract_sample_2000000_1.zip``
(uses ``DATABASE_URL``/``DATABASE_URL_NC``; replaces the NC data of that database).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traffic_stops.settings.dev")

import django  # noqa: E402

django.setup()

from nc.services import nc_import_run  # noqa: E402

SAMPLE_SECONDS = 0.1


def idle_core_seconds() -> float:
    """Idle and I/O-wait time of all cores since boot (``/proc/stat``)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    return (fields[3] + fields[4]) / os.sysconf("SC_CLK_TCK")


class PhaseLog(logging.Handler):
    """The report's phase lines, with the time they were logged."""

    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started
        self.events: list[tuple[float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if " import: " in message:
            self.events.append((time.monotonic() - self.started,
                                message.split(" import: ", 1)[1]))


def main() -> int:
    archive = Path(sys.argv[1])
    started = time.monotonic()
    phases = PhaseLog(started)
    logging.getLogger("tsdata.imports.report").addHandler(phases)
    samples: list[tuple[float, float]] = []  # (seconds, idle cores during the sample)
    stop = threading.Event()

    def sample() -> None:
        previous = (time.monotonic() - started, idle_core_seconds())
        while not stop.wait(SAMPLE_SECONDS):
            now = (time.monotonic() - started, idle_core_seconds())
            samples.append((now[0], (now[1] - previous[1]) / (now[0] - previous[0])))
            previous = now

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    nc_import_run(zip_path=archive, dest=archive.parent, prime=False)
    elapsed = time.monotonic() - started
    stop.set()
    sampler.join()
    idle = sum(cores * SAMPLE_SECONDS for _, cores in samples)
    print(f"end {elapsed:.2f} s, idle core-seconds about {idle:.2f}")
    pending = list(phases.events)
    for seconds, cores in samples:
        marks = [name for at, name in pending if at <= seconds]
        pending = [(at, name) for at, name in pending if at > seconds]
        print(f"{seconds:6.1f} idle {cores:4.2f} {'#' * round(cores * 10):20s} "
              f"{' | '.join(marks)[:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
