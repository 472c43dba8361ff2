"""Maryland stop data (database ``traffic_stops_md``): one row per stop, person inline."""

from __future__ import annotations

from django.db import models

from tsdata.abstract import BaseAgency
from tsdata.stats.abstract import OfficerPurposeSummary, PurposeSummary

PURPOSE_CHOICES = (
    (0, "Seat Belt Violation"),
    (1, "Speed Limit Violation"),
    (2, "Stop Light/Sign Violation"),
    (3, "Driving While Impaired"),
    (4, "Safe Movement Violation"),
    (5, "Vehicle Equipment Violation"),
    (6, "Vehicle Regulatory Violation"),
    (7, "Investigation"),
    (8, "Non-motor Vehicle Violations"),
    (9, "Other Motor Vehicle Violation"),
    (10, "Failure to remain at scene of accident"),
    (11, "Other/Unknown"),
)
INVESTIGATION = 7
FAILURE_TO_REMAIN = 10
UNKNOWN_PURPOSE = 11
ENABLED_PURPOSE_CHOICES = tuple(
    choice for choice in PURPOSE_CHOICES if choice[0] not in (INVESTIGATION, FAILURE_TO_REMAIN)
)
YN_CHOICES = (("Y", "Yes"), ("N", "No"))
GENDER_CHOICES = (("M", "Male"), ("F", "Female"), ("U", "Unknown"))
ETHNICITY_CHOICES = (
    ("W", "White"),
    ("B", "Black"),
    ("H", "Hispanic"),
    ("A", "Asian"),
    ("I", "Native American"),
    ("U", "Unknown"),
)


class Agency(BaseAgency):
    code = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text="Agency code in the raw data (e.g. MSP); the key of the stable id",
    )

    class Meta(BaseAgency.Meta):
        pass


class Stop(models.Model):
    stop_id = models.PositiveIntegerField(primary_key=True, default=1)
    date = models.DateTimeField(null=True)
    purpose = models.PositiveSmallIntegerField(choices=PURPOSE_CHOICES, default=UNKNOWN_PURPOSE)
    stop_date_text = models.CharField(max_length=20, default="")
    stop_time_text = models.CharField(max_length=20, default="")
    stop_location = models.CharField(max_length=1024)
    duration_text = models.CharField(max_length=20, null=True)
    stop_reason = models.CharField(max_length=64)
    search_conducted = models.CharField(max_length=1, choices=YN_CHOICES)
    search_reason = models.CharField(max_length=64)
    seized = models.CharField(max_length=1, choices=YN_CHOICES)
    gender = models.CharField(max_length=1, choices=GENDER_CHOICES)
    date_of_birth_text = models.CharField(max_length=20, null=True)
    ethnicity = models.CharField(max_length=20, choices=ETHNICITY_CHOICES)
    officer_id = models.CharField(max_length=15)
    agency_description = models.CharField(max_length=100)
    # Indexed by ``Meta.indexes`` (agency, date, stop id) instead of alone: the same index
    # serves the foreign key and the newest-first keyset pages of Find a Stop.
    agency = models.ForeignKey(
        Agency, null=True, related_name="stops", on_delete=models.PROTECT, db_index=False
    )
    age = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["agency", "date", "stop_id"], name="md_stop_agency_date_idx"),
        ]

    def __str__(self) -> str:
        return f"Stop {self.stop_id} at {self.date} at {self.stop_location}"


# --- API summary tables ------------------------------------------------------------------
# Built from ``md_stop`` at import time (``tsdata.stats``); the statistics endpoints read only
# these. One person per stop: ``stops`` counts stop rows with a date, ``searches`` those with
# ``search_conducted = 'Y'``, ``contraband`` those with ``seized = 'Y'`` (docs/api.md). No
# foreign keys: the tables are swapped together with the raw tables by the import.


class StopSummary(PurposeSummary):
    """Per agency, year (local time), purpose and category (ethnicity label)."""

    contraband = models.IntegerField()


class OfficerStopSummary(OfficerPurposeSummary):
    """As ``StopSummary`` per officer, for the ``officer`` filter."""

    contraband = models.IntegerField()
