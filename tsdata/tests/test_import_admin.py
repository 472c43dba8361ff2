"""The admin of datasets and imports: sources, live status, report tables, staff only."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from tsdata.admin import DatasetForm
from tsdata.models import Dataset, Import

pytestmark = pytest.mark.django_db(databases="__all__")
REPORT = {
    "state": "md", "source": "/data/md.zip", "successful": False, "total_seconds": 12.5,
    "error": "Too many rejects", "phases": {"stream and copy": 11.0, "obtain": 0.4},
    "phase_order": ["obtain", "stream and copy"],  # the order they ran (jsonb reorders keys)
    "files": {"stops.xlsx": {
        "read": 1200, "loaded": 1100, "rejected": 90, "cut_off": 10, "outside_subset": 0,
        "blank_lines": 0, "reject_reasons": {"<b>bad</b> date": 90},
        "reject_examples": [{"row": 7, "reason": "<b>bad</b> date"}],
    }},
    "notes": ["agency codes without a crosswalk name: X1"],
}


@pytest.fixture
def staff_client(client):
    User.objects.create_superuser("admin", "admin@example.com", "pw")
    client.login(username="admin", password="pw")
    return client


@pytest.fixture
def plain_client(client):
    User.objects.create_user("visitor", password="pw")
    client.login(username="visitor", password="pw")
    return client


def _dataset(**fields) -> Dataset:
    values = {"state": "nc", "name": "NC data", "date_received": date(2024, 1, 1),
              "url": "file:///srv/data/nc.zip"} | fields
    return Dataset.objects.create(**values)


@pytest.mark.parametrize(("state", "source", "ok"), [
    ("nc", "ftp://nc.us/", True),
    ("nc", "https://example.com/STOPS_Extract.zip", True),
    ("md", "http://example.com/md.zip", True),
    ("il", "file:///srv/data/il.zip", True),
    ("md", "/srv/data/md.zip", True),
    ("nc", "ftp://elsewhere.example.com/x.zip", False),
    ("md", "ftp://nc.us/", False),
    ("il", "data/il.zip", False),
    ("il", "file://data/il.zip", False),
    ("nc", "gopher://example.com/x", False),
])
def test_dataset_form_takes_the_sources_the_commands_take(state, source, ok) -> None:
    form = DatasetForm(data={"state": state, "name": "d", "date_received": "2024-01-01",
                             "url": source})
    assert form.is_valid() is ok, form.errors


def test_dataset_add_view_accepts_a_file_url(staff_client) -> None:
    response = staff_client.post("/admin/tsdata/dataset/add/", {
        "state": "il", "name": "IL local", "date_received": "2024-01-01",
        "url": "file:///srv/data/il.zip", "destination": "",
        "report_email_1": "", "report_email_2": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Dataset.objects.get().url == "file:///srv/data/il.zip"


def test_import_list_and_detail_show_status_progress_and_report(staff_client) -> None:
    dataset = _dataset()
    now = timezone.now()
    running = Import.objects.create(state="nc", dataset=dataset, source=dataset.url,
                                    trigger="admin", status="running", phase="copy Stop.txt",
                                    rows=123456, progress=0.42, date_started=now, heartbeat=now)
    failed = Import.objects.create(state="md", source="/data/md.zip", trigger="shell",
                                   status="failed", error="Too many rejects", report=REPORT,
                                   date_started=now, date_finished=now)
    page = staff_client.get("/admin/tsdata/import/").content.decode()
    assert f'data-import-id="{running.pk}" data-status="running"' in page
    assert '<progress class="import-bar" max="1" value="0.420">' in page
    assert "copy Stop.txt · 123,456 rows · 42% read" in page
    assert "import-status-failed" in page and "tsdata/admin/import_progress.js" in page
    detail = staff_client.get(f"/admin/tsdata/import/{failed.pk}/change/").content.decode()
    assert "<th>rejected because</th>" in detail
    assert '<td class="num">1,200</td><td class="num">1,100</td><td class="num">90</td>' in detail
    assert "90 × &lt;b&gt;bad&lt;/b&gt; date" in detail and "<b>bad</b>" not in detail
    assert "<td>stream and copy</td><td class=\"num\">11.0</td>" in detail
    assert detail.index("<td>obtain</td>") < detail.index("<td>stream and copy</td>")
    assert "agency codes without a crosswalk name: X1" in detail
    assert 'name="status"' not in detail  # read-only: no form inputs for the record


def test_status_endpoint_serves_live_fields_to_staff(staff_client) -> None:
    now = timezone.now()
    run = Import.objects.create(state="il", status="running", phase="stream and copy",
                                rows=5000, date_started=now, heartbeat=now)
    response = staff_client.get(f"/admin/tsdata/import/status/?ids={run.pk},x,999999")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert response.json() == {"imports": [{
        "id": run.pk, "status": "running", "phase": "stream and copy", "rows": 5000,
        "progress": None, "active": True, "error": "", "date_finished": None,
    }]}


def test_non_staff_are_refused_everything(plain_client) -> None:
    dataset = _dataset()
    run = Import.objects.create(state="nc", dataset=dataset, status="running")
    for url in ("/admin/tsdata/import/", f"/admin/tsdata/import/{run.pk}/change/",
                f"/admin/tsdata/import/status/?ids={run.pk}", "/admin/tsdata/dataset/"):
        response = plain_client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    response = plain_client.post("/admin/tsdata/dataset/",
                                 {"action": "import_dataset", "_selected_action": [dataset.pk]})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Import.objects.count() == 1


def test_staff_without_import_permission_get_no_status(client) -> None:
    user = User.objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_dataset"))
    client.login(username="clerk", password="pw")
    run = Import.objects.create(state="nc", status="running")
    assert client.get(f"/admin/tsdata/import/status/?ids={run.pk}").status_code == 403
    assert client.get("/admin/tsdata/import/").status_code == 403


def test_admin_action_refuses_a_second_import_of_the_state(staff_client) -> None:
    first, second = _dataset(name="first"), _dataset(name="second", url="/srv/other.zip")
    now = timezone.now()
    active = Import.objects.create(state="nc", dataset=first, status="running",
                                   date_started=now, heartbeat=now, trigger="schedule")
    response = staff_client.post("/admin/tsdata/dataset/",
                                 {"action": "import_dataset", "_selected_action": [second.pk]},
                                 follow=True)
    page = response.content.decode()
    assert f"An NC import is already running (Import #{active.pk}, started by schedule" in page
    assert Import.objects.count() == 1



def test_staff_who_may_only_view_cannot_start_imports(client) -> None:
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_dataset", "view_import"]))
    client.login(username="viewer", password="pw")
    dataset = _dataset()
    done = Import.objects.create(state="nc", dataset=dataset, status="failed")
    client.post("/admin/tsdata/dataset/",
                {"action": "import_dataset", "_selected_action": [dataset.pk]})
    client.post("/admin/tsdata/import/", {"action": "run_again", "_selected_action": [done.pk]})
    assert list(Import.objects.values_list("id", flat=True)) == [done.pk]
    page = client.get("/admin/tsdata/import/").content.decode()
    assert "run_again" not in page and "cancel_queued" not in page


def test_run_again_and_cancel_from_the_history(staff_client) -> None:
    dataset = _dataset()
    done = Import.objects.create(state="nc", dataset=dataset, status="failed", error="boom")
    shell = Import.objects.create(state="md", source="/data/md.zip", trigger="shell",
                                  status="succeeded")
    response = staff_client.post(
        "/admin/tsdata/import/",
        {"action": "run_again", "_selected_action": [done.pk, shell.pk]}, follow=True)
    page = response.content.decode()
    queued = Import.objects.get(status="queued")
    assert f"NC data queued again as Import #{queued.pk}." in page
    assert f"Import #{shell.pk} has no dataset (started from the shell)" in page
    assert (queued.dataset, queued.trigger, queued.started_by.username) == (dataset, "admin",
                                                                           "admin")
    response = staff_client.post(
        "/admin/tsdata/import/", {"action": "cancel_queued", "_selected_action": [queued.pk]},
        follow=True)
    assert "Cancelled 1 queued import(s)." in response.content.decode()
    queued.refresh_from_db()
    assert queued.status == "failed" and queued.error == "Cancelled by admin."
