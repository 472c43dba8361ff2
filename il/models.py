"""Illinois stop data (database ``traffic_stops_il``): pre-summarised, no dates or officers."""

from __future__ import annotations

from django.db import models

from tsdata.abstract import BaseAgency
from tsdata.stats.abstract import PurposeSummary

PURPOSE_CHOICES = (
    (1, "Moving Violation"),
    (2, "Equipment"),
    (3, "Registration"),
    (11, "Unknown"),
)
UNKNOWN_PURPOSE = 11
YNU_CHOICES = (("Y", "Yes"), ("N", "No"), ("U", "Unknown"))
GENDER_CHOICES = (("M", "Male"), ("F", "Female"), ("U", "Unknown"))
ETHNICITY_CHOICES = (("W", "White"), ("B", "Black"), ("H", "Hispanic"), ("U", "Unknown"))


class Agency(BaseAgency):
    code = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text="Agency code in the raw data (e.g. 10011); the key of the stable id",
    )

    class Meta(BaseAgency.Meta):
        pass


class Stop(models.Model):
    stop_id = models.PositiveIntegerField(primary_key=True, default=1)
    year = models.PositiveSmallIntegerField()
    purpose = models.PositiveSmallIntegerField(choices=PURPOSE_CHOICES, default=UNKNOWN_PURPOSE)
    search_conducted = models.CharField(max_length=1, choices=YNU_CHOICES)
    seized = models.CharField(max_length=1, choices=YNU_CHOICES)
    gender = models.CharField(max_length=1, choices=GENDER_CHOICES)
    ethnicity = models.CharField(max_length=20, choices=ETHNICITY_CHOICES)
    agency = models.ForeignKey(
        Agency, null=True, related_name="stops", on_delete=models.PROTECT
    )
    agency_description = models.CharField(max_length=100)

    def __str__(self) -> str:
        return f"Stop {self.stop_id} agency {self.agency_description} in {self.year}"


# --- API summary tables ------------------------------------------------------------------
# Built from ``il_stop`` at import time (``tsdata.stats``); the statistics endpoints read only
# this. ``stops`` counts stop rows, ``searches`` those with ``search_conducted = 'Y'``,
# ``contraband`` those with ``seized = 'Y'`` (docs/api.md). IL has no officer column.


class StopSummary(PurposeSummary):
    """Per agency, stored year, purpose and category (race label)."""

    contraband = models.IntegerField()
