"""The import report: counts per file, rejects with reasons, time per phase.

Every run keeps one; it is logged at the end and stored in ``tsdata.Import.report``.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

logger = logging.getLogger(__name__)


class ReportListener(Protocol):
    """Watches a running import (``tsdata.imports.runs``): phases as they start, rows read.

    Called on the import's own threads, so it must only note values in memory and return;
    whatever it writes elsewhere happens on its own schedule, never once per block.
    """

    def report_attached(self, report: ImportReport) -> None: ...

    def phase_started(self, name: str) -> None: ...

    def rows_read(self, label: str, rows: int, done_bytes: int, total_bytes: int) -> None: ...


# Set by the run service around an importer call: every report created meanwhile (on that
# thread) is watched by it, so the importers need no extra argument.
report_listener: contextvars.ContextVar[ReportListener | None] = contextvars.ContextVar(
    "report_listener", default=None
)


@dataclass
class FileCounts:
    read: int = 0  # non-blank lines in the raw file
    loaded: int = 0
    rejected: int = 0
    cut_off: int = 0
    outside_subset: int = 0
    blank: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    examples: list[dict] = field(default_factory=list)  # first rejects: line, reason

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "loaded": self.loaded,
            "rejected": self.rejected,
            "cut_off": self.cut_off,
            "outside_subset": self.outside_subset,
            "blank_lines": self.blank,
            "reject_reasons": dict(sorted(self.reasons.items(), key=lambda kv: -kv[1])),
            "reject_examples": self.examples,
        }


@dataclass
class ImportReport:
    state: str
    source: str = ""
    files: dict[str, FileCounts] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    total_seconds: float = 0.0
    successful: bool = False
    error: str = ""
    # NC agencies this import added to the registry (the run service notifies the monitors).
    new_agencies: list[str] = field(default_factory=list)
    listener: ReportListener | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.listener is None:
            self.listener = report_listener.get()
        if self.listener is not None:
            self.listener.report_attached(self)

    def file(self, name: str) -> FileCounts:
        return self.files.setdefault(name, FileCounts())

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time a phase (accumulates when a phase runs several times)."""
        started = time.monotonic()
        logger.info("%s import: %s ...", self.state.upper(), name)
        if self.listener is not None:
            self.listener.phase_started(name)
        try:
            yield
        finally:
            elapsed = time.monotonic() - started
            self.phases[name] = round(self.phases.get(name, 0.0) + elapsed, 3)
            logger.info("%s import: %s done in %.1f s", self.state.upper(), name, elapsed)

    @contextlib.contextmanager
    def failure_recorded(self, log: logging.Logger) -> Iterator[None]:
        """On an exception: finish the report as failed, log it and attach it to the
        exception as ``exc.report`` (the ``Import`` record keeps it), then re-raise."""
        try:
            yield
        except Exception as exc:
            self.finish(successful=False, error=str(exc))
            log.error("\n".join(self.lines()))
            with contextlib.suppress(AttributeError):  # e.g. exceptions with __slots__
                exc.report = self
            raise

    def finish(self, *, successful: bool, error: str = "") -> None:
        self.total_seconds = round(time.monotonic() - self.started, 3)
        self.successful = successful
        self.error = error

    def as_dict(self) -> dict:
        return {
            "state": self.state,
            "source": self.source,
            "successful": self.successful,
            "error": self.error,
            "total_seconds": self.total_seconds,
            "phases": self.phases,
            # jsonb keeps keys in its own order; this keeps the order the phases ran in.
            "phase_order": list(self.phases),
            "files": {name: counts.as_dict() for name, counts in self.files.items()},
            "notes": self.notes,
            "new_agencies": self.new_agencies,
        }

    def lines(self) -> list[str]:
        """Human-readable summary for the terminal and the log."""
        status = "succeeded" if self.successful else f"FAILED: {self.error}"
        out = [f"{self.state.upper()} import {status} in {self.total_seconds:.1f} s"]
        for name, c in self.files.items():
            out.append(
                f"  {name}: read {c.read:,}, loaded {c.loaded:,}, rejected {c.rejected:,}, "
                f"cut off {c.cut_off:,}"
                + (f", outside subset {c.outside_subset:,}" if c.outside_subset else "")
                + (f", blank lines {c.blank:,}" if c.blank else "")
            )
            for reason, count in sorted(c.reasons.items(), key=lambda kv: -kv[1]):
                out.append(f"    rejected {count:,}: {reason}")
        out.append(
            "  phases: " + ", ".join(f"{name} {secs:.1f} s" for name, secs in self.phases.items())
        )
        out.extend(f"  note: {note}" for note in self.notes)
        return out


class Progress:
    """Logs rows per second and percentage every few seconds during a long phase."""

    def __init__(self, label: str, total_bytes: int, *, interval: float = 5.0,
                 listener: ReportListener | None = None) -> None:
        self.label = label
        self.listener = listener
        self.total_bytes = max(total_bytes, 1)
        self.interval = interval
        self.started = time.monotonic()
        self.last = self.started
        self.bytes = 0
        self.rows = 0

    def update(self, nbytes: int, nrows: int) -> None:
        self.bytes += nbytes
        self.rows += nrows
        if self.listener is not None:
            self.listener.rows_read(self.label, self.rows, self.bytes, self.total_bytes)
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            rate = self.rows / max(now - self.started, 1e-9)
            logger.info(
                "%s: %.0f%% (%s rows, %s rows/s)",
                self.label, 100.0 * self.bytes / self.total_bytes, f"{self.rows:,}",
                f"{rate:,.0f}",
            )
