"""Imports started from the admin run on a real Celery worker and are recorded."""

from __future__ import annotations

import time
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core import mail

from il.models import Stop as ILStop
from il.sample_data import sample_zip_write
from tsdata.models import Dataset, Import
from tsdata.services import AUTOMATED_NC_DATASET_NAME, nc_automated_dataset_ensure


def _wait_for_import(dataset: Dataset, timeout: float = 180) -> Import:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = Import.objects.filter(dataset=dataset, date_finished__isnull=False).first()
        if run is not None:
            return run
        time.sleep(0.5)
    pytest.fail(f"import of {dataset} did not finish in {timeout}s")


@pytest.fixture
def admin_client_logged_in(client):
    User.objects.create_superuser("admin", "admin@example.com", "pw-for-tests")
    client.login(username="admin", password="pw-for-tests")
    return client


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_admin_action_imports_on_a_real_worker(
    celery_worker_process, admin_client_logged_in, tmp_path
) -> None:
    archive = sample_zip_write(out_dir=tmp_path, stops=400, seed=3)
    dataset = Dataset.objects.create(
        state="il", name="IL sample", date_received=date(2024, 1, 1),
        url=f"file://{archive}", report_email_1="reports@example.com",
    )
    response = admin_client_logged_in.post(
        "/admin/tsdata/dataset/",
        {"action": "import_dataset", "_selected_action": [dataset.pk]},
        follow=True,
    )
    assert "IL sample successfully queued for import." in response.content.decode()
    run = _wait_for_import(dataset)
    assert run.successful, run.error
    assert run.report["successful"] is True
    assert ILStop.objects.count() > 0
    loaded = sum(counts["loaded"] for counts in run.report["files"].values())
    assert loaded == ILStop.objects.count()


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_failed_import_is_recorded_with_its_error(celery_worker_process, tmp_path) -> None:
    not_a_zip = tmp_path / "broken.zip"
    not_a_zip.write_text("this is not a zip archive")
    dataset = Dataset.objects.create(
        state="il", name="broken", date_received=date(2024, 1, 1), url=f"file://{not_a_zip}"
    )
    from tsdata.tasks import import_dataset

    import_dataset.delay(dataset.pk)
    run = _wait_for_import(dataset)
    assert run.successful is False
    assert run.error
    assert ILStop.objects.count() == 0


@pytest.mark.django_db(databases="__all__")
def test_admin_action_refuses_several_datasets(admin_client_logged_in) -> None:
    ids = [
        Dataset.objects.create(
            state="md", name=f"d{i}", date_received=date(2024, 1, 1),
            url=f"https://example.com/{i}.zip",
        ).pk
        for i in range(2)
    ]
    response = admin_client_logged_in.post(
        "/admin/tsdata/dataset/", {"action": "import_dataset", "_selected_action": ids},
        follow=True,
    )
    assert "Please select one dataset at a time" in response.content.decode()
    assert Import.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_automated_nc_dataset_is_reused_and_keeps_history() -> None:
    first = nc_automated_dataset_ensure()
    Import.objects.create(dataset=first)
    second = nc_automated_dataset_ensure()
    assert first.pk == second.pk
    assert second.name == AUTOMATED_NC_DATASET_NAME and second.url == "ftp://nc.us/"
    assert Import.objects.filter(dataset=second).count() == 1
