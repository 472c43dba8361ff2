"""Datasets to import, the record of each import, and the facts shown on landing pages."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models

from tsdata.states import STATE_CHOICES


class Dataset(models.Model):
    """A downloadable raw dataset (an HTTP(S) or file URL, or the magic ``ftp://nc.us/``)."""

    state = models.CharField(max_length=2, choices=STATE_CHOICES)
    name = models.CharField(max_length=255, unique=True)
    date_added = models.DateTimeField(auto_now_add=True)
    date_received = models.DateField()
    url = models.URLField(
        "URL",
        unique=True,
        validators=[URLValidator(schemes=["http", "https", "ftp", "ftps", "file"])],
    )
    destination = models.CharField(
        max_length=1024, blank=True, help_text="Absolute path to a working directory"
    )
    report_email_1 = models.EmailField(blank=True)
    report_email_2 = models.EmailField(blank=True)

    def __str__(self) -> str:
        return f"{self.get_state_display()}: {self.name}"

    @property
    def agency_model(self):
        from django.apps import apps

        return apps.get_model(self.state, "Agency")


class Import(models.Model):
    """One run of an import; keeps the import report (counts per file, time per phase)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE)
    date_started = models.DateTimeField(auto_now_add=True)
    date_finished = models.DateTimeField(null=True, blank=True)
    successful = models.BooleanField(default=False)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"Import of {self.dataset}"


class StateFacts(models.Model):
    state_key = models.CharField(choices=STATE_CHOICES, max_length=2, unique=True)
    total_stops = models.PositiveIntegerField(default=0)
    total_stops_millions = models.PositiveIntegerField(default=0)
    total_searches = models.PositiveIntegerField(default=0)
    total_agencies = models.PositiveIntegerField(default=0)
    start_date = models.CharField(max_length=20, default="")
    end_date = models.CharField(max_length=20, default="")
    # Bumped by every successful import of the state: API cache keys and ETags use it.
    data_version = models.PositiveIntegerField(default=0)
    data_updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "state facts"

    def __str__(self) -> str:
        return f"Facts for state {self.state_key}"


class TopAgencyFacts(models.Model):
    state_facts = models.ForeignKey(StateFacts, on_delete=models.CASCADE)
    rank = models.SmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    agency_id = models.PositiveIntegerField(default=0)
    stops = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=255, default="")

    class Meta:
        unique_together = (("state_facts", "rank"),)
        ordering = ("state_facts__state_key", "rank")
        verbose_name_plural = "top agency facts"

    def __str__(self) -> str:
        return f"Facts for state {self.state_facts.state_key} agency {self.name}"
