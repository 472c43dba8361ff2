"""``make demo``: generate and import an NC sample so the site shows data."""

from __future__ import annotations

import tempfile
from pathlib import Path

from nc.models import Stop
from nc.sample_data import sample_zip_write
from nc.services import nc_import_run

DEMO_STOPS = 200_000
DEMO_SEED = 2024


def demo_load(*, force: bool) -> str:
    """Generate ~200,000 stops and import them, unless NC already has data (or ``force``)."""
    if not force and Stop.objects.exists():
        return "NC data already loaded (use --force to reload)"
    with tempfile.TemporaryDirectory(prefix="nc-demo-") as directory:
        archive = sample_zip_write(out_dir=Path(directory), stops=DEMO_STOPS, seed=DEMO_SEED)
        report = nc_import_run(zip_path=archive, dest=Path(directory), prime=False)
    stops = report.files["Stop.txt"].loaded
    return f"imported {stops:,} sample stops in {report.total_seconds:.0f} s"
