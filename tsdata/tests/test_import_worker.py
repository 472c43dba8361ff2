"""Imports on real Celery workers (real Redis broker, real PostgreSQL): the admin action end
to end, a corrupt dataset, and a worker killed in the middle of an import."""

from __future__ import annotations

import os
import signal
import time
import uuid
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from conftest import ROOT, WORKER_MAIL_DIR, celery_worker_start
from nc.models import Agency
from nc.models import Stop as NCStop
from nc.sample_data import sample_zip_write
from tsdata.imports.runs import dataset_import_queue, imports_stale_fail
from tsdata.models import Dataset, Import, StateFacts

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture
def staff_client(client):
    User.objects.create_superuser("operator", "operator@example.com", "pw-for-tests")
    client.login(username="operator", password="pw-for-tests")
    return client


def _mails_since(before: set[Path]) -> list[str]:
    return [p.read_text() for p in sorted(WORKER_MAIL_DIR.glob("*.log")) if p not in before]


def _watch(client, run_id: int, timeout: float = 90) -> list[dict]:
    """Poll the admin's status endpoint (as the page's script does) until the run ends."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(f"/admin/tsdata/import/status/?ids={run_id}")
        assert response.status_code == 200
        [data] = response.json()["imports"]
        if not seen or data != seen[-1]:
            seen.append(data)
        if not data["active"]:
            return seen
        time.sleep(0.05)
    pytest.fail(f"Import #{run_id} still active after {timeout}s: {seen[-3:]}")


def _queue_from_admin(client, dataset: Dataset) -> Import:
    response = client.post("/admin/tsdata/dataset/",
                           {"action": "import_dataset", "_selected_action": [dataset.pk]},
                           follow=True)
    assert f"{dataset.name} successfully queued for import." in response.content.decode()
    return Import.objects.filter(dataset=dataset).latest("id")


def _api_snapshot(client) -> dict:
    cache.clear()  # the responses must come from the database, not an earlier answer
    agencies = client.get("/nc/api/agency/").json()
    top = StateFacts.objects.get(state_key="nc").topagencyfacts_set.get(rank=1).agency_id
    stops = client.get(f"/nc/api/agency/{top}/stops/")
    assert stops.status_code == 200
    return {"agencies": agencies, "top_stops": stops.json()}


def test_admin_import_end_to_end_then_a_corrupt_dataset(
    celery_worker_process, staff_client, tmp_path
) -> None:
    before = set(WORKER_MAIL_DIR.glob("*.log"))
    archive = sample_zip_write(out_dir=tmp_path, stops=20_000, seed=11)
    dataset = Dataset.objects.create(
        state="nc", name="NC sample", date_received=date(2026, 11, 1),
        url=f"file://{archive}", report_email_1="reports@example.com",
    )
    run = _queue_from_admin(staff_client, dataset)
    assert run.trigger == "admin" and run.started_by.username == "operator"
    seen = _watch(staff_client, run.pk)
    statuses = [s["status"] for s in seen]
    order = ["queued", "running", "succeeded"]
    assert statuses == sorted(statuses, key=order.index), statuses
    assert statuses[-1] == "succeeded", seen[-1]
    progress = [s for s in seen if s["status"] == "running" and s["rows"] > 0]
    assert progress, seen  # the page saw rows counted while the import ran
    assert len({s["phase"] for s in seen if s["status"] == "running"}) >= 2
    run.refresh_from_db()
    assert run.date_queued <= run.date_started <= run.date_finished and run.task_id
    loaded = run.report["files"]["Stop.txt"]["loaded"]
    assert run.report["successful"] is True and loaded == NCStop.objects.count() > 0
    assert run.report["notifications"] == ["success"]
    mails = _mails_since(before)
    success = [m for m in mails if "Subject: Import completed successfully" in m]
    assert len(success) == 1 and "To: reports@example.com" in success[0]
    assert "Import of North Carolina: NC sample completed successfully" in success[0]
    # The API serves the new data.
    served = _api_snapshot(staff_client)
    assert {a["id"] for a in served["agencies"]} == set(Agency.objects.values_list("id", flat=True))
    assert served["top_stops"]

    # A corrupt extract: the import fails with its error, the old data stay served.
    corrupt = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(corrupt, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data[: len(data) // 2] if item.filename == "Stop.txt" else data)
    broken = Dataset.objects.create(state="nc", name="NC corrupt", date_received=date(2026, 11, 2),
                                    url=str(corrupt))
    before = set(WORKER_MAIL_DIR.glob("*.log"))
    failed = _queue_from_admin(staff_client, broken)
    assert _watch(staff_client, failed.pk)[-1]["status"] == "failed"
    failed.refresh_from_db()
    assert "live data left unchanged" in failed.error and failed.date_finished
    assert failed.report["successful"] is False
    assert NCStop.objects.count() == loaded
    assert _api_snapshot(staff_client) == served
    alerts = [m for m in _mails_since(before) if f"Import #{failed.pk} (NC) failed" in m]
    assert len(alerts) == 1 and "To: odp-admins@example.com" in alerts[0]
    assert "live data left unchanged" in alerts[0]


def _broker_queue_forget(queue: str) -> None:
    """Drop what the killed worker left in Redis for its private queue (the unacked message
    and the queue's bindings), so later runs sharing the Redis database never see it."""
    import json

    from traffic_stops.celery import app

    with app.connection_for_write() as connection:
        client = connection.default_channel.client
        for tag, payload in client.hgetall("unacked").items():
            if json.loads(payload)[-1] == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def test_worker_killed_mid_import_is_marked_failed_and_runs_again(
    celery_worker_process, tmp_path
) -> None:
    queue = f"doomed-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    doomed = celery_worker_start(name="doomed", queues=queue, new_session=True,
                                 log_path=ROOT / ".data" / "celery-test-doomed-worker.log",
                                 extra_env={"IMPORT_PROGRESS_SECONDS": "0.1"})
    try:
        archive = sample_zip_write(out_dir=tmp_path, stops=30_000, seed=12)
        dataset = Dataset.objects.create(state="nc", name="NC doomed",
                                         date_received=date(2026, 11, 1), url=str(archive))
        run = dataset_import_queue(dataset=dataset, trigger="admin", queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status == "running" and run.rows > 0:
                break
            assert run.status in ("queued", "running"), (run.status, run.error)
            time.sleep(0.02)
        else:
            pytest.fail(f"the import did not start on the doomed worker: {run.status}")
        os.killpg(doomed.pid, signal.SIGKILL)  # the worker and its pool process
        doomed.wait(timeout=10)
    finally:
        if doomed.poll() is None:
            os.killpg(doomed.pid, signal.SIGKILL)
    run.refresh_from_db()
    last_beat = run.heartbeat
    time.sleep(1.5)
    run.refresh_from_db()
    assert run.status == "running" and run.heartbeat == last_beat  # nobody beats any more
    # The next worker to start fails the dead run (its stale limit set to 1 s here).
    successor = celery_worker_start(name="successor", queues=queue,
                                    log_path=ROOT / ".data" / "celery-test-successor.log",
                                    extra_env={"IMPORT_STALE_SECONDS": "1"})
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and run.status == "running":
            time.sleep(0.2)
            run.refresh_from_db()
    finally:
        successor.terminate()
        successor.wait(timeout=20)
        _broker_queue_forget(queue)
    assert run.status == "failed" and "stopped without finishing" in run.error
    assert imports_stale_fail(older_than=timedelta(seconds=1)) == []  # already done
    assert run.date_finished is not None and NCStop.objects.count() == 0
    # It can be run again (on the other worker): the dead run's lock went with its process.
    again = dataset_import_queue(dataset=dataset, trigger="admin")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        again.refresh_from_db()
        if not again.active:
            break
        time.sleep(0.2)
    assert again.status == "succeeded", again.error
    assert NCStop.objects.count() == again.report["files"]["Stop.txt"]["loaded"] > 0
