"""MD's Find a Stop: one row per stop (the person is part of the stop), the 2019 fields and
columns; stops without a usable date are never listed (they cannot be placed in time)."""

from __future__ import annotations

from md import models as md
from tsdata.stopsearch.config import SearchColumn, SearchFilter, StopSearchConfig
from tsdata.stopsearch.forms import StopSearchForm, checkbox_field, choice_field


class MDStopSearchForm(StopSearchForm):
    agency_model = md.Agency
    agency_help = "ex: Montgomery County Police Department"

    gender = choice_field("Gender", md.GENDER_CHOICES)
    ethnicity = choice_field("Ethnicity", md.ETHNICITY_CHOICES)
    purpose = checkbox_field("Purpose", md.ENABLED_PURPOSE_CHOICES)


GENDERS = dict(md.GENDER_CHOICES)
ETHNICITIES = dict(md.ETHNICITY_CHOICES)

SEARCH = StopSearchConfig(
    state="md",
    row_model=md.Stop,
    agency_model=md.Agency,
    form_class=MDStopSearchForm,
    filters={
        "agency": SearchFilter("agency"),
        "officer": SearchFilter("officer_id"),
        "start_date": SearchFilter("date", "date_from"),
        "end_date": SearchFilter("date", "date_until"),
        "age": SearchFilter("age"),
        "gender": SearchFilter("gender"),
        "ethnicity": SearchFilter("ethnicity"),
        "purpose": SearchFilter("purpose", "in"),
    },
    always={"date__isnull": False},
    values={
        key: key for key in ("date", "stop_id", "agency_id", "officer_id", "purpose",
                             "stop_reason", "search_conducted", "seized", "gender",
                             "ethnicity", "age", "stop_location")
    },
    keyset=("date", "stop_id"),
    columns=(
        SearchColumn("date", "Date", "date"),
        SearchColumn("gender", "Gender", choices=GENDERS),
        SearchColumn("ethnicity", "Ethnicity", choices=ETHNICITIES),
        SearchColumn("age", "Age"),
        SearchColumn("stop_location", "Stop Location"),
        SearchColumn("officer_id", "Officer ID", "officer"),
    ),
    csv_columns=(
        SearchColumn("stop_id", "Stop ID"),
        SearchColumn("date", "Date"),
        SearchColumn("agency_id", "Agency ID"),
        SearchColumn("agency", "Agency"),
        SearchColumn("officer_id", "Officer ID"),
        SearchColumn("purpose", "Purpose", choices=dict(md.PURPOSE_CHOICES)),
        SearchColumn("stop_reason", "Stop Reason"),
        SearchColumn("search_conducted", "Search Conducted", choices=dict(md.YN_CHOICES)),
        SearchColumn("seized", "Seized", choices=dict(md.YN_CHOICES)),
        SearchColumn("gender", "Gender", choices=GENDERS),
        SearchColumn("ethnicity", "Ethnicity", choices=ETHNICITIES),
        SearchColumn("age", "Age"),
        SearchColumn("stop_location", "Stop Location"),
    ),
)
