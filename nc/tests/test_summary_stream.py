"""The officer counts streamed during an NC import equal the summary's SQL on the data."""

from __future__ import annotations

import datetime as dt
import zipfile
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.db import connections

from nc.models import (
    OfficerSearchTypeSummary,
    OfficerStopSummary,
    Person,
    SearchTypeSummary,
    Stop,
    StopSummary,
)
from nc.services import nc_import_run
from nc.summary_stream import SummaryStream
from nc.tests.extracts import stop, tsv, zip_write
from tsdata.stats.registry import stats_config
from tsdata.stats.services import summary_rebuild

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)
SHP = "NC State Highway Patrol"
RALEIGH = "Raleigh Police Department"
PENA = "Pe\u00f1a Police Department"
STREAMED_NOTE = "rows counted while loading"
MODELS = (OfficerStopSummary, OfficerSearchTypeSummary, StopSummary, SearchTypeSummary)


def _summaries() -> dict[str, list[tuple]]:
    return {model.__name__: sorted(model.objects.values_list()) for model in MODELS}


def _imported_equals_sql_rebuild(report) -> None:
    imported = _summaries()
    assert imported["OfficerStopSummary"]
    summary_rebuild("nc")
    assert _summaries() == imported


def _tricky_extract(path, *, agencies=(RALEIGH, PENA, SHP), extra_stops=(), extra_people=(),
                    extra_searches=(), purpose_45=True):
    """Simple stops with odd officers and categories, plus every kind of dirty stop (a
    purpose beyond 31 does not fit the import's merge, which leaves the sum to SQL)."""
    stops, people = [], []
    officers = ["A1", "A\\2", "Off\u00e9", "7", "A1 B"]
    races = [("N", "W"), ("H", "B"), ("N", "X"), ("N", "Z9"), ("H", "U"), ("N", "I"),
             ("N", "")]
    for number in range(1, 61):
        agency = agencies[number % len(agencies)]
        year = 2002 + number % 5
        stops.append(stop(number, agency, f"{year}-01-01 00:{number % 60:02d}:00",
                          1 + number % 3, 1, "0000000", officers[number % len(officers)]))
        ethnicity, race = races[number % len(races)]
        people.append((1000 + number, number, "D", 30, "M", ethnicity, race))
        people.append((2000 + number, number, "P", 30, "F", "N", "W"))  # passengers count 0
    stops += [
        stop(70, RALEIGH, "2016-03-03 10:00:00", 2, 1, "0001000", "A1"),  # two drivers
        stop(71, RALEIGH, "2016-03-03 10:00:00", 2, 1, "0000000", "A1"),  # no driver
        stop(72, PENA, "2016-03-03 10:00:00", 2, 1, "0001000", "A1"),  # searched, force
        stop(73, RALEIGH, "2016-03-03 10:00:00", 2, 1, "0000000", "A1"),  # padded driver
        stop(74, RALEIGH, "2001-03-03 10:00:00", 2, 1, "0000000", "A1"),  # cut off
        stop(75, SHP, "2001-03-03 10:00:00", 2, 1, "0000000", "T1"),  # kept (patrol)
        stop(76, RALEIGH, "2016-02-30 10:00:00", 2, 1, "0000000", "A1"),  # refused date
        stop(77, f" {RALEIGH}", "2016-03-03 10:00:00", 2, 1, "0000000", "A1"),  # padded
        # Searched (counted while loading, with its search).
        stop(79, PENA, "2016-03-03 10:00:00", 2, 1, "0000000", "Z\\9"),
        # Two drivers; the officer and the category occur on no counted stop.
        stop(80, PENA, "2016-03-03 10:00:00", 2, 1, "0000000", "Y\\8"),
        # Searched stops that go back to SQL once loaded: 81's search refers to a
        # rejected person (removed), 82's contraband is on a slow line (loaded), 84's
        # contraband refers to a rejected person (removed). 83: two searches with force,
        # each with contraband, counted while loading.
        *(stop(number, RALEIGH, "2016-03-03 10:00:00", 2, 1, "0001000", f"U{number}")
          for number in (81, 82, 83, 84)),
    ]
    if purpose_45:  # and a search type of 45 on a dirty stop (two drivers)
        stops.append(stop(78, RALEIGH, "2016-03-03 10:00:00", 45, 1, "0000000", "A1"))
    stops += extra_stops
    people += [
        (3070, 70, "D", 30, "M", "N", "W"), (3071, 70, "D", 31, "F", "H", "W"),
        (3072, 72, "D", 30, "M", "N", "B"), (3073, 73, " D ", 30, "M", "N", "B"),
        (3074, 74, "D", 30, "M", "N", "W"), (3075, 75, "D", 30, "M", "N", "A"),
        (3076, 76, "D", 30, "M", "N", "W"), (3077, 77, "D", 30, "M", "N", "W"),
        *([(3078, 78, "D", 30, "M", "N", "W")] if purpose_45 else []),
        (3079, 79, "D", 30, "M", "N", "Q"),
        (3080, 80, "D", 30, "M", "N", "Q8"), (3180, 80, "D", 30, "M", "N", "Q8"),
        *((3000 + number, number, "D", 30, "M", "N", "B") for number in (81, 82, 83, 84)),
        *extra_people,
    ]
    searches = tsv((500, 72, 3072, 1, 1, 0, 0, 0, 0, 0, 0),
                   (501, 72, 3072, 3, 1, 0, 0, 0, 0, 0, 0),
                   (502, 79, 3079, 1, 1, 0, 0, 0, 0, 0, 0),
                   (503, 81, 3076, 1, 1, 0, 0, 0, 0, 0, 0),
                   (504, 82, 3082, 1, 1, 0, 0, 0, 0, 0, 0),
                   (505, 83, 3083, 1, 1, 0, 0, 0, 0, 0, 0),
                   (506, 83, 3083, 2, 1, 0, 0, 0, 0, 0, 0),
                   (507, 84, 3084, 1, 1, 0, 0, 0, 0, 0, 0),
                   *([(508, 70, 3070, 45, 1, 0, 0, 0, 0, 0, 0)] if purpose_45 else []),
                   *extra_searches)
    nothing = ("0",) * 9
    contraband = tsv((600, 500, 3072, 72, "1", *nothing),
                     (601, 505, 3083, 83, "1", *nothing),
                     (602, 506, 3083, 83, "2", *nothing),
                     (603, 504, 3082, 82, "1", *nothing, "SPURIOUS"),  # slow, loaded
                     (604, 507, 3076, 84, "1", *nothing))
    return zip_write(path, {"Stop.txt": tsv(*stops), "PERSON.txt": tsv(*people),
                            "Search.txt": searches, "Contraband.txt": contraband})


