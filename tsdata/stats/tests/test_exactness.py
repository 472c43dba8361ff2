"""Every statistics endpoint equals a straightforward query over the raw tables.

Varied raw data (several agencies and officers, unknown codes, multiple drivers, searches
and contraband per stop, dates next to New Year in Eastern time) are generated, the
summaries rebuilt, and each response compared with the original system's SQL folded as
its ``GroupedData`` did, in the canonical order (docs/decisions.md, 'Canonical order of
keys and rows').
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connections
from rest_framework.test import APIClient

from il import models as il
from md import models as md
from nc import models as nc
from tsdata.stats.services import summary_rebuild

pytestmark = pytest.mark.django_db(databases="__all__")
UTC = ZoneInfo("UTC")

NC_LABELS = {"A": "asian", "B": "black", "I": "native_american", "U": "other", "W": "white"}
NC_DEFAULTS = ("asian", "black", "native_american", "other", "white", "hispanic")
NC_PURPOSES = dict(nc.PURPOSE_CHOICES)
NC_SEARCH_TYPES = dict(nc.SEARCH_TYPE_CHOICES)
MD_LABELS = dict(md.ETHNICITY_CHOICES)
IL_LABELS = dict(il.ETHNICITY_CHOICES)


class GroupedData:
    """The original's accumulator: groups in first-seen order, defaults first, sums per key."""

    def __init__(self, by: tuple[str, ...], defaults: tuple[str, ...]):
        self.by = by
        self.defaults = defaults
        self.groups: dict[tuple, dict] = {}

    def add(self, **values) -> None:
        key = tuple(values.pop(name) for name in self.by)
        group = self.groups.setdefault(key, dict.fromkeys(self.defaults, 0))
        for name, count in values.items():
            group[name] = group.get(name, 0) + count

    def flatten(self) -> list[dict]:
        return [
            {**dict(zip(self.by, key, strict=True)), **values}
            for key, values in self.groups.items()
        ]


def query(alias: str, sql: str, params: list) -> list[tuple]:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# ---- NC reference (docs/api.md) -------------------------------------------------------------

NC_YEAR = "EXTRACT(YEAR FROM DATE_TRUNC('year', s.date AT TIME ZONE 'America/New_York'))::int"
NC_SEARCH_JOIN = "JOIN nc_search se ON se.stop_id = s.stop_id"
NC_CONTRABAND_JOIN = NC_SEARCH_JOIN + " JOIN nc_contraband c ON c.search_id = se.search_id"


def nc_reference(agency_id: int, officer: str | None, *, joins="", extra_where="", group=None):
    """Rows of the original NC query: (year, [group column,] race, ethnicity, count)."""
    group_select = f"{group}, " if group else ""
    officer_where = " AND s.officer_id = %s" if officer else ""
    params = [agency_id] + ([officer] if officer else [])
    order = f"1, {group_select}p.race COLLATE \"C\", p.ethnicity COLLATE \"C\""
    return query(
        "traffic_stops_nc",
        f"""SELECT {NC_YEAR} AS year, {group_select}p.race, p.ethnicity, COUNT(s.date)
            FROM nc_stop s JOIN nc_person p ON p.stop_id = s.stop_id {joins}
            WHERE s.agency_id = %s AND p.type = 'D'{officer_where}{extra_where}
            GROUP BY {"1, 2, 3, 4" if group else "1, 2, 3"} ORDER BY {order}""",
        params,
    )


def nc_key(race: str, ethnicity: str) -> str:
    return "hispanic" if ethnicity == "H" else NC_LABELS.get(race, race)


def nc_fold(rows, by=("year",), labels=None) -> list[dict]:
    data = GroupedData(by, NC_DEFAULTS)
    for row in rows:
        if len(by) == 1:
            year, race, ethnicity, count = row
            data.add(year=year, **{nc_key(race, ethnicity): count})
        else:
            year, code, race, ethnicity, count = row
            data.add(**{by[0]: labels.get(code, code), "year": year,
                        nc_key(race, ethnicity): count})
    return data.flatten()


