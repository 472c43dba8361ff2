"""Demo data for MD (``make demo``): a generated sample imported like a real extract."""

from __future__ import annotations

from md.sample_data import sample_zip_write
from md.services import md_import_run
from tsdata.services import demo_sample_import

DEMO_STOPS = 20_000
DEMO_SEED = 2019


def demo_load(*, force: bool) -> str:
    """Import a generated sample unless MD data exist (or ``force``); a one-line result."""
    return demo_sample_import(
        state="md", default_stops=DEMO_STOPS, seed=DEMO_SEED, force=force,
        sample_writer=sample_zip_write, importer=md_import_run,
    )
