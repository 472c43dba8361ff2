"""Demo data for NC (``make demo``): a generated sample imported like a real extract."""

from __future__ import annotations

from nc.sample_data import sample_zip_write
from nc.services import nc_import_run
from tsdata.services import demo_sample_import

DEMO_STOPS = 200_000
DEMO_SEED = 2024


def demo_load(*, force: bool) -> str:
    """Import a generated sample unless NC data exist (or ``force``); a one-line result."""
    return demo_sample_import(
        state="nc", default_stops=DEMO_STOPS, seed=DEMO_SEED, force=force,
        sample_writer=sample_zip_write, importer=nc_import_run, prime=False,
    )