def test_streamed_counts_equal_the_sql_build(tmp_path, settings):
    """First import (names resolved up front), then one where a new agency name takes
    the slow path (a padded one is trimmed on the way): both streamed, both equal to a
    plain SQL rebuild."""
    settings.IMPORT_MAX_REJECT_SHARE = 0.5
    report = nc_import_run(zip_path=_tricky_extract(tmp_path / "a.zip"), prime=False)
    assert any(STREAMED_NOTE in note for note in report.notes)
    assert "officer summary: 3 searched stops left to SQL" in " ".join(report.notes)
    measures = {officer: (stops, searches, use_of_force, contraband)
                for officer, stops, searches, use_of_force, contraband
                in OfficerStopSummary.objects.filter(officer_id__startswith="U").values_list(
                    "officer_id", "stops", "searches", "use_of_force", "contraband")}
    assert measures == {"U81": (1, 0, 0, 0), "U82": (1, 1, 1, 1), "U83": (1, 2, 2, 2),
                        "U84": (1, 1, 1, 0)}
    _imported_equals_sql_rebuild(report)
    report = nc_import_run(
        zip_path=_tricky_extract(tmp_path / "b.zip", agencies=(RALEIGH, "Apex PD", SHP)),
        prime=False,
    )
    assert any(STREAMED_NOTE in note for note in report.notes)
    assert OfficerStopSummary.objects.filter(officer_id="A\\2").exists()
    assert OfficerStopSummary.objects.filter(officer_id="Off\u00e9").exists()
    assert OfficerStopSummary.objects.filter(purpose=45, stops=1).exists()
    assert set(OfficerStopSummary.objects.values_list("category", flat=True)) >= {
        "X", "Z9", "", "hispanic", "white", "black", "native_american"}
    _imported_equals_sql_rebuild(report)


