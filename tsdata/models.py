"""Datasets to import, the record of each import, and the facts shown on landing pages."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.utils import timezone

from tsdata.states import STATE_CHOICES

_URL_SCHEMES = ("http", "https", "ftp")


def dataset_source_validate(value: str) -> None:
    """Accept what the import commands accept: a URL, a ``file://`` URL or an absolute path."""
    if value.startswith("file://"):
        if not value[len("file://"):].startswith("/"):
            raise ValidationError("A file URL needs an absolute path: file:///path/to.zip")
        return
    if value.startswith("/"):
        return
    if "://" not in value:
        raise ValidationError(
            "Enter a URL (ftp, http, https, file) or an absolute path on the server "
            "starting with /."
        )
    URLValidator(schemes=list(_URL_SCHEMES))(value)


class Dataset(models.Model):
    """A raw dataset: an FTP, HTTP(S) or ``file://`` URL, or an absolute path on the server.

    The column keeps its original name ``url`` although it also holds plain paths, because
    the import commands take all of these and the admin form must accept what they do.
    """

    state = models.CharField(max_length=2, choices=STATE_CHOICES)
    name = models.CharField(max_length=255, unique=True)
    date_added = models.DateTimeField(auto_now_add=True)
    date_received = models.DateField()
    url = models.CharField(
        "source",
        max_length=1024,
        unique=True,
        validators=[dataset_source_validate],
        help_text="ftp://nc.us/ (NC only), http(s)://…, file:///path/to.zip or /path/to.zip",
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
    """One run of an import, however it was started; the history operators read.

    ``status`` is the truth; ``successful`` is kept (the original column) and always equals
    ``status == succeeded``. ``heartbeat`` is refreshed while the run is alive, so a run
    whose process died can be recognised and marked failed (``tsdata.imports.runs``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    class Trigger(models.TextChoices):
        ADMIN = "admin", "admin"
        SHELL = "shell", "shell"
        SCHEDULE = "schedule", "schedule"
        TASK = "task", "task"

    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports"
    )
    state = models.CharField(max_length=2, choices=STATE_CHOICES, blank=True)
    source = models.CharField(max_length=1024, blank=True)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.TASK)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    phase = models.CharField(max_length=255, blank=True)
    rows = models.BigIntegerField("rows so far", default=0)
    progress = models.FloatField(null=True, blank=True, help_text="0–1 while rows are read")
    date_queued = models.DateTimeField(default=timezone.now)
    date_started = models.DateTimeField(null=True, blank=True)
    date_finished = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=255, blank=True, help_text="host:pid of the run")
    task_id = models.CharField(max_length=64, blank=True)
    successful = models.BooleanField(default=False)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("-date_queued", "-id")

    def __str__(self) -> str:
        return f"Import #{self.pk} of {self.dataset or self.source}"

    def save(self, *args, **kwargs) -> None:
        self.successful = self.status == self.Status.SUCCEEDED
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "status" in update_fields:
            kwargs["update_fields"] = {*update_fields, "successful"}
        super().save(*args, **kwargs)

    @property
    def started_by_label(self) -> str:
        """Who or what started the run: the user's name, or shell / schedule / task."""
        if self.started_by_id is not None and self.started_by is not None:
            return self.started_by.get_username()
        return self.get_trigger_display()

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


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
