"""Census population profiles (ACS), matched to agencies by GEOID."""

from __future__ import annotations

from django.db import models

GEOGRAPHY_CHOICES = (("county", "County"), ("place", "Place"))


class CensusProfile(models.Model):
    id = models.CharField(primary_key=True, max_length=16)  # Census GEO_ID
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
