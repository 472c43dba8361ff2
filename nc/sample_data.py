"""Generate a realistic NC extract in the exact raw format (demo, tests, benchmarks).

Vectorised with numpy, one chunk of stops at a time, so 20 million stops take minutes
and memory stays bounded. Shape: heavy-tailed agency sizes (the Highway Patrol largest),
officers with many stops, 2000 to today in Eastern local time with extra stops around New
Year, about 1.3 people per stop, about 3 % of stops searched, contraband on a third of
the searches, several searches, bases and contraband rows on some stops, use of force;
and the dirty cases the importer must survive (NUL bytes, extra fields, CP1252 text,
quotes, padded fields, and from 20,000 stops on a few malformed lines).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np

CHUNK = 500_000
START_YEAR = 2000
HIGHWAY_PATROL = "NC State Highway Patrol"



def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# NC counties and towns (public place names) to build agency names like the real ones.
COUNTIES = _words(
    "Alamance Alexander Alleghany Anson Ashe Avery Beaufort Bertie Bladen Brunswick Buncombe "
    "Burke Cabarrus Caldwell Camden Carteret Caswell Catawba Chatham Cherokee Chowan Clay "
    "Cleveland Columbus Craven Cumberland Currituck Dare Davidson Davie Duplin Durham "
    "Edgecombe Forsyth Franklin Gaston Gates Graham Granville Greene Guilford Halifax Harnett "
    "Haywood Henderson Hertford Hoke Hyde Iredell Jackson Johnston Jones Lee Lenoir Lincoln "
    "Macon Madison Martin McDowell Mecklenburg Mitchell Montgomery Moore Nash Onslow Orange "
    "Pamlico Pasquotank Pender Perquimans Person Pitt Polk Randolph Richmond Robeson "
    "Rockingham Rowan Rutherford Sampson Scotland Stanly Stokes Surry Swain Transylvania "
    "Tyrrell Union Vance Wake Warren Washington Watauga Wayne Wilkes Wilson Yadkin Yancey"
)
BIG_CITIES = (
    "Charlotte-Mecklenburg", "Raleigh", "Greensboro", "Fayetteville", "Durham",
    "Winston-Salem", "Wilmington", "Cary", "High Point", "Asheville", "Concord", "Gastonia",
    "Greenville", "Jacksonville", "Chapel Hill", "Rocky Mount", "Burlington", "Wilson",
    "Huntersville", "Kannapolis", "Apex", "Hickory", "Goldsboro", "Salisbury", "Monroe",
)
TOWNS = _words(
    "Aberdeen Albemarle Apex Asheboro Ayden Beaufort Belmont Benson Boone Brevard Burgaw "
    "Canton Carrboro Clayton Clinton Conover Cornelius Davidson Dunn Eden Edenton Elizabeth "
    "Elkin Emerald Enfield Farmville Forest Franklin Fuquay-Varina Garner Graham Hamlet "
    "Havelock Henderson Hendersonville Hillsborough Holly Kernersville Kings Kinston Knightdale "
    "Laurinburg Lenoir Lexington Lincolnton Louisburg Lumberton Marion Matthews Mebane "
    "Mooresville Morganton Morrisville Murphy Nashville Newton Oxford Pineville Plymouth "
    "Raeford Reidsville Roanoke Rockingham Roxboro Sanford Selma Shelby Siler Smithfield "
    "Southern Spencer Spring Statesville Swansboro Tarboro Thomasville Trenton Troy Wadesboro "
    "Wake Warsaw Washington Waxhaw Waynesville Weaverville Whiteville Williamston Windsor "
    "Wingate Zebulon"
)


def agency_names() -> list[str]:
    """The Highway Patrol, big city departments, then sheriffs and town police (by size)."""
    names = [HIGHWAY_PATROL]
    names += [f"{city} Police Department" for city in BIG_CITIES]
    sheriffs = [f"{county} County Sheriff's Office" for county in COUNTIES]
    towns = [f"{town} Police Department" for town in TOWNS if town not in BIG_CITIES]
    for index in range(max(len(sheriffs), len(towns))):
        if index < len(sheriffs):
            names.append(sheriffs[index])
        if index < len(towns):
            names.append(towns[index])
    names += [
        "NC Division of Motor Vehicles, License and Theft Bureau",
        "NC State University Police Department",
        "Peña Town Police Department",  # CP1252 text (ñ)
    ]
    return names


def _agency_weights(count: int) -> np.ndarray:
    ranks = np.arange(1, count + 1, dtype=np.float64)
    weights = 1.0 / ranks**1.15
    weights[0] = 0.0
    weights = weights / weights.sum() * 0.55
    weights[0] = 0.45  # the Highway Patrol makes almost half of all stops
    return weights


def _choice(rng: np.random.Generator, values, probabilities, size: int) -> np.ndarray:
    probabilities = np.asarray(probabilities, dtype=np.float64)
    picks = rng.choice(len(values), size=size, p=probabilities / probabilities.sum())
    return np.asarray(values)[picks]


def _local_times(rng: np.random.Generator, size: int, end: dt.datetime) -> np.ndarray:
    """Naive Eastern local times from 2000 to ``end``; stops grow over the years."""
    start = np.datetime64(f"{START_YEAR}-01-01T00:00:00")
    span = int((np.datetime64(end.replace(tzinfo=None), "s") - start).astype(np.int64))
    offsets = (span * np.sqrt(rng.random(size))).astype(np.int64)  # more stops later on
    times = start + offsets.astype("timedelta64[s]")
    # One stop in a hundred lands in the hours around New Year's midnight.
    new_year = rng.random(size) < 0.01
    if new_year.any():
        years = rng.integers(START_YEAR + 1, end.year + 1, size=int(new_year.sum()))
        midnight = np.array([np.datetime64(f"{y}-01-01T00:00:00") for y in years])
        jitter = rng.integers(-3 * 3600, 3 * 3600, size=len(years)).astype("timedelta64[s]")
        times[new_year] = np.minimum(midnight + jitter, np.datetime64(end.replace(tzinfo=None)))
    return times


def _lines(columns: list[np.ndarray]) -> bytes:
    """Tab-join columns row-wise into CP1252 bytes, one line per row."""
    text = columns[0].astype(str).astype(object)
    for column in columns[1:]:
        text = text + "\t" + column.astype(str).astype(object)
    return ("\n".join(text.tolist()) + "\n").encode("cp1252")


class _Writer:
    """Appends chunk lines to one temporary file per raw file, zipped at the end."""

    FILES = ("Stop.txt", "PERSON.txt", "Search.txt", "Contraband.txt", "SearchBasis.txt")

    def __init__(self, directory: Path) -> None:
        self.paths = {name: directory / name for name in self.FILES}
        self.handles = {
            name: open(path, "wb")  # noqa: SIM115 - closed in zip()
            for name, path in self.paths.items()
        }

    def write(self, name: str, data: bytes) -> None:
        self.handles[name].write(data)

    def zip(self, target: Path, readme: str) -> None:
        for handle in self.handles.values():
            handle.close()
        partial = target.with_name(target.name + ".part")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for name, path in self.paths.items():
                with open(path, "rb") as src, archive.open(name, "w", force_zip64=True) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            # Fixed timestamps: the same seed gives the same bytes.
            for name, text in (("QUERY_README.txt", readme),
                               ("RefStopsCodeNumber.txt", "1\tSpeed Limit Violation\n")):
                info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, text)
        partial.replace(target)


def sample_zip_write(*, out_dir: Path, stops: int, seed: int) -> Path:
    """Write ``NC_STOPS_Extract_sample_<stops>_<seed>.zip`` into ``out_dir``; its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"NC_STOPS_Extract_sample_{stops}_{seed}.zip"
    names = np.array(agency_names(), dtype=object)
    weights = _agency_weights(len(names))
    end = dt.datetime(2026, 10, 31, 23, 59, 59)  # noqa: DTZ001 - naive Eastern local time
    counters = {"person": 0, "search": 0, "contraband": 0, "basis": 0}
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".sample-") as tmp:
        writer = _Writer(Path(tmp))
        for first in range(0, stops, CHUNK):
            size = min(CHUNK, stops - first)
            rng = np.random.default_rng([seed, first])
            _chunk_write(writer, rng, first, size, stops, names, weights, end, counters)
        years = ", ".join(str(y) for y in range(START_YEAR, end.year + 1))
        writer.zip(target, f"Years included in this extract: {years}\n")
    return target