def nc_expected(endpoint: str, agency_id: int, officer: str | None):
    ref = nc_reference
    if endpoint == "stops":
        return nc_fold(ref(agency_id, officer))
    if endpoint == "searches":
        return nc_fold(ref(agency_id, officer, joins=NC_SEARCH_JOIN))
    if endpoint == "use_of_force":
        return nc_fold(ref(agency_id, officer, joins=NC_SEARCH_JOIN,
                           extra_where=" AND s.engage_force = true"))
    if endpoint == "searches_by_type":
        return nc_fold(ref(agency_id, officer, joins=NC_SEARCH_JOIN, group="se.type"),
                       by=("search_type", "year"), labels=NC_SEARCH_TYPES)
    if endpoint == "stops_by_reason":
        return {
            "stops": nc_fold(ref(agency_id, officer, group="s.purpose"),
                             by=("purpose", "year"), labels=NC_PURPOSES),
            "searches": nc_fold(ref(agency_id, officer, joins=NC_SEARCH_JOIN, group="s.purpose"),
                                by=("purpose", "year"), labels=NC_PURPOSES),
        }
    if endpoint == "contraband_hit_rate":
        return {
            "searches": nc_fold(ref(agency_id, officer, joins=NC_SEARCH_JOIN)),
            "contraband": nc_fold(ref(agency_id, officer, joins=NC_CONTRABAND_JOIN)),
        }
    raise AssertionError(endpoint)


def nc_generate(seed: int) -> tuple[list[int], list[tuple[int, str]]]:
    rng = random.Random(seed)
    agencies = [nc.Agency.objects.create(name=f"NC agency {i}") for i in range(5)]
    officers = ["", "1", "2", "17", "A-9", "x'y"]
    races = ["A", "B", "I", "U", "W", "W", "B", "", "Z"]
    ethnicities = ["N", "N", "H", "", "N"]
    new_year = datetime(2016, 1, 1, 5, 0, tzinfo=UTC)  # 00:00 in Eastern time
    stops, people, searches, contraband = [], [], [], []
    ids = iter(range(1, 10**7))
    for _ in range(1500):
        stop_id = next(ids)
        agency = rng.choice(agencies + [None])
        if rng.random() < 0.2:
            date = new_year + timedelta(minutes=rng.randint(-600, 600))
        else:
            date = datetime(2008, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randint(0, 90_000))
        stops.append(nc.Stop(
            stop_id=stop_id, agency=agency, agency_description=agency.name if agency else "?",
            date=date, purpose=rng.choice([1, 2, 3, 5, 8, 10, 42]), action=1,
            engage_force=rng.random() < 0.3, officer_id=rng.choice(officers),
            stop_location="", stop_city="",
        ))
        n_people = rng.choice([0, 1, 1, 1, 2, 3])
        stop_people = []
        for _ in range(n_people):
            person = nc.Person(
                person_id=next(ids), stop_id=stop_id, type=rng.choice("DDDP"), age=30,
                gender="M", race=rng.choice(races), ethnicity=rng.choice(ethnicities),
            )
            people.append(person)
            stop_people.append(person)
        if not stop_people:
            continue
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            search = nc.Search(
                search_id=next(ids), stop_id=stop_id, person_id=rng.choice(stop_people).person_id,
                type=rng.choice([1, 2, 3, 4, 5, 9]),
            )
            searches.append(search)
            for _ in range(rng.choice([0, 0, 1, 2])):
                contraband.append(nc.Contraband(
                    contraband_id=next(ids), search_id=search.search_id,
                    person_id=search.person_id, stop_id=stop_id,
                ))
    nc.Stop.objects.bulk_create(stops)
    nc.Person.objects.bulk_create(people)
    nc.Search.objects.bulk_create(searches)
    nc.Contraband.objects.bulk_create(contraband)
    pairs = sorted({(s.agency_id, s.officer_id) for s in stops if s.agency_id and s.officer_id})
    return [a.pk for a in agencies], pairs


