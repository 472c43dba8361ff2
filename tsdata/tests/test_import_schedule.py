"""Celery beat: the scheduled NC import (configurable, keeps history) and the stale check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from traffic_stops.celery import app
from traffic_stops.settings.env import env_crontab_fields
from tsdata.models import Import
from tsdata.services import AUTOMATED_NC_DATASET_NAME
from tsdata.tasks import download_and_import_nc_dataset


def test_beat_runs_the_nc_import_and_the_stale_check() -> None:
    app.loader.import_default_modules()  # autodiscovery, as a worker does at start
    schedule = settings.CELERY_BEAT_SCHEDULE
    nc = schedule["automatic-nc-import"]
    assert nc["task"] == "tsdata.tasks.download_and_import_nc_dataset" in app.tasks
    assert nc["schedule"] == crontab(minute="0", hour="3", day_of_week="1")
    stale = schedule["import-stale-check"]
    assert stale["task"] == "tsdata.tasks.import_stale_check" in app.tasks
    assert stale["schedule"] == crontab(minute="*/5")


def test_schedule_comes_from_crontab_fields(monkeypatch) -> None:
    monkeypatch.setenv("NC_AUTO_IMPORT_SCHEDULE", "30 4 1 * *")
    fields = env_crontab_fields("NC_AUTO_IMPORT_SCHEDULE", "0 3 * * 1")
    assert crontab(**fields) == crontab(minute="30", hour="4", day_of_month="1")
    monkeypatch.setenv("NC_AUTO_IMPORT_SCHEDULE", "every monday")
    with pytest.raises(ImproperlyConfigured, match="five crontab fields"):
        env_crontab_fields("NC_AUTO_IMPORT_SCHEDULE", "0 3 * * 1")


@pytest.mark.django_db(databases="__all__")
def test_scheduled_import_keeps_history_and_refuses_to_overlap() -> None:
    first = download_and_import_nc_dataset()
    run = Import.objects.get(pk=first["import_id"])
    assert (run.trigger, run.status, run.dataset.name) == ("schedule", "queued",
                                                          AUTOMATED_NC_DATASET_NAME)
    # Still queued: the next tick is refused with the reason, nothing is deleted.
    second = download_and_import_nc_dataset()
    assert "already queued" in second["refused"] and second["dataset_id"] == first["dataset_id"]
    Import.objects.filter(pk=run.pk).update(status="failed", date_finished=timezone.now())
    third = download_and_import_nc_dataset()
    assert third["dataset_id"] == first["dataset_id"]
    history = list(Import.objects.filter(dataset_id=first["dataset_id"]).order_by("id")
                   .values_list("id", flat=True))
    assert history == [first["import_id"], third["import_id"]]


def test_production_imports_monthly_unless_told_otherwise() -> None:
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.CELERY_BEAT_SCHEDULE['automatic-nc-import']['schedule'])")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "traffic_stops.settings.production",
           "SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "example.org"}
    env.pop("NC_AUTO_IMPORT_SCHEDULE", None)
    root = Path(__file__).resolve().parents[2]

    def schedule(**extra: str) -> str:
        result = subprocess.run([sys.executable, "-c", code], cwd=root, env={**env, **extra},
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert schedule() == "<crontab: 0 3 1 * * (m/h/dM/MY/d)>"
    assert schedule(NC_AUTO_IMPORT_SCHEDULE="15 2 * * 0") == "<crontab: 15 2 * * 0 (m/h/dM/MY/d)>"
