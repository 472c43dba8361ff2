"""Every rule and message of the search forms (NC and MD)."""

from __future__ import annotations

import pytest

from md.models import Agency as MDAgency
from md.stopsearch import MDStopSearchForm
from nc.models import Agency as NCAgency
from nc.stopsearch import NCStopSearchForm
from tsdata.stopsearch.forms import (
    AGENCY_REQUIRED,
    END_BEFORE_START,
    RANGE_TOO_LONG,
)

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def md_agency() -> MDAgency:
    return MDAgency.objects.create(name="Montgomery County Police Department")


def test_empty_form_only_agency_is_required() -> None:
    form = MDStopSearchForm(data={})
    assert not form.is_valid()
    assert form.errors == {"agency": [AGENCY_REQUIRED]}


def test_start_after_end(md_agency) -> None:
    form = MDStopSearchForm(data={"agency": md_agency.name, "start_date": "12/31/2013",
                                  "end_date": "1/1/2013"})
    assert form.errors == {"end_date": [END_BEFORE_START]}


def test_range_longer_than_a_year(md_agency) -> None:
    form = MDStopSearchForm(data={"agency": md_agency.name, "start_date": "1/1/2013",
                                  "end_date": "1/3/2014"})
    assert form.errors == {"end_date": [RANGE_TOO_LONG]}


@pytest.mark.parametrize(("start", "end"), [("2012-01-01", "2013-01-01"),  # 366 days
                                            ("2013-05-05", "2013-05-05")])
def test_longest_and_shortest_ranges_are_valid(md_agency, start, end) -> None:
    form = MDStopSearchForm(data={"agency": md_agency.name, "start_date": start, "end_date": end})
    assert form.is_valid(), form.errors


def test_fully_populated_md_form_is_valid(md_agency) -> None:
    form = MDStopSearchForm(data={
        "agency": md_agency.name, "officer": "1", "start_date": "1/1/2014",
        "end_date": "1/31/2014", "age": "20", "gender": "F", "ethnicity": "A", "purpose": ["0"],
    })
    assert form.is_valid(), form.errors
    assert form.cleaned_data["agency"] == md_agency
    assert form.cleaned_data["purpose"] == [0]


def test_fully_populated_nc_form_is_valid() -> None:
    agency = NCAgency.objects.create(name="Durham Police Department")
    form = NCStopSearchForm(data={
        "agency": "Durham Police Department", "officer": "227", "start_date": "2013-08-13",
        "end_date": "2014-08-13", "age": "30", "gender": "M", "race": "B", "ethnicity": "N",
        "purpose": ["1", "10"], "action": ["5"],
    })
    assert form.is_valid(), form.errors
    assert form.cleaned_data["agency"] == agency
    assert (form.cleaned_data["purpose"], form.cleaned_data["action"]) == ([1, 10], [5])


@pytest.mark.parametrize(("field", "value"), [
    ("gender", "hippopotamus"), ("race", "Z"), ("ethnicity", "W"), ("purpose", "25"),
    ("action", "0"),
])
def test_invalid_nc_choices_use_djangos_message(field, value) -> None:
    NCAgency.objects.create(name="Durham Police Department")
    data = [value] if field in ("purpose", "action") else value
    form = NCStopSearchForm(data={"agency": "Durham Police Department", field: data})
    assert form.errors == {
        field: [f"Select a valid choice. {value} is not one of the available choices."]
    }


@pytest.mark.parametrize(("field", "value"), [("gender", "X"), ("ethnicity", "N"),
                                              ("purpose", "7"), ("purpose", "10")])
def test_invalid_md_choices_use_djangos_message(md_agency, field, value) -> None:
    data = [value] if field == "purpose" else value
    form = MDStopSearchForm(data={"agency": md_agency.name, field: data})
    assert form.errors == {
        field: [f"Select a valid choice. {value} is not one of the available choices."]
    }


@pytest.mark.parametrize("age", ["-1", "131", "abc"])
def test_age_out_of_range(md_agency, age) -> None:
    form = MDStopSearchForm(data={"agency": md_agency.name, "age": age})
    assert list(form.errors) == ["age"]


def test_dates_accept_us_and_iso_spellings(md_agency) -> None:
    form = MDStopSearchForm(data={"agency": md_agency.name, "start_date": "8/13/2013",
                                  "end_date": "2014-08-13"})
    assert form.is_valid(), form.errors
    assert str(form.cleaned_data["start_date"]) == "2013-08-13"


def test_unknown_agency_is_an_error_on_the_field() -> None:
    NCAgency.objects.create(name="Durham Police Department")
    form = NCStopSearchForm(data={"agency": "Durham Police"})
    assert list(form.errors) == ["agency"]
    assert form.errors["agency"][0].startswith("No agency named “Durham Police”.")


def test_agency_exact_name_wins_over_case_insensitive_match() -> None:
    upper = NCAgency.objects.create(name="CARY POLICE DEPARTMENT")
    mixed = NCAgency.objects.create(name="Cary Police Department")
    form = NCStopSearchForm(data={"agency": "Cary Police Department"})
    assert form.is_valid() and form.cleaned_data["agency"] == mixed
    form = NCStopSearchForm(data={"agency": "  cary police department "})
    assert form.is_valid() and form.cleaned_data["agency"] == upper  # lowest id