@pytest.mark.parametrize("purpose_45, how", [(False, "merged by the import"),
                                             (True, "summed in SQL")])
def test_the_import_merges_counted_and_sql_rows_or_leaves_it_to_sql(
    tmp_path, settings, caplog, purpose_45, how
):
    """The rows of the dirty stops (two drivers, odd officers and categories, a category
    only a dirty stop has) are summed into the counted rows by the import, or in SQL when
    one does not fit (purpose or search type 45); the result equals a plain SQL build
    either way, for both officer summaries."""
    settings.IMPORT_MAX_REJECT_SHARE = 0.5
    caplog.set_level("INFO", logger="tsdata.stats.summaries")
    report = nc_import_run(
        zip_path=_tricky_extract(tmp_path / "a.zip", purpose_45=purpose_45), prime=False,
    )
    for table in ("nc_officerstopsummary", "nc_officersearchtypesummary"):
        merges = [record.getMessage() for record in caplog.records
                  if f"{table} from counts streamed" in record.getMessage()]
        assert len(merges) == 1 and how in merges[0]
    # The agency summary is summed from the merged officer rows only if the import merged
    # them (otherwise its SQL template sums the officer table).
    summed = [record for record in caplog.records
              if "nc_stopsummary from the rows the import merged" in record.getMessage()]
    assert len(summed) == (how == "merged by the import")
    # Nothing was removed after the load: the summaries built then are the ones kept.
    assert not any("again" in phase for phase in report.phases)
    assert OfficerStopSummary.objects.filter(officer_id="Z\\9", category="Q", stops=1,
                                             searches=1).exists()
    assert OfficerStopSummary.objects.filter(officer_id="Y\\8", category="Q8", stops=2,
                                             searches=0).exists()
    _imported_equals_sql_rebuild(report)


def test_a_stop_id_on_a_slow_line_and_a_loaded_line_is_left_to_sql(tmp_path, settings):
    """Stop 1 is loaded, and its id comes back on a rejected line: the rejection removes
    stop 1's people, which only the SQL on the final tables sees."""
    settings.IMPORT_MAX_REJECT_SHARE = 0.5
    report = nc_import_run(
        zip_path=_tricky_extract(tmp_path / "a.zip",
                                 extra_stops=[stop(1, RALEIGH, "2016-02-30 10:00:00")]),
        prime=False,
    )
    assert Stop.objects.filter(stop_id=1).exists() and not Person.objects.filter(stop_id=1)
    _imported_equals_sql_rebuild(report)


def test_a_stop_id_on_two_slow_lines_one_rejected_is_left_to_sql(tmp_path, settings):
    """Stop 90 is loaded from a slow line (an extra field, truncated), and its id is also
    on a rejected line: the rejection removes stop 90's people, so it has no summary row."""
    settings.IMPORT_MAX_REJECT_SHARE = 0.5
    report = nc_import_run(
        zip_path=_tricky_extract(tmp_path / "a.zip", extra_stops=[
            (*stop(90, RALEIGH, "2016-03-03 10:00:00", 2, 1, "0000000", "U90"), "SPURIOUS"),
            stop(90, RALEIGH, "2016-02-30 10:00:00", 2, 1, "0000000", "U90"),
        ], extra_people=[(3090, 90, "D", 30, "M", "N", "B")]),
        prime=False,
    )
    assert any(STREAMED_NOTE in note for note in report.notes)
    assert Stop.objects.filter(stop_id=90).exists() and not Person.objects.filter(stop_id=90)
    assert not OfficerStopSummary.objects.filter(officer_id="U90").exists()
    _imported_equals_sql_rebuild(report)


