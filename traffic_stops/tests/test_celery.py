"""The Celery wiring works end to end: a real worker, a real Redis broker."""

import pytest

from traffic_stops.celery import app, debug_task


def test_celery_configuration() -> None:
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.worker_max_tasks_per_child == 1
    assert app.conf.broker_url.startswith(("redis://", "redis+socket://", "rediss://"))


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_debug_task_runs_on_a_real_worker(celery_worker_process) -> None:
    result = debug_task.delay(21)
    payload = result.get(timeout=60)
    assert payload["value"] == 42
    assert payload["task_id"] == result.id
    assert payload["hostname"].startswith("test-worker-")
