"""The one way an import runs: from the shell, the admin or the schedule (docs/imports.md).

Every run is an ``Import`` row that goes queued → running → succeeded / failed, with the
phase, the rows read so far and a heartbeat written by a watcher thread at most every
``IMPORT_PROGRESS_SECONDS`` (never per row, so the importers keep their speed). The run
service also sends the notifications. A run whose process died stops beating and is
marked failed by ``imports_stale_fail`` (worker start, beat, and before queueing).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import zlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from tsdata.imports import notify
from tsdata.imports.report import ImportReport, report_listener
from tsdata.models import Dataset, Import
from tsdata.states import StateMapping, state_definition

logger = logging.getLogger(__name__)

Status = Import.Status
Trigger = Import.Trigger
ACTIVE = (Status.QUEUED, Status.RUNNING)
# state key -> dotted path of the service that imports that state's raw data (a view of the
# state definitions)
STATE_IMPORTERS = StateMapping(lambda definition: definition.importer)
# (phase, rows so far, fraction of the bytes read or None) -> None; e.g. a terminal bar
ProgressEcho = Callable[[str, int, float | None], None]


class ImportRefused(Exception):
    """Another import of the same state is queued or running; nothing was started."""


def _state_importer(state: str) -> Callable[..., ImportReport]:
    return state_definition(state).import_function()


def import_active(state: str) -> Import | None:
    return Import.objects.filter(state=state, status__in=ACTIVE).order_by("date_queued").first()


def import_create(*, state: str, source: str, trigger: str, dataset: Dataset | None = None,
                  user=None) -> Import:
    """Record a queued import, or raise ``ImportRefused`` while the state has one active.

    Dead runs are failed first, so a crashed worker never blocks the next import. A
    transaction-level advisory lock on the primary database serialises the check.
    """
    imports_stale_fail()
    with transaction.atomic(), connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"import:{state}".encode())])
        active = import_active(state)
        if active is not None:
            raise ImportRefused(
                f"An {state.upper()} import is already {active.status} (Import #{active.pk}, "
                f"started by {active.started_by_label} at "
                f"{timezone.localtime(active.date_queued):%Y-%m-%d %H:%M}). Wait for it to "
                "finish; its progress is on the Imports page."
            )
        return Import.objects.create(
            state=state, source=source, trigger=trigger, dataset=dataset, started_by=user,
        )


def dataset_import_queue(*, dataset: Dataset, trigger: str, user=None,
                         queue: str | None = None) -> Import:
    """Record a queued import of ``dataset`` and hand it to a Celery worker (after commit)."""
    from tsdata.tasks import import_dataset

    run = import_create(state=dataset.state, source=dataset.url, trigger=trigger,
                        dataset=dataset, user=user)
    options = {"queue": queue} if queue else {}

    def send() -> None:
        try:
            result = import_dataset.apply_async((dataset.pk, run.pk), **options)
        except Exception as exc:  # broker down: say so instead of leaving it queued forever
            logger.exception("Import #%s could not be queued", run.pk)
            Import.objects.filter(pk=run.pk, status=Status.QUEUED).update(
                status=Status.FAILED, date_finished=timezone.now(),
                error=f"Could not reach the task queue (Celery broker): {exc}",
            )
            return
        Import.objects.filter(pk=run.pk, task_id="").update(task_id=result.id or "")

    transaction.on_commit(send)
    return run


def dataset_import_execute(*, import_id: int) -> Import | None:
    """The worker's half of a dataset import; None when the run is no longer queued
    (cancelled, already done, or a message delivered twice)."""
    run = Import.objects.select_related("dataset").get(pk=import_id)
    dataset = run.dataset
    if dataset is None:
        Import.objects.filter(pk=run.pk, status=Status.QUEUED).update(
            status=Status.FAILED, date_finished=timezone.now(),
            error="The dataset was deleted before the import started.",
        )
        return None
    importer = _state_importer(dataset.state)
    destination = Path(dataset.destination) if dataset.destination else None
    source = dataset.url
    kwargs = {"zip_path": Path(source)} if source.startswith("/") else {"url": source}
    try:
        import_execute(run=run, call=lambda: importer(dest=destination, **kwargs))
    except _NotQueued:
        return None
    except Exception:  # recorded on the row and mailed to the admins already
        logger.exception("Import #%s failed", run.pk)
    run.refresh_from_db()
    return run


def shell_import_run(*, state: str, source: str, call: Callable[[], ImportReport],
                     echo: ProgressEcho | None = None) -> ImportReport:
    """An import typed in a shell (or run by ``demo_data``): recorded like any other.

    Raises ``ImportRefused`` while another import of the state is active, and re-raises
    the importer's exception after recording it.
    """
    run = import_create(state=state, source=source, trigger=Trigger.SHELL)
    return import_execute(run=run, call=call, echo=echo)


class _NotQueued(Exception):
    pass


def import_execute(*, run: Import, call: Callable[[], ImportReport],
                   echo: ProgressEcho | None = None) -> ImportReport:
    """Claim a queued run, call its importer under a watcher, record the outcome, notify."""
    now = timezone.now()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    claimed = Import.objects.filter(pk=run.pk, status=Status.QUEUED).update(
        status=Status.RUNNING, date_started=now, heartbeat=now, worker=worker, phase="starting",
    )
    if not claimed:
        logger.warning("Import #%s is not queued any more; not running it again", run.pk)
        raise _NotQueued(run.pk)
    run.refresh_from_db()
    watcher = RunWatcher(run.pk, echo=echo)
    watcher.start()
    token = report_listener.set(watcher)
    try:
        report = call()
    except BaseException as exc:
        report_listener.reset(token)
        watcher.stop()
        failed = getattr(exc, "report", None) or watcher.last_report()
        if isinstance(exc, Exception):
            error = str(exc) or exc.__class__.__name__
        else:
            error = f"Interrupted ({exc.__class__.__name__}) before the import finished."
        _finish(run, Status.FAILED, report=failed.as_dict() if failed else {}, error=error,
                rows=watcher.rows())
        _notify_failure(run)
        raise
    report_listener.reset(token)
    watcher.stop()
    # Mail first, then the final status: whoever sees "succeeded" sees the whole record.
    sent = _notify_success(run, report)
    _finish(run, Status.SUCCEEDED, report={**report.as_dict(), "notifications": sent},
            rows=watcher.rows())
    return report


def _finish(run: Import, status: str, *, report: dict, rows: int, error: str = "") -> None:
    run.status = status
    run.report = report
    run.error = error
    run.rows = max(rows, run.rows)
    run.progress = 1.0 if status == Status.SUCCEEDED else run.progress
    run.phase = "done" if status == Status.SUCCEEDED else f"failed during {run.phase or 'start'}"
    run.date_finished = run.heartbeat = timezone.now()
    run.save()


def _notify_success(run: Import, report: ImportReport) -> list[str]:
    """Send the success, new-agency and compliance emails; what went out, for the report."""
    sent = []
    for label, send in (
        ("success", lambda: notify.import_success_notify(run)),
        ("new agencies", lambda: _new_agencies_notify(run, report)),
        ("compliance report", lambda: notify.compliance_report_send(state=run.state)),
    ):
        try:
            if send():
                sent.append(label)
        except Exception:  # a mail server problem must not turn a good import into a failure
            logger.exception("Import #%s: the %s email could not be sent", run.pk, label)
            sent.append(f"{label} (sending failed, see the log)")
    return sent


def _notify_failure(run: Import) -> None:
    try:
        notify.import_failure_notify(run)
    except Exception:
        logger.exception("Import #%s: the failure email could not be sent", run.pk)


def _new_agencies_notify(run: Import, report: ImportReport) -> int:
    if run.state != "nc" or not report.new_agencies:
        return 0
    from nc.services import new_agencies_notify

    return new_agencies_notify(report.new_agencies, run_label=f"import #{run.pk}")


def imports_stale_fail(*, older_than: timedelta | None = None) -> list[int]:
    """Mark running imports whose heartbeat stopped as failed; returns their ids.

    Their process died (worker killed, machine lost): it never reached its own ``except``.
    An import changes live data only in its final swap transaction, which PostgreSQL rolls
    back when the connection dies, so the message tells the operator to run it again.
    """
    limit = timezone.now() - (older_than or timedelta(seconds=settings.IMPORT_STALE_SECONDS))
    stale = Import.objects.filter(status=Status.RUNNING).filter(
        Q(heartbeat__lt=limit) | Q(heartbeat__isnull=True, date_started__lt=limit)
    )
    failed = []
    for run in stale:
        seen = run.heartbeat or run.date_started
        updated = Import.objects.filter(pk=run.pk, status=Status.RUNNING, heartbeat=run.heartbeat)
        error = (
            f"The process running this import ({run.worker or 'unknown'}) stopped without "
            f"finishing; its last sign of life was {timezone.localtime(seen):%Y-%m-%d %H:%M:%S}, "
            f"during '{run.phase}'. Live data change only in an import's final swap, so they "
            "are as before unless the swap had committed. Run the import again."
        )
        if updated.update(status=Status.FAILED, successful=False, error=error,
                          date_finished=timezone.now(), phase=f"failed during {run.phase}"):
            run.refresh_from_db()
            failed.append(run.pk)
            logger.error("Import #%s: %s", run.pk, error)
            _notify_failure(run)
    return failed


def import_cancel(*, run: Import, user=None) -> bool:
    """Fail a queued run that has not started (its task finds it cancelled and skips)."""
    who = user.get_username() if user is not None else "an operator"
    return bool(Import.objects.filter(pk=run.pk, status=Status.QUEUED).update(
        status=Status.FAILED, date_finished=timezone.now(), error=f"Cancelled by {who}.",
    ))


class RunWatcher:
    """Notes the importer's phase and rows (listener calls cost a dict write) and, on a
    thread of its own, writes them with a heartbeat to the Import row every few seconds."""

    def __init__(self, import_id: int, *, echo: ProgressEcho | None = None,
                 interval: float | None = None) -> None:
        self.import_id = import_id
        self.echo = echo
        self.interval = interval or settings.IMPORT_PROGRESS_SECONDS
        self.phase = "starting"
        self.reports: list[ImportReport] = []
        self.files: dict[str, tuple[int, int, int]] = {}  # label -> rows, bytes done, total
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"import-{import_id}-watch",
                                        daemon=True)

    # ReportListener ------------------------------------------------------------------
    def report_attached(self, report: ImportReport) -> None:
        self.reports.append(report)

    def phase_started(self, name: str) -> None:
        self.phase = name

    def rows_read(self, label: str, rows: int, done_bytes: int, total_bytes: int) -> None:
        self.files[label] = (rows, done_bytes, total_bytes)

    # ---------------------------------------------------------------------------------
    def last_report(self) -> ImportReport | None:
        return self.reports[-1] if self.reports else None

    def rows(self) -> int:
        """Lines read so far: from the byte counters (NC) or the file counts (MD/IL)."""
        files = list(self.files.values())
        counted = sum(c.read for r in list(self.reports) for c in list(r.files.values()))
        return max(sum(f[0] for f in files), counted)

    def fraction(self) -> float | None:
        files = list(self.files.values())
        total = sum(f[2] for f in files)
        return min(sum(f[1] for f in files) / total, 1.0) if total else None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        if self.echo is not None:
            self.echo(self.phase, self.rows(), self.fraction())

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self.flush()
        finally:
            connections.close_all()  # this thread's own connections only

    def flush(self) -> None:
        phase, rows, fraction = self.phase[:255], self.rows(), self.fraction()
        try:
            Import.objects.filter(pk=self.import_id, status=Status.RUNNING).update(
                phase=phase, rows=rows, progress=fraction, heartbeat=timezone.now(),
            )
        except Exception:  # a lost connection here must not stop the import
            logger.exception("Import #%s: progress not recorded", self.import_id)
            connections.close_all()
        if self.echo is not None:
            self.echo(phase, rows, fraction)

