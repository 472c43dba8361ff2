"""A one-line text progress bar on stderr for the import commands (only on a terminal)."""

from __future__ import annotations

import sys
from typing import TextIO

BAR_WIDTH = 30


def progress_line(phase: str, rows: int, fraction: float | None) -> str:
    """``[#######-------]  45%  copy Stop.txt  123,456 rows``; no bar when the share is
    unknown (phases after the reading, MD/IL rows counted without a total)."""
    if fraction is None:
        bar = " " * (BAR_WIDTH + 2 + 11)
    else:  # the share of the files' bytes read; later phases (keys, swap) come after 100 %
        filled = int(round(fraction * BAR_WIDTH))
        bar = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {fraction * 100:3.0f}% read"
    return f"{bar}  {phase[:40]:<40}  {rows:,} rows"


class TerminalProgress:
    """Redraws one line in place; does nothing when ``stream`` is not a terminal (logs,
    cron mail and tests stay clean)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.drawn = False

    def __call__(self, phase: str, rows: int, fraction: float | None) -> None:
        if not self.enabled:
            return
        self.stream.write("\r" + progress_line(phase, rows, fraction))
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