def test_nc_every_endpoint_matches_raw_sql() -> None:
    agency_ids, officer_pairs = nc_generate(seed=7)
    summary_rebuild("nc")
    cache.clear()
    client = APIClient()
    endpoints = ("stops", "stops_by_reason", "searches", "searches_by_type",
                 "contraband_hit_rate", "use_of_force")
    cases = [(agency_id, None) for agency_id in agency_ids] + officer_pairs
    assert len(cases) > 20
    non_empty = 0
    for agency_id, officer in cases:
        for endpoint in endpoints:
            params = {"officer": officer} if officer else {}
            response = client.get(f"/nc/api/agency/{agency_id}/{endpoint}/", params)
            expected = nc_expected(endpoint, agency_id, officer)
            assert response.json() == expected, (agency_id, officer, endpoint)
            # Same key order too (compare serialized order, not just dict equality).
            assert repr(response.json()) == repr(expected)
            non_empty += bool(expected)
    assert non_empty > len(cases) * 4  # the data exercise the endpoints


# ---- MD / IL reference (docs/api.md) -------------------------------------------------------

MD_YEAR = "EXTRACT(YEAR FROM DATE_TRUNC('year', date AT TIME ZONE 'America/New_York'))::int"


def flat_expected(state: str, endpoint: str, agency_id: int, officer: str | None):
    alias, table = f"traffic_stops_{state}", f"{state}_stop"
    labels = MD_LABELS if state == "md" else IL_LABELS
    purposes = dict((md if state == "md" else il).PURPOSE_CHOICES)
    year = MD_YEAR if state == "md" else "year"
    counted = "date" if state == "md" else "year"
    defaults = tuple(labels.values())

    def fold(where: str, by_purpose: bool) -> list[dict]:
        officer_where = " AND officer_id = %s" if officer and state == "md" else ""
        params = [agency_id] + ([officer] if officer_where else [])
        group = "purpose, " if by_purpose else ""
        rows = query(
            alias,
            f"""SELECT {year} AS y, {group}ethnicity, COUNT({counted}) FROM {table}
                WHERE agency_id = %s{officer_where}{where}
                GROUP BY y, {group}ethnicity
                HAVING COUNT({counted}) > 0
                ORDER BY y, {group}ethnicity COLLATE "C" """,
            params,
        )
        data = GroupedData(("purpose", "year") if by_purpose else ("year",), defaults)
        for row in rows:
            if by_purpose:
                y, purpose, ethnicity, count = row
                data.add(purpose=purposes.get(purpose, purpose), year=y,
                         **{labels.get(ethnicity, ethnicity): count})
            else:
                y, ethnicity, count = row
                data.add(year=y, **{labels.get(ethnicity, ethnicity): count})
        return data.flatten()

    searched, seized = " AND search_conducted = 'Y'", " AND seized = 'Y'"
    if endpoint == "stops":
        return fold("", False)
    if endpoint == "searches":
        return fold(searched, False)
    if endpoint == "stops_by_reason":
        return {"stops": fold("", True), "searches": fold(searched, True)}
    if endpoint == "contraband_hit_rate":
        return {"searches": fold(searched, False), "contraband": fold(seized, False)}
    raise AssertionError(endpoint)


def flat_generate(state: str, seed: int) -> tuple[list[int], list[tuple[int, str]]]:
    rng = random.Random(seed)
    module = md if state == "md" else il
    agencies = [module.Agency.objects.create(name=f"{state} agency {i}") for i in range(4)]
    codes = [code for code, _ in module.ETHNICITY_CHOICES] + ["", "X"]
    flags = ["Y", "N", "U"] if state == "il" else ["Y", "N"]
    stops = []
    for stop_id in range(1, 1200):
        agency = rng.choice(agencies + [None])
        fields = {
            "stop_id": stop_id,
            "agency": agency,
            "agency_description": agency.name if agency else "?",
            "purpose": rng.choice([code for code, _ in module.PURPOSE_CHOICES] + [33]),
            "search_conducted": rng.choice(flags),
            "seized": rng.choice(flags),
            "gender": "M",
            "ethnicity": rng.choice(codes),
        }
        if state == "md":
            date = None if rng.random() < 0.05 else (
                datetime(2016, 1, 1, 5, tzinfo=UTC) + timedelta(minutes=rng.randint(-9000, 9000))
            )
            fields.update(date=date, officer_id=rng.choice(["", "1", "2", "33", "7'%"]),
                          stop_location="x", stop_reason="x", search_reason="")
        else:
            fields.update(year=rng.randint(2004, 2018))
        stops.append(module.Stop(**fields))
    module.Stop.objects.bulk_create(stops)
    pairs = []
    if state == "md":
        pairs = sorted({(s.agency_id, s.officer_id) for s in stops if s.agency_id and s.officer_id})
    return [a.pk for a in agencies], pairs


