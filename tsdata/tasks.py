"""Celery tasks: thin wrappers that call the import run service (tsdata/imports/runs.py)."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready

from tsdata.imports import notify, runs
from tsdata.models import Dataset, Import
from tsdata.services import nc_automated_dataset_ensure

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def import_dataset(dataset_id: int, import_id: int | None = None) -> dict:
    """Run the queued Import ``import_id`` of a Dataset (queued here when not given).

    A message delivered again (after a worker died) finds its Import no longer queued and
    does nothing: a dead run is marked failed and the operator decides to run it again.
    """
    if import_id is None:
        dataset = Dataset.objects.get(pk=dataset_id)
        import_id = runs.import_create(
            state=dataset.state, source=dataset.url, trigger=Import.Trigger.TASK,
            dataset=dataset,
        ).pk
    run = runs.dataset_import_execute(import_id=import_id)
    if run is None:
        return {"import_id": import_id, "status": "skipped"}
    return {"import_id": run.pk, "status": run.status, "error": run.error}


@shared_task
def download_and_import_nc_dataset() -> dict:
    """Scheduled NC import from the state's FTP server (the Dataset and its history kept)."""
    dataset = nc_automated_dataset_ensure()
    try:
        run = runs.dataset_import_queue(dataset=dataset, trigger=Import.Trigger.SCHEDULE)
    except runs.ImportRefused as exc:
        logger.warning("Scheduled NC import not started: %s", exc)
        return {"dataset_id": dataset.pk, "refused": str(exc)}
    return {"dataset_id": dataset.pk, "import_id": run.pk}


@shared_task
def compliance_report(dataset_id: int) -> int:
    """The NC compliance report for a dataset's state (nothing for MD/IL); messages sent."""
    dataset = Dataset.objects.get(pk=dataset_id)
    return notify.compliance_report_send(state=dataset.state)


@shared_task
def import_stale_check() -> list[int]:
    """Fail running imports whose process stopped beating (beat runs it every few minutes)."""
    return runs.imports_stale_fail()


@worker_ready.connect
def _stale_imports_fail_on_start(**kwargs) -> None:
    """A worker that (re)starts fails the runs its dead predecessor left "running"."""
    from django.db import connections

    try:
        failed = runs.imports_stale_fail()
    except Exception:  # a database hiccup must not keep the worker from starting
        logger.exception("stale import check at worker start failed")
        return
    finally:
        connections.close_all()  # pool processes forked later must not share it
    if failed:
        logger.warning("Marked stale imports failed: %s", failed)
