"""Small builders of raw stop rows for API tests (explicit values, no randomness)."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from il import models as il
from md import models as md
from nc import models as nc

EASTERN = ZoneInfo("America/New_York")
_ids = itertools.count(1_000_000)


def next_id() -> int:
    return next(_ids)


def local_datetime(year: int, month: int = 6, day: int = 15, hour: int = 12, minute: int = 0):
    return datetime(year, month, day, hour, minute, tzinfo=EASTERN)


def nc_stop(
    agency: nc.Agency,
    *,
    date: datetime | None = None,
    year: int | None = None,
    purpose: int = 1,
    officer_id: str = "",
    engage_force: bool = False,
) -> nc.Stop:
    return nc.Stop.objects.create(
        stop_id=next_id(),
        agency_description=agency.name,
        agency=agency,
        date=date or local_datetime(year or 2015),
        purpose=purpose,
        action=1,
        engage_force=engage_force,
        officer_id=officer_id,
        stop_location="",
        stop_city="",
    )


def nc_person(stop: nc.Stop, *, race: str, ethnicity: str, type: str = "D") -> nc.Person:
    return nc.Person.objects.create(
        person_id=next_id(), stop=stop, type=type, age=30, gender="M",
        ethnicity=ethnicity, race=race,
    )


def nc_driver_stop(agency: nc.Agency, race: str, ethnicity: str, **stop_fields) -> nc.Stop:
    """A stop with one driver of the given race and ethnicity."""
    stop = nc_stop(agency, **stop_fields)
    nc_person(stop, race=race, ethnicity=ethnicity)
    return stop


def nc_search(stop: nc.Stop, *, type: int = 1, person: nc.Person | None = None) -> nc.Search:
    person = person or stop.person_set.order_by("person_id").first()
    return nc.Search.objects.create(search_id=next_id(), stop=stop, person=person, type=type)


def nc_contraband(search: nc.Search) -> nc.Contraband:
    return nc.Contraband.objects.create(
        contraband_id=next_id(), search=search, person_id=search.person_id, stop_id=search.stop_id
    )


def md_stop(
    agency: md.Agency,
    *,
    ethnicity: str,
    date: datetime | None = None,
    year: int | None = None,
    purpose: int = 1,
    officer_id: str = "",
    search_conducted: str = "N",
    seized: str = "N",
) -> md.Stop:
    return md.Stop.objects.create(
        stop_id=next_id(),
        date=date or local_datetime(year or 2015),
        purpose=purpose,
        stop_location="somewhere",
        stop_reason="21-801",
        search_conducted=search_conducted,
        search_reason="",
        seized=seized,
        gender="M",
        ethnicity=ethnicity,
        officer_id=officer_id,
        agency_description=agency.name,
        agency=agency,
    )


def il_stop(
    agency: il.Agency,
    *,
    ethnicity: str,
    year: int = 2015,
    purpose: int = 1,
    search_conducted: str = "N",
    seized: str = "N",
) -> il.Stop:
    return il.Stop.objects.create(
        stop_id=next_id(),
        year=year,
        purpose=purpose,
        search_conducted=search_conducted,
        seized=seized,
        gender="M",
        ethnicity=ethnicity,
        agency=agency,
        agency_description=agency.name,
    )
