"""A measure is declared once (``nc.stats``): the SQL fill and the import's streamed
counts both follow it, and agree."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connections

from nc import stats as nc_stats_module
from nc.raw_files import field_index
from nc.services import nc_import_run
from nc.stats import DRIVER_TYPE, SEARCH_TYPE_MEASURES, STOP_MEASURES, nc_stats
from nc.summary_stream import LayoutUnsupported, SummaryStream, stream_layout
from nc.tests.extracts import stop
from nc.tests.test_summary_stream import RALEIGH, STREAMED_NOTE, _tricky_extract
from tsdata.states import StateDefinition
from tsdata.stats import summaries
from tsdata.stats.definitions import Measure
from tsdata.stats.services import summary_rebuild

EXTRA = (
    Measure("force_stops", "stop", when="engage_force"),
    Measure("force_contraband", "contraband", when="engage_force"),
    Measure("arrest_searches", "search", when="driver_arrest"),
)
EXTRA_SEARCH_TYPE = (Measure("arrest_searches", "search", when="driver_arrest"),)


def test_nc_definitions_are_streamed_whole():
    """Every NC measure is one the stream counts: no summary falls back to SQL because of
    its definitions; the Stop.txt fields it reads (and the importer hands back for slow
    lines) are the ones the definitions name."""
    layout = stream_layout(nc_stats_module.STATS, driver_type=DRIVER_TYPE)
    assert layout.stops.names == ("stops", "searches", "use_of_force", "contraband")
    assert layout.conditions == ("engage_force",)
    assert layout.list_mask == 0  # only searched stops carry measures beyond the count
    assert layout.slow_stop_fields == tuple(
        field_index("Stop.txt", name)
        for name in ("date", "purpose", "engage_force", "officer_id"))
    assert SummaryStream().usable


@pytest.mark.parametrize("measures, message", [
    ((*STOP_MEASURES, Measure("arrests", "person")), "unit 'person'"),
    ((*STOP_MEASURES, Measure("odd", "stop", when="officer_id")), "not a Stop.txt flag"),
    ((*STOP_MEASURES, Measure("odd", "stop", when="no_such_column")), "no column"),
    (STOP_MEASURES[1:], "exactly one plain count of stops"),
])
def test_a_definition_the_stream_cannot_count_turns_it_off(measures, message, caplog,
                                                          monkeypatch):
    """A unit the stream has no count for, a condition that is not a Stop.txt flag (or
    not a column at all), or no plain count of stops: the layout says which, and a
    stream built on such definitions is off from the start."""
    original = StateDefinition.stats_config
    stats = dataclasses.replace(
        nc_stats_module.STATS,
        tables={**nc_stats_module.STATS.tables, "stop": dataclasses.replace(
            nc_stats_module.STATS.tables["stop"], measures=measures)},
    )
    with pytest.raises(LayoutUnsupported, match=message):
        stream_layout(stats, driver_type=DRIVER_TYPE)
    # An import counting with such definitions keeps its stream off (SQL builds it all).
    monkeypatch.setattr(StateDefinition, "stats_config",
                        lambda self: stats if self.key == "nc" else original(self))
    stream = SummaryStream()
    assert not stream.usable and stream.layout is None
    assert "streamed officer counts off" in caplog.text


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_a_new_measure_is_streamed_and_built_in_sql_alike(tmp_path, monkeypatch, settings):
    """Three measures added to the definitions only (a per-stop count on a flag, which
    lists unsearched stops too; contraband on a flag; searches on another flag, in both
    summaries). The summary tables get the columns a migration would add; nothing else
    changes. The import counts them while loading, and a plain SQL rebuild gives the same
    rows."""
    settings.IMPORT_MAX_REJECT_SHARE = 0.5  # the extract's dirty lines are on purpose
    stats = nc_stats(STOP_MEASURES + EXTRA, SEARCH_TYPE_MEASURES + EXTRA_SEARCH_TYPE)
    original = StateDefinition.stats_config
    monkeypatch.setattr(StateDefinition, "stats_config",
                        lambda self: stats if self.key == "nc" else original(self))
    create = summaries.summary_create_statements

    def with_new_columns(state: str) -> list[str]:
        statements = create(state)
        if state == "nc":
            for table, measures in (("nc_officerstopsummary", EXTRA),
                                    ("nc_stopsummary", EXTRA),
                                    ("nc_officersearchtypesummary", EXTRA_SEARCH_TYPE),
                                    ("nc_searchtypesummary", EXTRA_SEARCH_TYPE)):
                statements += [f"ALTER TABLE {table} ADD COLUMN {m.name} integer NOT NULL"
                               for m in measures]
        return statements

    monkeypatch.setattr(summaries, "summary_create_statements", with_new_columns)
    extra_stops = [  # unsearched, with force and a driver arrest: counted per stop only
        *(stop(number, RALEIGH, "2016-04-04 10:00:00", 2, 1, "1001000", "F1")
          for number in (90, 91)),
        stop(92, RALEIGH, "2016-04-04 10:00:00", 2, 1, "1000000", "F2"),  # searched, arrest
    ]
    extra_people = [(3000 + number, number, "D", 30, "M", "N", "W") for number in (90, 91, 92)]
    report = nc_import_run(
        zip_path=_tricky_extract(tmp_path / "a.zip", extra_stops=extra_stops,
                                 extra_people=extra_people, purpose_45=False,
                                 extra_searches=[(509, 92, 3092, 2, 1, 0, 0, 0, 0, 0, 0)]),
        prime=False,
    )
    assert any(STREAMED_NOTE in note for note in report.notes), report.notes
    imported = _extra_rows()
    # The two unsearched stops with force (officer F1), and the searched ones with force
    # counted while loading (83: two searches with contraband; 72: two searches, one
    # contraband row; both with engage_force).
    officer_rows = {row[1]: row[2:5] for row in imported["nc_officerstopsummary"]}
    assert officer_rows["F1"] == (2, 0, 0)
    assert officer_rows["F2"] == (0, 0, 1)
    assert officer_rows["U83"] == (1, 2, 0)
    assert [row[1:3] for row in imported["nc_officersearchtypesummary"] if row[2]] == [("F2", 1)]
    assert sum(row[2] for row in imported["nc_stopsummary"]) >= 4
    summary_rebuild("nc")
    assert _extra_rows() == imported


def _extra_rows() -> dict[str, list[tuple]]:
    """The new columns of the four summaries, by key (whole rows for the officer stop
    summary's new measures)."""
    rows = {}
    with connections["traffic_stops_nc"].cursor() as cursor:
        for table, detail, names in (
            ("nc_officerstopsummary", "officer_id", [m.name for m in EXTRA]),
            ("nc_stopsummary", "agency_id", [m.name for m in EXTRA]),
            ("nc_officersearchtypesummary", "officer_id", ["arrest_searches"]),
            ("nc_searchtypesummary", "agency_id", ["arrest_searches"]),
        ):
            cursor.execute(f"SELECT agency_id, {detail}, {', '.join(names)}, * FROM {table}")
            rows[table] = sorted(cursor.fetchall())
    return rows
