"""North Carolina stop data (database ``traffic_stops_nc``); tables as the original system."""

from __future__ import annotations

from django.db import models

from tsdata.abstract import BaseAgency
from tsdata.stats.abstract import OfficerPurposeSummary, PurposeSummary, SummaryRow

PURPOSE_CHOICES = (
    (1, "Speed Limit Violation"),
    (2, "Stop Light/Sign Violation"),
    (3, "Driving While Impaired"),
    (4, "Safe Movement Violation"),
    (5, "Vehicle Equipment Violation"),
    (6, "Vehicle Regulatory Violation"),
    (7, "Seat Belt Violation"),
    (8, "Investigation"),
    (9, "Other Motor Vehicle Violation"),
    (10, "Checkpoint"),
)
ACTION_CHOICES = (
    (1, "Verbal Warning"),
    (2, "Written Warning"),
    (3, "Citation Issued"),
    (4, "On-View Arrest"),
    (5, "No Action Taken"),
)
PERSON_TYPE_CHOICES = (("D", "Driver"), ("P", "Passenger"))
GENDER_CHOICES = (("M", "Male"), ("F", "Female"))
ETHNICITY_CHOICES = (("H", "Hispanic"), ("N", "Non-Hispanic"))
RACE_CHOICES = (
    ("A", "Asian"),
    ("B", "Black"),
    ("I", "Native American"),
    ("U", "Other"),
    ("W", "White"),
)
SEARCH_TYPE_CHOICES = (
    (1, "Consent"),
    (2, "Search Warrant"),
    (3, "Probable Cause"),
    (4, "Search Incident to Arrest"),
    (5, "Protective Frisk"),
)
SEARCH_BASIS_CHOICES = (
    ("ER", "Erratic/Suspicious Behavior"),
    ("OB", "Observation of Suspected Contraband"),
    ("OI", "Other Official Information"),
    ("SM", "Suspicious Movement"),
    ("TIP", "Informant Tip"),
    ("WTNS", "Witness Observation"),
)


class Agency(BaseAgency):
    class Meta(BaseAgency.Meta):
        pass


class AgencyAlias(models.Model):
    """Maps a raw ``AgencyDescription`` (renamed or misspelled) onto an existing agency.

    Every import resolves raw names through this table before assigning new ids.
    """

    raw_name = models.CharField(max_length=100, unique=True)
    agency = models.ForeignKey(Agency, related_name="aliases", on_delete=models.CASCADE)

    class Meta:
        verbose_name_plural = "agency aliases"
        ordering = ("raw_name",)

    def __str__(self) -> str:
        return f"{self.raw_name} → {self.agency.name}"


class Stop(models.Model):
    stop_id = models.PositiveIntegerField(primary_key=True)
    agency_description = models.CharField(max_length=100)
    # Indexed by ``Meta.indexes`` (agency, date, stop id) instead of alone: the same index
    # serves the foreign key and the newest-first keyset pages of Find a Stop.
    agency = models.ForeignKey(
        Agency, null=True, related_name="stops", on_delete=models.PROTECT, db_index=False
    )
    # No index of its own: the (agency, date, stop id) index below serves the reads by date
    # (Find a Stop) and costs the import about what the two indexes it replaced did.
    date = models.DateTimeField()
    purpose = models.PositiveSmallIntegerField(choices=PURPOSE_CHOICES)
    action = models.PositiveSmallIntegerField(choices=ACTION_CHOICES)
    driver_arrest = models.BooleanField(default=False)
    passenger_arrest = models.BooleanField(default=False)
    encounter_force = models.BooleanField(default=False)
    engage_force = models.BooleanField(default=False)
    officer_injury = models.BooleanField(default=False)
    driver_injury = models.BooleanField(default=False)
    passenger_injury = models.BooleanField(default=False)
    officer_id = models.CharField(max_length=15)
    stop_location = models.CharField(max_length=15)
    stop_city = models.CharField(max_length=20)

    class Meta:
        indexes = [
            models.Index(fields=["agency", "date", "stop_id"], name="nc_stop_agency_date_idx"),
        ]

    def __str__(self) -> str:
        return f"Stop {self.stop_id} at {self.date} by {self.agency_description}"