def _chunk_write(writer, rng, first, size, total, names, weights, end, counters) -> None:
    stop_ids = np.arange(first + 1, first + size + 1, dtype=np.int64)
    agency = rng.choice(len(names), size=size, p=weights)
    agency_text = names[agency]
    # Padding around some names (the importer trims every field).
    padded = rng.random(size) < 0.01
    agency_text[padded] = np.char.add(agency_text[padded].astype(str), "   ").astype(object)
    times = _local_times(rng, size, end)
    time_text = np.char.add(
        np.char.replace(np.datetime_as_string(times, unit="s"), "T", " "), ".000"
    )
    purpose = _choice(rng, np.arange(1, 11), [30, 8, 3, 8, 10, 18, 5, 6, 10, 2], size)
    action = _choice(rng, np.arange(1, 6), [20, 15, 55, 3, 7], size)
    flags = [(rng.random(size) < p).astype(np.int8) for p in
             (0.02, 0.003, 0.002, 0.003, 0.0005, 0.001, 0.0005)]
    # Officers: about one per 2,000 stops of the agency, ids shared across chunks.
    officer = (agency * 10_000 + rng.zipf(1.6, size) % 400).astype(np.int64)
    officer_text = np.char.mod("%05d", officer % 100_000)
    location = _choice(rng, np.array(COUNTIES, dtype=object), np.ones(len(COUNTIES)), size)
    city = _choice(rng, np.array(TOWNS, dtype=object), np.ones(len(TOWNS)), size)
    city = np.char.upper(city.astype(str)).astype(object)
    stop_columns = [stop_ids, agency_text, time_text, purpose, action, *flags,
                    officer_text, location, city]
    stop_lines = _lines(stop_columns).split(b"\n")[:-1]
    _dirty_stops(rng, stop_lines, first, total)
    writer.write("Stop.txt", b"\n".join(stop_lines) + b"\n")

    # People: every stop has a driver; a quarter have 1-3 passengers.
    passengers = np.where(rng.random(size) < 0.22, rng.integers(1, 4, size), 0)
    per_stop = 1 + passengers
    person_stop = np.repeat(stop_ids, per_stop)
    count = len(person_stop)
    person_ids = np.arange(counters["person"] + 1, counters["person"] + count + 1)
    counters["person"] += count
    is_driver = np.ones(count, dtype=bool)
    starts = np.cumsum(per_stop) - per_stop
    is_driver[:] = False
    is_driver[starts] = True
    person_type = np.where(is_driver, "D", "P")
    age = np.clip(rng.normal(36, 14, count).astype(int), 15, 90)
    gender = np.where(rng.random(count) < 0.62, "M", "F")
    ethnicity = np.where(rng.random(count) < 0.08, "H", "N")
    race = _choice(rng, np.array(list("WBUAI")), [62, 31, 4, 2, 1], count)
    writer.write("PERSON.txt", _lines([person_ids, person_stop, person_type, age, gender,
                                       ethnicity, race]))

    # Searches: about 3 % of stops; a tenth of those also search a passenger.
    searched = rng.random(size) < 0.03
    driver_rows = starts[searched]
    extra = searched & (passengers > 0) & (rng.random(size) < 0.1)
    rows = np.concatenate([driver_rows, starts[extra] + 1])
    rows.sort()
    search_count = len(rows)
    search_ids = np.arange(counters["search"] + 1, counters["search"] + search_count + 1)
    counters["search"] += search_count
    search_stop = person_stop[rows]
    search_person = person_ids[rows]
    search_type = _choice(rng, np.arange(1, 6), [35, 3, 30, 25, 7], search_count)
    search_flags = [(rng.random(search_count) < p).astype(np.int8) for p in
                    (0.8, 0.5, 0.1, 0.2, 0.02, 0.05, 0.03)]
    writer.write("Search.txt", _lines([search_ids, search_stop, search_person, search_type,
                                       *search_flags]))

    # Contraband on a third of the searches, two rows on some.
    hit = rng.random(search_count) < 0.33
    contraband_rows = np.repeat(np.flatnonzero(hit), np.where(rng.random(hit.sum()) < 0.15, 2, 1))
    n = len(contraband_rows)
    contraband_ids = np.arange(counters["contraband"] + 1, counters["contraband"] + n + 1)
    counters["contraband"] += n
    amounts = []
    for probability, scale in ((0.5, 2.0), (0.05, 3.0), (0.01, 1.0), (0.005, 1.0), (0.1, 10),
                               (0.2, 15.0), (0.01, 1.0), (0.1, 400.0), (0.05, 1.0), (0.1, 300.0)):
        values = np.where(rng.random(n) < probability,
                          np.round(rng.exponential(scale, n), 2), 0.0)
        text = values.astype(str).astype(object)
        text[values == 0] = "0"
        amounts.append(text)
    writer.write("Contraband.txt", _lines([
        contraband_ids, search_ids[contraband_rows], search_person[contraband_rows],
        search_stop[contraband_rows], *amounts]))

    # One to three bases per search.
    basis_per = _choice(rng, np.array([1, 2, 3]), [70, 22, 8], search_count)
    basis_rows = np.repeat(np.arange(search_count), basis_per)
    m = len(basis_rows)
    basis_ids = np.arange(counters["basis"] + 1, counters["basis"] + m + 1)
    counters["basis"] += m
    basis = _choice(rng, np.array(["ER", "OB", "OI", "SM", "TIP", "WTNS"]),
                    [30, 30, 15, 15, 5, 5], m)
    writer.write("SearchBasis.txt", _lines([basis_ids, search_ids[basis_rows],
                                            search_person[basis_rows],
                                            search_stop[basis_rows], basis]))


