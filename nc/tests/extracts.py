"""Hand-built raw extracts for the import tests (bytes exactly as the state sends them)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from nc.raw_files import FILE_NAMES


def tsv(*rows: tuple) -> bytes:
    """Tab-joined lines; str fields are CP1252-encoded, bytes fields are kept as they are."""
    lines = []
    for row in rows:
        fields = [f if isinstance(f, bytes) else str(f).encode("cp1252") for f in row]
        lines.append(b"\t".join(fields))
    return b"\n".join(lines) + b"\n"


def stop(stop_id, agency, date, purpose=1, action=3, flags="0000000", officer="OFF",
         location="Wake", city="RALEIGH") -> tuple:
    return (stop_id, agency, date, purpose, action, *flags, officer, location, city)


def zip_write(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in FILE_NAMES:
            archive.writestr(name, files.get(name, b""))
        archive.writestr("QUERY_README.txt", "2000-2020\n")
    return path


def simple_extract(path: Path, agencies: list[str], *, stops_per_agency: int = 3,
                   first_id: int = 1) -> Path:
    """A clean extract: a few 2015 stops per agency, one driver per stop, one search."""
    stops, people = [], []
    stop_id = first_id
    for agency in agencies:
        for _ in range(stops_per_agency):
            stops.append(stop(stop_id, agency, f"2015-05-{1 + stop_id % 28:02d} 10:00:00.000"))
            people.append((stop_id, stop_id, "D", 30, "M", "N", "W"))
            stop_id += 1
    search = [(1, first_id, first_id, 1, 1, 0, 0, 0, 0, 0, 0)]
    return zip_write(path, {
        "Stop.txt": tsv(*stops), "PERSON.txt": tsv(*people), "Search.txt": tsv(*search),
    })
