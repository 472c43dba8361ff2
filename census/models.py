"""Census population profiles (ACS 5-year estimates), matched to agencies by GEOID.

Several ACS vintages live side by side: one row per (GEOID, vintage). Agencies store only
the GEOID (they live in other databases), and readers take the newest vintage of each
GEOID unless they ask for a particular one (``census/selectors.py``).
"""

from __future__ import annotations

from django.db import models

GEOGRAPHY_CHOICES = (("county", "County"), ("place", "Place"))


class CensusProfile(models.Model):
    geoid = models.CharField(
        "GEOID", max_length=16, help_text="Census GEO_ID, e.g. 0500000US37063"
    )
    year = models.PositiveSmallIntegerField(
        help_text="ACS 5-year vintage: the last year of the survey period"
    )
    location = models.CharField(max_length=255)
    geography = models.CharField(max_length=16, choices=GEOGRAPHY_CHOICES)
    state = models.CharField(max_length=2)
    source = models.CharField(max_length=255)
    white = models.PositiveIntegerField(default=0)
    black = models.PositiveIntegerField(default=0)
    native_american = models.PositiveIntegerField(default=0)
    asian = models.PositiveIntegerField(default=0)
    native_hawaiian = models.PositiveIntegerField(default=0)
    other = models.PositiveIntegerField(default=0)
    two_or_more_races = models.PositiveIntegerField(default=0)
    hispanic = models.PositiveIntegerField(default=0)
    non_hispanic = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "tsdata_censusprofile"  # the table name of the original system
        constraints = [
            models.UniqueConstraint(fields=["geoid", "year"], name="census_profile_geoid_year"),
        ]
        indexes = [models.Index(fields=["state", "year"], name="census_profile_state_year")]

    def __str__(self) -> str:
        return self.location

    def get_census_dict(self) -> dict[str, int]:
        """The API representation: ``other`` folds in Hawaiian and multiracial counts."""
        return {
            "white": self.white,
            "black": self.black,
            "native_american": self.native_american,
            "asian": self.asian,
            "other": self.other + self.native_hawaiian + self.two_or_more_races,
            "hispanic": self.hispanic,
            "non_hispanic": self.non_hispanic,
            "total": self.total,
        }
