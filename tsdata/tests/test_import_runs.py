"""The import run service in-process: shell history, progress, refusals, dead runs, mail."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from il.sample_data import sample_zip_write as il_sample_zip_write
from nc.models import Agency
from nc.models import Stop as NCStop
from nc.sample_data import sample_zip_write as nc_sample_zip_write
from nc.tests.extracts import simple_extract
from tsdata.imports.runs import (
    ImportRefused,
    dataset_import_execute,
    import_cancel,
    import_create,
    imports_stale_fail,
    shell_import_run,
)
from tsdata.imports.staging import ImportValidationError
from tsdata.imports.terminal import TerminalProgress, progress_line
from tsdata.models import Dataset, Import

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_shell_import_is_recorded_with_progress(tmp_path, settings) -> None:
    settings.IMPORT_PROGRESS_SECONDS = 0.02
    archive = nc_sample_zip_write(out_dir=tmp_path, stops=3000, seed=5)
    terminal, out = FakeTerminal(), io.StringIO()
    call_command("import_nc", "--zip", str(archive), "--noprime", stdout=out, stderr=terminal)
    run = Import.objects.get()
    assert (run.state, run.trigger, run.status, run.successful) == ("nc", "shell", "succeeded",
                                                                    True)
    assert run.started_by_label == "shell" and run.dataset is None
    assert run.source == str(archive)
    assert run.date_started <= run.date_finished and run.heartbeat is not None
    assert run.report["successful"] is True and "copy Stop.txt" in run.report["phases"]
    read = sum(counts["read"] for counts in run.report["files"].values())
    assert run.rows == read and run.progress == 1.0
    assert run.report["files"]["Stop.txt"]["loaded"] == NCStop.objects.count() > 0
    assert "NC import succeeded" in out.getvalue()
    # The terminal got a redrawn bar (carriage returns) ending with the rows read.
    bar = terminal.getvalue()
    assert bar.count("\r") >= 2 and bar.endswith("\n")
    assert f"{read:,} rows" in bar.splitlines()[-1]


def test_progress_bar_only_on_a_terminal() -> None:
    plain = io.StringIO()
    TerminalProgress(plain)("copy Stop.txt", 10, 0.5)
    assert plain.getvalue() == ""
    line = progress_line("copy Stop.txt", 12345, 0.5)
    assert line.startswith("[" + "#" * 15 + "-" * 15 + "]  50% read")
    assert "12,345 rows" in line
    assert "#" not in progress_line("swap", 10, None)


def test_failed_shell_import_is_recorded_and_mailed_to_the_admins(tmp_path, settings) -> None:
    settings.ADMINS = [("Ops", "ops@example.com")]
    broken = tmp_path / "broken.zip"
    broken.write_text("not a zip archive")
    with pytest.raises(CommandError, match="not a valid zip"):
        call_command("import_il", "--zip", str(broken), stdout=io.StringIO(),
                     stderr=io.StringIO())
    run = Import.objects.get()
    assert (run.status, run.successful, run.trigger) == ("failed", False, "shell")
    assert "not a valid zip" in run.error and run.date_finished is not None
    [message] = mail.outbox
    assert message.to == ["ops@example.com"]
    assert f"Import #{run.pk} (IL) failed" in message.subject
    assert run.error in message.body


def test_second_import_of_a_state_is_refused_while_one_runs(tmp_path) -> None:
    now = timezone.now()
    running = Import.objects.create(state="nc", source="ftp://nc.us/", trigger="schedule",
                                    status="running", date_started=now, heartbeat=now)
    with pytest.raises(CommandError, match=rf"NC import is already running \(Import #{running.pk}"):
        call_command("import_nc", "--zip", str(tmp_path / "x.zip"), stdout=io.StringIO())
    assert Import.objects.count() == 1
    # Another state may import meanwhile.
    assert import_create(state="md", source="/data/md.zip", trigger="shell").status == "queued"
    # A run that stopped beating no longer blocks: it is failed first.
    Import.objects.filter(pk=running.pk).update(heartbeat=now - timedelta(minutes=10))
    queued = import_create(state="nc", source="/data/nc.zip", trigger="shell")
    running.refresh_from_db()
    assert running.status == "failed" and "stopped without finishing" in running.error
    assert "Run the import again" in running.error
    with pytest.raises(ImportRefused, match="already queued"):
        import_create(state="nc", source="/data/nc.zip", trigger="shell")
    assert import_cancel(run=queued)
    assert dataset_import_execute(import_id=queued.pk) is None  # no dataset: not run


def test_stale_check_leaves_live_runs_alone() -> None:
    now = timezone.now()
    alive = Import.objects.create(state="il", status="running", date_started=now, heartbeat=now)
    dead = Import.objects.create(state="md", status="running", date_started=now,
                                 heartbeat=now - timedelta(seconds=30))
    assert imports_stale_fail(older_than=timedelta(seconds=10)) == [dead.pk]
    alive.refresh_from_db()
    assert alive.status == "running"


def test_new_agencies_are_mailed_to_the_monitors_once(tmp_path, settings) -> None:
    settings.NC_AUTO_IMPORT_MONITORS = ["monitor-a@example.com", "monitor-b@example.com"]
    first = ["Apex Police Department", "Cary Police Department"]

    def run(name: str, agencies: list[str]):
        archive = simple_extract(tmp_path / name, agencies)
        from nc.services import nc_import_run

        return shell_import_run(state="nc", source=str(archive),
                                call=lambda: nc_import_run(zip_path=archive, prime=False))

    run("a.zip", first)
    assert mail.outbox == []  # the first import fills an empty registry: nothing "new"
    run("b.zip", [*first, "Zebulon PD", "Wendell PD"])
    [message] = mail.outbox
    assert message.subject == "New NC agencies were discovered during import"
    assert message.to == settings.NC_AUTO_IMPORT_MONITORS
    assert "Wendell PD, Zebulon PD" in message.body and "Apex" not in message.body
    assert len(message.body.splitlines()) <= 5
    [(filename, content, _)] = message.attachments
    ids = {a.name: a.id for a in Agency.objects.all()}
    assert filename == "NC_agencies.csv"
    assert content.splitlines() == [
        "Id,Agency Name,GEOID",
        f"{ids['Wendell PD']},Wendell PD,",
        f"{ids['Zebulon PD']},Zebulon PD,",
    ]
    second = Import.objects.order_by("-id").first()
    assert second.report["notifications"] == ["new agencies"]
    mail.outbox.clear()
    run("c.zip", [*first, "Zebulon PD"])
    assert mail.outbox == []


def test_dataset_import_mails_its_report_addresses(tmp_path) -> None:
    archive = il_sample_zip_write(out_dir=tmp_path, stops=300, seed=2)
    dataset = Dataset.objects.create(
        state="il", name="IL sample", date_received=date(2024, 1, 1), url=str(archive),
        report_email_1="a@example.com", report_email_2="b@example.com",
    )
    staff = User.objects.create_user("operator", is_staff=True)
    queued = import_create(state="il", source=dataset.url, trigger="admin", dataset=dataset,
                           user=staff)
    assert queued.started_by_label == "operator"
    run = dataset_import_execute(import_id=queued.pk)
    assert run.status == "succeeded", run.error
    [message] = mail.outbox
    assert message.subject == "Import completed successfully"
    assert message.body == "Import of Illinois: IL sample completed successfully"
    assert message.to == ["a@example.com", "b@example.com"]
    assert run.report["notifications"] == ["success"]
    # The same message delivered again (a worker died after finishing) runs nothing.
    assert dataset_import_execute(import_id=queued.pk) is None
    assert Import.objects.count() == 1 and len(mail.outbox) == 1


def test_a_corrupt_member_fails_without_touching_live_data(tmp_path) -> None:
    good = nc_sample_zip_write(out_dir=tmp_path, stops=500, seed=1)
    from nc.services import nc_import_run

    shell_import_run(state="nc", source=str(good),
                     call=lambda: nc_import_run(zip_path=good, prime=False))
    before = NCStop.objects.count()
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data if item.filename != "Stop.txt" else data[: len(data) // 3])
    # A cut-off Stop.txt: its last line is short, more rejects than the import tolerates.
    with pytest.raises(ImportValidationError, match="live data left unchanged") as caught:
        shell_import_run(state="nc", source=str(bad),
                         call=lambda: nc_import_run(zip_path=bad, prime=False))
    failed = Import.objects.order_by("-id").first()
    assert failed.status == "failed" and failed.error == str(caught.value)
    assert NCStop.objects.count() == before


def test_demo_start_up_records_its_imports_and_mails_nobody(monkeypatch, settings) -> None:
    from tsdata.services import demo_data_load

    settings.NC_AUTO_IMPORT_MONITORS = ["monitor@example.com"]
    monkeypatch.setenv("DEMO_STOPS", "2000")
    lines = list(demo_data_load(force=True))
    assert [line.split(":")[0] for line in lines] == ["nc", "md", "il"]
    runs = list(Import.objects.order_by("id").values_list("state", "trigger", "status"))
    assert runs == [("nc", "shell", "succeeded"), ("md", "shell", "succeeded"),
                    ("il", "shell", "succeeded")]
    assert mail.outbox == []  # first imports into empty registries: nothing "new" to report
