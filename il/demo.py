"""Demo data for IL (``make demo``): a generated sample imported like a real extract."""

from __future__ import annotations

from il.sample_data import sample_zip_write
from il.services import il_import_run
from tsdata.services import demo_sample_import

DEMO_STOPS = 20_000
DEMO_SEED = 2019


def demo_load(*, force: bool) -> str:
    """Import a generated sample unless IL data exist (or ``force``); a one-line result."""
    return demo_sample_import(
        state="il", default_stops=DEMO_STOPS, seed=DEMO_SEED, force=force,
        sample_writer=sample_zip_write, importer=il_import_run,
    )
