"""Writes with side effects that several entry points share (commands, admin, tasks)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from tsdata.models import Dataset
from tsdata.states import state_definition, state_definitions


def admin_user_ensure(*, username: str, password: str) -> bool:
    """Create the superuser ``username`` or reset its password; True when created."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": True}
    )
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    return created


def demo_data_load(*, force: bool = False) -> Iterator[str]:
    """Run each state's ``<state>.demo.demo_load(force=...)``; one message per state."""
    for state in (definition.key for definition in state_definitions()):
        try:
            module = import_module(f"{state}.demo")
        except ModuleNotFoundError:
            yield f"{state}: no sample-data loader yet"
            continue
        yield f"{state}: {module.demo_load(force=force)}"


AUTOMATED_NC_DATASET_NAME = "Automated NC import"
# The URL the scheduled import fetches: NC's FTP server, as ``nc/state.py`` names it.
MAGIC_NC_FTP_URL = state_definition("nc").sources["ftp"]


def nc_automated_dataset_ensure() -> Dataset:
    """The Dataset of the scheduled NC import, reused so its Import history is kept.

    docs/decisions.md, 'The automated NC import keeps its history'.
    """
    monitors = list(settings.NC_AUTO_IMPORT_MONITORS)
    dataset, _ = Dataset.objects.update_or_create(
        name=AUTOMATED_NC_DATASET_NAME,
        defaults={
            "state": "nc",
            "date_received": timezone.localdate() - timedelta(days=1),
            "url": MAGIC_NC_FTP_URL,
            "destination": settings.NC_AUTO_IMPORT_DIRECTORY,
            "report_email_1": monitors[0] if monitors else "",
            "report_email_2": monitors[1] if len(monitors) > 1 else "",
        },
    )
    return dataset


def demo_sample_import(
    *,
    state: str,
    default_stops: int,
    seed: int,
    force: bool,
    sample_writer: Callable[..., Path],
    importer: Callable[..., object],
    **import_options,
) -> str:
    """Generate a state's sample extract and import it, unless data exist (or ``force``).

    ``DEMO_STOPS`` in the environment overrides the sample size (the demo test keeps it
    small); the import is the real one, so the demo shows what an operator would get.
    """
    from django.apps import apps

    stop_model = apps.get_model(state, "Stop")
    existing = stop_model.objects.count()
    if existing and not force:
        return f"{existing:,} stops present, skipped (use --force to replace)"
    from tsdata.imports.runs import shell_import_run

    stops = int(os.environ.get("DEMO_STOPS") or default_stops)
    with tempfile.TemporaryDirectory(prefix=f"{state}-demo-") as work:
        archive = sample_writer(out_dir=Path(work), stops=stops, seed=seed)
        report = shell_import_run(
            state=state, source=str(archive),
            call=lambda: importer(zip_path=archive, dest=Path(work), **import_options),
        )
    return report.lines()[0]