@pytest.mark.parametrize("state", ["md", "il"])
def test_md_il_every_endpoint_matches_raw_sql(state) -> None:
    agency_ids, officer_pairs = flat_generate(state, seed=11)
    summary_rebuild(state)
    cache.clear()
    client = APIClient()
    cases = [(agency_id, None) for agency_id in agency_ids] + officer_pairs
    for agency_id, officer in cases:
        for endpoint in ("stops", "stops_by_reason", "searches", "contraband_hit_rate"):
            params = {"officer": officer} if officer else {}
            response = client.get(f"/{state}/api/agency/{agency_id}/{endpoint}/", params)
            expected = flat_expected(state, endpoint, agency_id, officer)
            assert repr(response.json()) == repr(expected), (agency_id, officer, endpoint)
            assert expected


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_nc_imported_extract_matches_raw_sql(tmp_path) -> None:
    """The real path: a generated raw extract goes through ``import_nc`` (summaries built
    in the staging schema by the post-load step), then every endpoint of many agencies and
    officers equals the reference SQL over the imported raw tables."""
    from nc.sample_data import sample_zip_write
    from nc.services import nc_import_run

    archive = sample_zip_write(out_dir=tmp_path, stops=6000, seed=11)
    nc_import_run(zip_path=archive, dest=tmp_path / "work", prime=False)
    cache.clear()
    client = APIClient()
    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute(
            "SELECT agency_id FROM nc_stop WHERE agency_id IS NOT NULL "
            "GROUP BY agency_id ORDER BY count(*) DESC, agency_id LIMIT 12"
        )
        agency_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT agency_id, officer_id FROM nc_stop WHERE agency_id IS NOT NULL "
            "GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 12"
        )
        officer_pairs = cursor.fetchall()
    assert len(agency_ids) == 12 and len(officer_pairs) == 12
    endpoints = ("stops", "stops_by_reason", "searches", "searches_by_type",
                 "contraband_hit_rate", "use_of_force")
    non_empty = 0
    for agency_id, officer in [(a, None) for a in agency_ids] + officer_pairs:
        for endpoint in endpoints:
            params = {"officer": officer} if officer else {}
            response = client.get(f"/nc/api/agency/{agency_id}/{endpoint}/", params)
            expected = nc_expected(endpoint, agency_id, officer)
            assert repr(response.json()) == repr(expected), (agency_id, officer, endpoint)
            non_empty += bool(expected)
    assert non_empty > 100


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_nc_import_split_build_equals_single_statement_build(tmp_path) -> None:
    """The import fills the officer-level table in two stop-id ranges on two connections
    and merges the partial counts; rebuilding in place with one statement per table gives
    the very same rows of every summary table."""
    from nc.models import OfficerStopSummary, SearchTypeSummary, StopSummary
    from nc.sample_data import sample_zip_write
    from nc.services import nc_import_run
    from tsdata.stats.services import summary_rebuild

    archive = sample_zip_write(out_dir=tmp_path, stops=6000, seed=5)
    nc_import_run(zip_path=archive, dest=tmp_path / "work", prime=False)
    models = (OfficerStopSummary, StopSummary, SearchTypeSummary)

    def rows() -> dict[str, list[tuple]]:
        return {model.__name__: sorted(model.objects.values_list()) for model in models}

    imported = rows()
    assert len(imported["OfficerStopSummary"]) > 500
    summary_rebuild("nc")
    assert rows() == imported
