"""``dataset_facts <state>`` and its 2019 aliases: the live data's facts, printed and stored."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from il.models import Agency as IlAgency
from il.models import Stop as IlStop
from md.models import Agency as MdAgency
from md.models import Stop as MdStop
from tsdata.models import StateFacts, TopAgencyFacts

pytestmark = pytest.mark.django_db(databases="__all__")


def _run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def _md_stop(stop_id: int, agency: MdAgency, when: datetime, searched: str) -> MdStop:
    return MdStop(
        stop_id=stop_id, date=when, stop_location="", stop_reason="21-801", search_reason="",
        search_conducted=searched, seized="N", gender="M", ethnicity="W", officer_id="7",
        agency=agency, agency_description=agency.name,
    )


@pytest.fixture
def md_live_data() -> None:
    police = MdAgency.objects.create(id=2, name="Maryland State Police", code="MSP")
    annapolis = MdAgency.objects.create(id=5, name="Annapolis Police Department", code="ANNA")
    MdAgency.objects.create(id=9, name="Zero Stops Police", code="ZERO")
    MdStop.objects.bulk_create([
        # 04:30 UTC on New Year's Day is still Dec 31 in Maryland.
        _md_stop(1, police, datetime(2014, 1, 1, 4, 30, tzinfo=UTC), "Y"),
        _md_stop(2, police, datetime(2015, 3, 1, 12, 0, tzinfo=UTC), "N"),
        _md_stop(3, police, datetime(2016, 7, 4, 16, 0, tzinfo=UTC), "Y"),
        _md_stop(4, annapolis, datetime(2015, 5, 5, 12, 0, tzinfo=UTC), "N"),
    ])


MD_LINES = [
    "Timeframe: Dec 31, 2013 - Jul 04, 2016",
    "Stops: 4",
    "Searches: 2",
    "Agencies: 3",
    "",
    "Top 5:",
    "Id 2: Maryland State Police 3",
    "Id 5: Annapolis Police Department 1",
    "Id 9: Zero Stops Police 0",
]


@pytest.mark.parametrize("command", [("dataset_facts", "md"), ("md_dataset_facts",)])
def test_md_facts_printed_and_stored(md_live_data, command):
    assert _run(*command) == MD_LINES
    facts = StateFacts.objects.get(state_key="md")
    assert (facts.total_stops, facts.total_searches, facts.total_agencies) == (4, 2, 3)
    assert (facts.start_date, facts.end_date) == ("Dec 31, 2013", "Jul 04, 2016")
    top = list(TopAgencyFacts.objects.filter(state_facts=facts).order_by("rank")
               .values_list("rank", "agency_id", "stops"))
    # Ranks without an agency are blanked, not left over from an earlier computation.
    assert top == [(1, 2, 3), (2, 5, 1), (3, 9, 0), (4, 0, 0), (5, 0, 0)]


@pytest.mark.parametrize("command", [("dataset_facts", "il"), ("il_dataset_facts",)])
def test_il_facts_use_years(command):
    chicago = IlAgency.objects.create(id=168, name="Chicago Police", code="13462")
    IlStop.objects.bulk_create([
        IlStop(stop_id=number, year=year, search_conducted=searched, seized="N", gender="F",
               ethnicity="B", agency=chicago, agency_description=chicago.name)
        for number, (year, searched) in enumerate(
            [(2009, "Y"), (2005, "U"), (2014, "N")], start=1)
    ])
    assert _run(*command) == [
        "Timeframe: 2005 - 2014",
        "Stops: 3",
        "Searches: 1",
        "Agencies: 1",
        "",
        "Top 5:",
        "Id 168: Chicago Police 3",
    ]


def test_unknown_state_is_refused_with_the_valid_ones():
    with pytest.raises(CommandError, match="invalid choice: 'xx'.*'nc', 'md', 'il'"):
        call_command("dataset_facts", "xx")


def test_alias_takes_no_state():
    with pytest.raises(CommandError, match="unrecognized arguments: md"):
        call_command("nc_dataset_facts", "md")
