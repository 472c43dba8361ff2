"""Synthetic IL summary CSV (exact raw layout) covering every rule of docs/data-formats.md."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

from il.normalize import RAW_COLUMNS

# (agencycode, agencyname as in the raw file); the last code is in no crosswalk.
AGENCIES = [
    ("10011", "DOLTON POLICE"), ("13462", "ABINGDON POLICE"), ("20001", "SAMPLE STATE POLICE"),
    ("20002", "SAMPLE CITY POLICE, DEPT"), ("20003", "SAMPLE COUNTY SHERIFF"),
    ("910011", "UNLISTED POLICE"),
]
CASES = {
    "Gender": ["M", "F", ""],
    "Race": ["W", "B", "H", "O", "U"],
    "Search": ["N", "Y", ""],
    "Contraband": ["N", "Y", ""],
    "StopPurpose": ["Moving Violation", "Equipment", "Registration", "xxMoving Violation", ""],
    "year": [str(year) for year in range(2005, 2015)],
}
BATCH = 50_000


def _rows(rng: random.Random, start: int, count: int) -> list[str]:
    """``count`` CSV lines; rows below the longest case list walk through every case."""
    walk = max(len(values) for values in CASES.values())
    columns = {}
    for name, values in CASES.items():
        picks = rng.choices(values, k=count)
        for offset in range(max(0, min(count, walk - start))):
            picks[offset] = values[(start + offset) % len(values)]
        columns[name] = picks
    agencies = rng.choices(AGENCIES, weights=[3, 2, 6, 4, 2, 1], k=count)
    lines = []
    for i, (code, name) in enumerate(agencies):
        quoted = f'"{name}"' if "," in name else name
        lines.append(
            f"{code},{quoted},{columns['Gender'][i]},{columns['Race'][i]},"
            f"{columns['Search'][i]},{columns['Contraband'][i]},{columns['StopPurpose'][i]},"
            f"{columns['year'][i]}\n"
        )
    return lines


def sample_zip_write(*, out_dir: Path, stops: int, seed: int) -> Path:
    """Write ``il-sample.zip`` whose first entry is ``ILtrafficstops-sample.csv``."""
    rng = random.Random(seed)
    zip_path = out_dir / "il-sample.zip"
    entry = zipfile.ZipInfo("ILtrafficstops-sample.csv", date_time=(2019, 1, 1, 0, 0, 0))
    entry.compress_type = zipfile.ZIP_DEFLATED  # fixed timestamp: same seed, same bytes
    with (
        zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open(entry, "w", force_zip64=True) as raw,
    ):
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        out.write(",".join(RAW_COLUMNS) + "\n")
        for start in range(0, stops, BATCH):
            out.writelines(_rows(rng, start, min(BATCH, stops - start)))
        out.flush()
        out.detach()
    return zip_path
