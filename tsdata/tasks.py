"""Celery tasks: thin wrappers that call services."""

from __future__ import annotations

from celery import shared_task

from tsdata.services import dataset_import_run, nc_automated_dataset_ensure


@shared_task(acks_late=True)
def import_dataset(dataset_id: int) -> dict:
    """Import one Dataset; returns the import report (the Import row keeps it too)."""
    run = dataset_import_run(dataset_id=dataset_id)
    return {"import_id": run.pk, "successful": run.successful, "report": run.report}


@shared_task
def download_and_import_nc_dataset() -> int:
    """Scheduled NC import from the state's FTP server; returns the Dataset id queued."""
    dataset = nc_automated_dataset_ensure()
    import_dataset.delay(dataset.pk)
    return dataset.pk
