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
