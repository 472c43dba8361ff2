"""Demo data for IL (``make demo``): a generated sample imported like a real extract."""

from __future__ import annotations

import tempfile
from pathlib import Path

from il.models import Stop
from il.sample_data import sample_zip_write
from il.services import il_import_run
from tsdata.states import state_config

DEMO_STOPS = 20_000
DEMO_SEED = 2019


def demo_load(*, force: bool) -> str:
    """Import a generated sample unless IL data exist (or ``force``); a one-line result."""
    existing = Stop.objects.using(state_config("il").db_alias).count()
    if existing and not force:
        return f"{existing:,} stops present, skipped (use --force to replace)"
    with tempfile.TemporaryDirectory(prefix="il-demo-") as work:
        archive = sample_zip_write(out_dir=Path(work), stops=DEMO_STOPS, seed=DEMO_SEED)
        report = il_import_run(zip_path=archive, dest=Path(work))
    return report.lines()[0]
