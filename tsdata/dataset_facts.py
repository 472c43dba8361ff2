"""Dataset facts: totals, time frame and top agencies of a state's live data.

What each fact counts: docs/data-formats.md, 'Dataset facts'.

One definition for every state; states differ only by the ``FactsConfig`` of their
``StateDefinition``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import connections, transaction
from django.db.models import Max, Min
from psycopg2 import sql

from tsdata.models import StateFacts, TopAgencyFacts
from tsdata.states import FactsConfig, StateMapping, state_config, state_definition

TOP_AGENCIES = 5
DATE_FORMAT = "%b %d, %Y"


# state key -> FactsConfig (declared in each ``<state>/state.py``; a view of the registry)
FACTS_CONFIG = StateMapping(lambda definition: definition.facts)


def _timeframe(stop_model, state: str, config: FactsConfig,
               per_agency: dict[int | None, AgencyStops]) -> tuple[str, str]:
    if config.date_field:
        # From the per-agency scan already made: no index on the date alone is needed (NC's
        # stops are indexed by agency and date, docs/find-a-stop.md).
        firsts = [entry.first_stop for entry in per_agency.values() if entry.first_stop]
        lasts = [entry.last_stop for entry in per_agency.values() if entry.last_stop]
        zone = ZoneInfo(state_config(state).tz_name)
        return tuple(
            bound.astimezone(zone).strftime(DATE_FORMAT) if bound else ""
            for bound in (min(firsts, default=None), max(lasts, default=None))
        )
    bounds = stop_model.objects.aggregate(first=Min("year"), last=Max("year"))
    return tuple("" if bounds[key] is None else str(bounds[key]) for key in ("first", "last"))


@dataclass(frozen=True)
class AgencyStops:
    stops: int
    last_stop: datetime.datetime | None  # None for states without a stop timestamp
    first_stop: datetime.datetime | None = None


def stop_table(state: str) -> str:
    """The state's stop table (the one ``stops_by_agency`` reads)."""
    return apps.get_model(state, "Stop")._meta.db_table


def stops_by_agency(state: str, *, cursor=None,
                    schema: str = "public") -> dict[int | None, AgencyStops]:
    """Stops, latest and first stop per agency id (None: stops without an agency) in one
    scan of the stop table, shared by the facts (count, timeframe) and the agencies' last
    reported stop.

    With a (psycopg2) ``cursor`` and a ``schema``: of the stop table there, e.g. an
    import's staged table just before it is swapped in (``staging_import``)."""
    config = state_definition(state).facts
    stop_model = apps.get_model(state, "Stop")
    bounds = sql.SQL("NULL, NULL")
    if config.date_field:
        column = sql.Identifier(stop_model._meta.get_field(config.date_field).column)
        bounds = sql.SQL("max({column}), min({column})").format(column=column)
    query = sql.SQL("SELECT agency_id, count(*), {bounds} FROM {table} GROUP BY agency_id").format(
        bounds=bounds, table=sql.Identifier(schema, stop_table(state)))
    if cursor is None:
        connection = connections[state_config(state).db_alias]
        with connection.cursor() as django_cursor:
            django_cursor.execute(query.as_string(django_cursor.cursor))
            rows = django_cursor.fetchall()
    else:
        cursor.execute(query)
        rows = cursor.fetchall()
    return {agency_id: AgencyStops(stops, last_stop, first_stop)
            for agency_id, stops, last_stop, first_stop in rows}


def dataset_facts_compute(
    state: str,
    *,
    override_start_date: str | None = None,
    per_agency: dict[int | None, AgencyStops] | None = None,
) -> list[str]:
    """Recompute and store ``StateFacts``/``TopAgencyFacts`` of ``state``; printable lines.

    ``override_start_date`` replaces the start text (a full import:
    ``FactsConfig.full_import_start``). ``per_agency`` is
    :func:`stops_by_agency`'s result when the caller already has it.
    """
    config = state_definition(state).facts
    stop_model = apps.get_model(state, "Stop")
    agency_model = apps.get_model(state, "Agency")
    if per_agency is None:
        per_agency = stops_by_agency(state)
    start, end = _timeframe(stop_model, state, config, per_agency)
    if override_start_date:
        start = override_start_date
    total_stops = sum(entry.stops for entry in per_agency.values())
    if config.search_model:
        total_searches = apps.get_model(state, config.search_model).objects.count()
    else:
        total_searches = stop_model.objects.filter(search_conducted="Y").count()
    agencies = list(agency_model.objects.values_list("id", "name"))
    total_agencies = len(agencies)
    empty = AgencyStops(0, None)
    top = sorted(
        ((agency_id, name, per_agency.get(agency_id, empty).stops)
         for agency_id, name in agencies),
        key=lambda row: (-row[2], row[0]),
    )[:TOP_AGENCIES]
    with transaction.atomic():
        facts, _ = StateFacts.objects.update_or_create(
            state_key=state,
            defaults={
                "total_stops": total_stops,
                "total_stops_millions": total_stops // 1_000_000,
                "total_searches": total_searches,
                "total_agencies": total_agencies,
                "start_date": start,
                "end_date": end,
            },
        )
        for rank in range(1, TOP_AGENCIES + 1):
            agency_id, name, stops = top[rank - 1] if rank <= len(top) else (0, "", 0)
            TopAgencyFacts.objects.update_or_create(
                state_facts=facts,
                rank=rank,
                defaults={"agency_id": agency_id, "name": name, "stops": stops},
            )
    lines = [
        f"Timeframe: {start} - {end}",
        f"Stops: {total_stops:,}",
        f"Searches: {total_searches:,}",
        f"Agencies: {total_agencies:,}",
        "",
        "Top 5:",
    ]
    lines.extend(f"Id {agency_id}: {name} {stops:,}" for agency_id, name, stops in top)
    return lines


def dataset_facts_refresh(state: str) -> list[str]:
    """Recompute the facts of ``state``'s live data as a full import would; printable lines.

    The state's note (why NC's start date is 2002) follows the facts after a blank line.
    """
    config = state_definition(state).facts
    lines = dataset_facts_compute(state, override_start_date=config.full_import_start)
    if config.note:
        lines += ["", config.note]
    return lines
