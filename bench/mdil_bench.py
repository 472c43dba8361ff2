"""Benchmark of the MD and IL imports: peak memory (RSS) and rows per second.

Usage (from the project root, against the databases in DATABASE_URL / DATABASE_URL_MD /
DATABASE_URL_IL, which the import REPLACES)::

    python bench/mdil_bench.py il --stops 23000000 [--work DIR] [--keep]
    python bench/mdil_bench.py md --stops 4000000 --keep --work /tmp/md4m
    python bench/mdil_bench.py md --sample /tmp/md4m/md-sample.zip --readers

The sample is generated first (not measured; ``--sample`` reuses one); the import then
runs as a separate ``manage.py import_<state>`` process whose peak RSS is read from the
kernel (``wait4``), so the generator's memory never counts. Rows per second = raw rows
read / import wall time. MD ``--readers`` also times reading the workbook alone, without
a database, in one child process per reader: the streaming reader the import uses and
python-calamine's whole-sheet reader it replaced, each with its peak RSS.
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
    print(f"import child CPU: {usage.ru_utime:.1f} s user, {usage.ru_stime:.1f} s system",
          flush=True)
    return elapsed, usage.ru_maxrss * 1024, output


# Reads every row as the import does (raw text per cell) and prints the row count.
_READER_SCRIPTS = {
    "streaming (md.workbook)": (
        "import sys; from pathlib import Path; from md.workbook import workbook_rows\n"
        "print(sum(1 for _ in workbook_rows(Path(sys.argv[1]))))"
    ),
    "calamine whole sheet": (
        "import sys; from python_calamine import CalamineWorkbook\n"
        "from md.normalize import cell_text\n"
        "book = CalamineWorkbook.from_path(sys.argv[1]); count = 0\n"
        "for index in range(len(book.sheet_names)):\n"
        "    for row in book.get_sheet_by_index(index).iter_rows():\n"
        "        values = [cell_text(cell) for cell in row]; count += 1\n"
        "print(count - len(book.sheet_names))"
    ),
}


def _readers_run(archive: Path, work: Path) -> list[str]:
    """Time each workbook reader in its own child process: lines for the report."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traffic_stops.settings.dev")
    import django

    django.setup()
    from md.workbook import zip_first_entry_extract

    book = zip_first_entry_extract(archive, work)
    lines = []
    try:
        for label, script in _READER_SCRIPTS.items():
            code = (
                "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
                f"'traffic_stops.settings.dev'); django.setup()\n{script}"
            )
            started = time.monotonic()
            child = subprocess.Popen([sys.executable, "-c", code, str(book)], cwd=ROOT,
                                     stdout=subprocess.PIPE, text=True)
            output = child.stdout.read()
            _, status, usage = os.wait4(child.pid, 0)
            elapsed = time.monotonic() - started
            if os.waitstatus_to_exitcode(status):
                raise SystemExit(f"reader {label!r} failed")
            rows = int(output.split()[-1])
            lines.append(
                f"reader {label}: {rows:,} rows in {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s, "
                f"CPU {usage.ru_utime + usage.ru_stime:.1f} s), peak RSS "
                f"{usage.ru_maxrss / 1024:,.0f} MiB"
            )
            print(lines[-1], flush=True)
    finally:
        book.unlink(missing_ok=True)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("state", choices=("md", "il"))
    parser.add_argument("--stops", type=int, help="raw rows to generate")
    parser.add_argument("--sample", type=Path, help="use this generated zip (not deleted)")
    parser.add_argument("--readers", action="store_true",
                        help="MD: also time the workbook readers alone (no database)")
    parser.add_argument("--work", type=Path, help="directory for the sample (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the generated sample")
    parser.add_argument("--sheets", type=int, default=5, help="MD: workbook sheets (years)")
    args = parser.parse_args(argv)

    if (args.stops is None) == (args.sample is None):
        parser.error("give exactly one of --stops and --sample")
    work = args.work or Path(tempfile.mkdtemp(prefix=f"{args.state}-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    generated = time.monotonic()
    archive = args.sample or _sample_write(args.state, args.stops, work, args.sheets)
    size_mib = archive.stat().st_size / 2**20
    generated = time.monotonic() - generated
    try:
        reader_lines = _readers_run(archive, work) if args.readers and args.state == "md" else []
        seconds, peak_rss, output = _import_run(args.state, archive)
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
        elif not args.keep and args.sample is None:
            archive.unlink()
    read = int(re.search(r"read ([\d,]+)", output).group(1).replace(",", ""))
    loaded = int(re.search(r"loaded ([\d,]+)", output).group(1).replace(",", ""))
    phases = re.search(r"phases: (.*)", output).group(1)
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"{args.state.upper()} import of {read:,} raw rows ({loaded:,} loaded): "
          f"{seconds:.1f} s, {read / seconds:,.0f} rows/s, peak RSS {peak_rss / 2**20:,.0f} MiB "
          f"(sample of {size_mib:,.0f} MiB"
          + (f" generated in {generated:.0f} s)" if args.sample is None else ")"))
    print(f"phases: {phases}")
    for line in reader_lines:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
