"""NC's Find a Stop: one row per person of a stop (drivers only once a person attribute is
searched), the 2019 fields and columns."""

from __future__ import annotations

from nc import models as nc
from tsdata.stopsearch.config import SearchColumn, SearchFilter, StopSearchConfig
from tsdata.stopsearch.forms import StopSearchForm, checkbox_field, choice_field


class NCStopSearchForm(StopSearchForm):
    agency_model = nc.Agency
    agency_help = "ex: Durham Police Department"

    gender = choice_field("Gender", nc.GENDER_CHOICES)
    race = choice_field("Race", nc.RACE_CHOICES)
    ethnicity = choice_field("Ethnicity", nc.ETHNICITY_CHOICES)
    purpose = checkbox_field("Purpose", nc.PURPOSE_CHOICES)
    action = checkbox_field("Action", nc.ACTION_CHOICES)


GENDERS = dict(nc.GENDER_CHOICES)
RACES = dict(nc.RACE_CHOICES)
ETHNICITIES = dict(nc.ETHNICITY_CHOICES)

SEARCH = StopSearchConfig(
    state="nc",
    row_model=nc.Person,
    agency_model=nc.Agency,
    form_class=NCStopSearchForm,
    filters={
        "agency": SearchFilter("stop__agency"),
        "officer": SearchFilter("stop__officer_id"),
        "start_date": SearchFilter("stop__date", "date_from"),
        "end_date": SearchFilter("stop__date", "date_until"),
        "age": SearchFilter("age", person=True),
        "gender": SearchFilter("gender", person=True),
        "race": SearchFilter("race", person=True),
        "ethnicity": SearchFilter("ethnicity", person=True),
        "purpose": SearchFilter("stop__purpose", "in"),
        "action": SearchFilter("stop__action", "in"),
    },
    person_restriction={"type": "D"},
    values={
        "date": "stop__date",
        "stop_id": "stop_id",
        "person_id": "person_id",
        "agency_id": "stop__agency_id",
        "officer_id": "stop__officer_id",
        "purpose": "stop__purpose",
        "action": "stop__action",
        "type": "type",
        "gender": "gender",
        "race": "race",
        "ethnicity": "ethnicity",
        "age": "age",
    },
    keyset=("date", "stop_id", "person_id"),
    columns=(
        SearchColumn("date", "Date", "date"),
        SearchColumn("gender", "Gender", choices=GENDERS),
        SearchColumn("race", "Race", choices=RACES),
        SearchColumn("ethnicity", "Ethnicity", choices=ETHNICITIES),
        SearchColumn("age", "Age"),
        SearchColumn("agency", "Agency", "agency"),
        SearchColumn("officer_id", "Officer ID", "officer"),
    ),
    csv_columns=(
        SearchColumn("stop_id", "Stop ID"),
        SearchColumn("person_id", "Person ID"),
        SearchColumn("date", "Date"),
        SearchColumn("agency_id", "Agency ID"),
        SearchColumn("agency", "Agency"),
        SearchColumn("officer_id", "Officer ID"),
        SearchColumn("purpose", "Purpose", choices=dict(nc.PURPOSE_CHOICES)),
        SearchColumn("action", "Action", choices=dict(nc.ACTION_CHOICES)),
        SearchColumn("type", "Person Type", choices=dict(nc.PERSON_TYPE_CHOICES)),
        SearchColumn("gender", "Gender", choices=GENDERS),
        SearchColumn("race", "Race", choices=RACES),
        SearchColumn("ethnicity", "Ethnicity", choices=ETHNICITIES),
        SearchColumn("age", "Age"),
    ),
)
