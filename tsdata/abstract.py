"""Abstract models shared by the three state apps (the states differ in schema, not here)."""

from __future__ import annotations

from django.db import models


class BaseAgency(models.Model):
    """A law-enforcement agency. Ids are stable across imports (never renumbered)."""

    name = models.CharField(max_length=255)
    census_profile_id = models.CharField(max_length=16, blank=True, default="")
    last_reported_stop = models.DateTimeField(
        null=True, blank=True, help_text="Date of the agency's latest stop in the live data"
    )

    class Meta:
        abstract = True
        verbose_name_plural = "Agencies"
        ordering = ("id",)

    def __str__(self) -> str:
        return self.name

    @property
    def census_profile(self) -> dict[str, int]:
        """The agency's census figures (newest ACS vintage), or ``{}`` when none are linked
        or known."""
        if not self.census_profile_id:
            return {}
        from census.selectors import census_profiles_by_geoid

        profile = census_profiles_by_geoid([self.census_profile_id]).get(self.census_profile_id)
        return profile.get_census_dict() if profile else {}
