"""Celery application, configured from Django settings (``CELERY_*`` names)."""

import os

from celery import Celery

from traffic_stops.load_env import load_env

load_env()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traffic_stops.settings.dev")

app = Celery("traffic_stops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(bind=True)
def debug_task(self, value: int = 1) -> dict:
    """Prove the wiring: runs on a worker and reports where it ran."""
    return {"task_id": self.request.id, "hostname": self.request.hostname, "value": value * 2}