def _block(lines: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    arr = np.frombuffer(b"".join(line + b"\n" for line in lines), np.uint8)
    return arr, np.flatnonzero(arr == 10)


def test_a_counted_stop_on_a_later_slow_line_turns_the_counts_off():
    """When the slow line comes in a later block, the stop was already counted: the
    counts are then unusable and the summary is built in SQL."""
    counts = SummaryStream()
    arr, ends = _block([b"10\t1\tD\t30\tM\tN\tW"])
    counts.persons_loaded(arr, ends, np.ones(1, bool))
    arr, ends = _block([b"1\tRaleigh\t2016-01-01 10:00:00\t1\t1\t0\t0\t0\t0\t0\t0\t0\tA1\tx\ty"])
    counts.stops_loaded(arr, ends, np.ones(1, bool), np.array([3]))
    assert counts.usable
    assert counts.searched_settle(None, "unused", [], []) == 0
    assert b"".join(counts.rows_copy_text()) == b"3\tA1\t2016\t1\twhite\t1\t0\t0\t0\n"
    counts.lines_slow(0, [(5, b" 1 \tRaleigh\tnot a date")])
    assert not counts.usable


def test_high_stop_ids_groups_and_dirty_ids_across_chunks():
    """Stop ids far beyond the first page, three stops of one group (one searched twice,
    with force and contraband), a purpose that does not fit a packed group (left to SQL),
    and dirty ids written in several chunks."""
    counts = SummaryStream()
    persons = [b"%d\t%d\tD\t30\tM\tH\tW" % (index, stop_id)
               for index, stop_id in enumerate((5_000_001, 5_000_002, 7_000_003, 9_000_000))]
    arr, ends = _block(persons)
    counts.persons_loaded(arr, ends, np.ones(4, bool))
    # SearchID, StopID, PersonID, Type
    arr, ends = _block([b"1\t9000000\t3\t2", b"2\t9000000\t3\t4"])
    counts.searches_loaded(arr, ends, np.ones(2, bool))
    arr, ends = _block([b"7\t1", b"8\t2", b"9\t2"])  # ContrabandID, SearchID
    counts.contraband_loaded(arr, ends, np.ones(3, bool))
    stops = [b"%d\tRaleigh\t2020-05-01 10:00:00\t%d\t1\t0\t0\t0\t%d\t0\t0\t0\tB\\7\tx\ty"
             % (stop_id, purpose, stop_id == 9_000_000)
             for stop_id, purpose in ((5_000_001, 3), (5_000_002, 3), (7_000_003, 45),
                                      (9_000_000, 3))]
    arr, ends = _block(stops)
    counts.stops_loaded(arr, ends, np.ones(4, bool), np.array([8, 8, 8, 8]))
    assert counts.usable
    with pytest.raises(RuntimeError):
        b"".join(counts.rows_copy_text())  # the searched stop is not settled yet
    assert counts.searched_settle(None, "unused", [], []) == 0
    assert b"".join(counts.rows_copy_text()) == (
        b"8\tB\\\\7\t2020\t3\thispanic\t3\t0\t0\t0\n"
        b"8\tB\\\\7\t2020\t3\thispanic\t0\t2\t2\t3\n"
    )
    assert b"".join(counts.dirty_ids_text(ids_per_chunk=1_000_000)) == b"7000003\n"
    # One row per search type of the searched stop (its type in place of the purpose).
    assert counts.streamed_rows_text(counts.search_type_rows) == (
        b"8\tB\\\\7\t2020\t2\thispanic\t1\n8\tB\\\\7\t2020\t4\thispanic\t1\n"
    )


def test_a_search_type_beyond_a_packed_group_leaves_that_summary_to_sql():
    counts = SummaryStream()
    arr, ends = _block([b"10\t1\tD\t30\tM\tN\tW"])
    counts.persons_loaded(arr, ends, np.ones(1, bool))
    arr, ends = _block([b"5\t1\t10\t40"])
    counts.searches_loaded(arr, ends, np.ones(1, bool))
    arr, ends = _block([b"1\tRaleigh\t2016-01-01 10:00:00\t1\t1\t0\t0\t0\t0\t0\t0\t0\tA1\tx\ty"])
    counts.stops_loaded(arr, ends, np.ones(1, bool), np.array([3]))
    counts.searched_settle(None, "unused", [], [])
    assert counts.usable and counts.search_type_counts() is None
    assert b"".join(counts.rows_copy_text()) == (
        b"3\tA1\t2016\t1\twhite\t1\t0\t0\t0\n3\tA1\t2016\t1\twhite\t0\t1\t0\t0\n")


def test_category_key_for_agrees_with_its_sql_case():
    scheme = stats_config("nc").categories
    pairs = [(ethnicity, race) for ethnicity in ("H", "N", "", "h", "HH")
             for race in ("A", "B", "I", "U", "W", "X", "", "w", "AB")]
    values = ", ".join(["(%s, %s)"] * len(pairs))
    with connections["traffic_stops_nc"].cursor() as cursor:
        query = (f"SELECT p.ethnicity, p.race, {scheme.case_sql().as_string(cursor.cursor)} "
                 f"FROM (VALUES {values}) AS p (ethnicity, race)")
        cursor.execute(query, [value for pair in pairs for value in pair])
        rows = cursor.fetchall()
    assert len(rows) == len(pairs)
    for ethnicity, race, key in rows:
        assert scheme.key_for({"p.ethnicity": ethnicity, "p.race": race}) == key


def test_a_generated_extract_of_several_blocks_loads_every_line_once(tmp_path, monkeypatch):
    """PERSON.txt (several 1 MB blocks) is loaded on two connections at once: every line
    is read exactly once, and the streamed summary (merged in many small chunks) still
    equals a plain SQL build."""
    from nc.sample_data import sample_zip_write
    from nc.summary_stream import output

    monkeypatch.setattr(output, "MERGE_CHUNK_ROWS", 7)

    archive = sample_zip_write(out_dir=tmp_path, stops=60_000, seed=4)
    with zipfile.ZipFile(archive) as zf:
        lines = {name: zf.read(name).count(b"\n") for name in ("PERSON.txt", "Stop.txt")}
    report = nc_import_run(zip_path=archive, prime=False)
    assert lines["PERSON.txt"] > 80_000  # several blocks
    for name, model in (("PERSON.txt", Person), ("Stop.txt", Stop)):
        counts = report.files[name]
        assert counts.read == lines[name]
        assert model.objects.count() == counts.loaded == (
            counts.read - counts.rejected - counts.cut_off)
    assert any(STREAMED_NOTE in note for note in report.notes)
    # Stop.txt is loaded by both connections too (the second joins once its own files are
    # indexed): every stored stop has its line's date and officer, read in Eastern time.
    eastern = ZoneInfo("America/New_York")
    with zipfile.ZipFile(archive) as zf:
        expected = {}
        for line in zf.read("Stop.txt").decode("cp1252").splitlines():
            fields = [field.strip() for field in line.replace("\x00", "").split("\t")]
            if len(fields) >= 15 and fields[0].isdigit():
                local = dt.datetime.fromisoformat(fields[2]).replace(tzinfo=eastern)
                # PostgreSQL reads a wall time that the switch to or from daylight saving
                # time skips or repeats as standard time: the later of the two readings.
                instant = max(local.replace(fold=fold).astimezone(dt.UTC) for fold in (0, 1))
                expected[int(fields[0])] = (instant, fields[12])
    stored = {stop_id: (date.astimezone(dt.UTC), officer) for stop_id, date, officer
              in Stop.objects.values_list("stop_id", "date", "officer_id")}
    assert len(stored) == counts.loaded
    assert {stop_id: expected[stop_id] for stop_id in stored} == stored
    _imported_equals_sql_rebuild(report)
