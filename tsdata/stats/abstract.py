"""Abstract base of the API summary models (state apps define the concrete tables)."""

from __future__ import annotations

from django.db import models


class SummaryRow(models.Model):
    """A row of grouped counts of one agency and year."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        officer = getattr(self, "officer_id", None)
        by = f" officer {officer}" if officer is not None else ""
        return f"{type(self).__name__} agency {self.agency_id}{by} {self.year}"


class PurposeSummary(SummaryRow):
    """Counts per agency, year, stop purpose and API category (shared by the states).

    Subclasses add their remaining count columns (``contraband``; NC ``use_of_force`` first)
    so that column order stays that of the migrations the live tables were made with.
    """

    pk = models.CompositePrimaryKey("agency_id", "year", "purpose", "category")
    agency_id = models.IntegerField()
    year = models.SmallIntegerField()
    purpose = models.SmallIntegerField()
    category = models.CharField(max_length=20)
    stops = models.IntegerField()
    searches = models.IntegerField()

    class Meta:
        abstract = True


class OfficerPurposeSummary(SummaryRow):
    """As ``PurposeSummary`` per officer, for the ``officer`` filter."""

    pk = models.CompositePrimaryKey("agency_id", "officer_id", "year", "purpose", "category")
    agency_id = models.IntegerField()
    officer_id = models.CharField(max_length=15)
    year = models.SmallIntegerField()
    purpose = models.SmallIntegerField()
    category = models.CharField(max_length=20)
    stops = models.IntegerField()
    searches = models.IntegerField()

    class Meta:
        abstract = True
