"""Benchmark of the MD and IL imports: peak memory (RSS) and rows per second.

Usage (from the project root, against the databases in DATABASE_URL / DATABASE_URL_MD /
DATABASE_URL_IL, which the import REPLACES)::

    python bench/mdil_bench.py il --stops 23000000 [--work DIR] [--keep]
    python bench/mdil_bench.py md --stops 4000000

The sample is generated first (not measured); the import then runs as a separate
``manage.py import_<state>`` process whose peak RSS is read from the kernel (``wait4``),
so the generator's memory never counts. Rows per second = raw rows read / import wall time.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sample_write(state: str, stops: int, work: Path, sheets: int) -> Path:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traffic_stops.settings.dev")
    import django

    django.setup()
    from importlib import import_module

    module = import_module(f"{state}.sample_data")
    extra = {"sheets": sheets} if state == "md" else {}
    return module.sample_zip_write(out_dir=work, stops=stops, seed=7, **extra)


def _import_run(state: str, archive: Path) -> tuple[float, int, str]:
    """Run the import in a child process; (wall seconds, peak RSS bytes, its output)."""
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "manage.py", f"import_{state}", "--zip", str(archive)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"import_{state} failed ({child.returncode}):\n{output}")
    return elapsed, usage.ru_maxrss * 1024, output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("state", choices=("md", "il"))
    parser.add_argument("--stops", type=int, required=True, help="raw rows to generate")
    parser.add_argument("--work", type=Path, help="directory for the sample (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the generated sample")
    parser.add_argument("--sheets", type=int, default=5, help="MD: workbook sheets (years)")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix=f"{args.state}-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    generated = time.monotonic()
    archive = _sample_write(args.state, args.stops, work, args.sheets)
    size_mib = archive.stat().st_size / 2**20
    generated = time.monotonic() - generated
    try:
        seconds, peak_rss, output = _import_run(args.state, archive)
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
        elif not args.keep:
            archive.unlink()
    read = int(re.search(r"read ([\d,]+)", output).group(1).replace(",", ""))
    loaded = int(re.search(r"loaded ([\d,]+)", output).group(1).replace(",", ""))
    phases = re.search(r"phases: (.*)", output).group(1)
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"{args.state.upper()} import of {read:,} raw rows ({loaded:,} loaded): "
          f"{seconds:.1f} s, {read / seconds:,.0f} rows/s, peak RSS {peak_rss / 2**20:,.0f} MiB "
          f"(sample of {size_mib:,.0f} MiB generated in {generated:.0f} s)")
    print(f"phases: {phases}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