def _dirty_stops(rng, lines: list[bytes], first: int, total: int) -> None:
    """NUL bytes, extra fields, quotes, CP1252 text; malformed lines in big extracts."""
    size = len(lines)
    picks = rng.choice(size, size=min(size, 40), replace=False)
    for number, index in enumerate(picks[:10]):
        fields = lines[index].split(b"\t")
        if number % 2 == 0:
            fields[14] = fields[14][:2] + b"\x00" + fields[14][2:]  # NUL inside a city
        else:
            fields.append(b"SPURIOUS")  # extra field (truncated by the importer)
        if number % 3 == 0:
            fields[14] = b'"DOWNTOWN'  # quote character inside a field
        if number % 5 == 0:
            fields[13] = "Caf\u00e9 \u2019".encode("cp1252")  # CP1252 bytes
        lines[index] = b"\t".join(fields)
    # About one malformed line in 50,000 (far below the reject threshold).
    bad = max(0, size // 50_000) if total >= 20_000 else 0
    for number, index in enumerate(picks[10:10 + bad]):
        fields = lines[index].split(b"\t")
        if number % 3 == 0:
            fields = fields[:8]  # too few fields
        elif number % 3 == 1:
            fields[2] = b"2019-02-30 10:00:00.000"  # impossible date
        else:
            fields[3] = b"X"  # non-numeric code
        lines[index] = b"\t".join(fields)