class Person(models.Model):
    person_id = models.IntegerField(primary_key=True)
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_query_name="person")
    type = models.CharField(max_length=2, choices=PERSON_TYPE_CHOICES)
    age = models.PositiveSmallIntegerField()
    gender = models.CharField(max_length=2, choices=GENDER_CHOICES)
    ethnicity = models.CharField(max_length=2, choices=ETHNICITY_CHOICES)
    race = models.CharField(max_length=2, choices=RACE_CHOICES)

    def __str__(self) -> str:
        return f"Person {self.person_id} ({self.type}) of stop {self.stop_id}"


class Search(models.Model):
    search_id = models.IntegerField(primary_key=True)
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_query_name="search")
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    type = models.PositiveSmallIntegerField(choices=SEARCH_TYPE_CHOICES)
    vehicle_search = models.BooleanField(default=False)
    driver_search = models.BooleanField(default=False)
    passenger_search = models.BooleanField(default=False)
    property_search = models.BooleanField(default=False)
    # The misspellings are the real column names of the original system.
    vehicle_siezed = models.BooleanField(default=False)
    personal_property_siezed = models.BooleanField(default=False)
    other_property_sized = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Search {self.search_id} of stop {self.stop_id}"


class Contraband(models.Model):
    contraband_id = models.IntegerField(primary_key=True)
    search = models.ForeignKey(
        Search, on_delete=models.CASCADE, related_query_name="contraband"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE)
    ounces = models.FloatField(default=0, null=True)
    pounds = models.FloatField(default=0, null=True)
    pints = models.FloatField(default=0, null=True)
    gallons = models.FloatField(default=0, null=True)
    dosages = models.FloatField(default=0, null=True)
    grams = models.FloatField(default=0, null=True)
    kilos = models.FloatField(default=0, null=True)
    money = models.FloatField(default=0, null=True)
    weapons = models.FloatField(default=0, null=True)
    dollar_amount = models.FloatField(default=0, null=True)

    def __str__(self) -> str:
        return f"Contraband {self.contraband_id} of search {self.search_id}"


class SearchBasis(models.Model):
    search_basis_id = models.IntegerField(primary_key=True)
    search = models.ForeignKey(Search, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE)
    basis = models.CharField(max_length=4, choices=SEARCH_BASIS_CHOICES)

    def __str__(self) -> str:
        return f"Search basis {self.basis} of search {self.search_id}"


# --- API summary tables ------------------------------------------------------------------
# Built from the raw tables at import time (``tsdata.stats``); every statistics endpoint reads
# only these. Counts are joined-row counts exactly as the API defines them (docs/api.md): a
# driver row per stop, times its search rows (``searches``, ``use_of_force``), times their
# contraband rows (``contraband``). ``category`` is the API key of the driver's race and
# ethnicity (``nc/stats.py``: Hispanic first, unknown race codes verbatim). No foreign keys:
# the tables are swapped together with the raw tables by the import.


class StopSummary(PurposeSummary):
    """Per agency, year (local time), purpose and driver category."""

    use_of_force = models.IntegerField()
    contraband = models.IntegerField()


class OfficerStopSummary(OfficerPurposeSummary):
    """As ``StopSummary`` per officer, for the ``officer`` filter."""

    use_of_force = models.IntegerField()
    contraband = models.IntegerField()


class SearchTypeSummary(SummaryRow):
    """Driver × search rows per agency, year, search type and driver category."""

    pk = models.CompositePrimaryKey("agency_id", "year", "search_type", "category")
    agency_id = models.IntegerField()
    year = models.SmallIntegerField()
    search_type = models.SmallIntegerField()
    category = models.CharField(max_length=20)
    searches = models.IntegerField()


class OfficerSearchTypeSummary(SummaryRow):
    """As ``SearchTypeSummary`` per officer."""

    pk = models.CompositePrimaryKey(
        "agency_id", "officer_id", "year", "search_type", "category"
    )
    agency_id = models.IntegerField()
    officer_id = models.CharField(max_length=15)
    year = models.SmallIntegerField()
    search_type = models.SmallIntegerField()
    category = models.CharField(max_length=20)
    searches = models.IntegerField()
