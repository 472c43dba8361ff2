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
from django.core.mail import send_mail
from django.utils import timezone

from tsdata.models import Dataset, Import
from tsdata.states import STATE_KEYS


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
    for state in STATE_KEYS:
        try:
            module = import_module(f"{state}.demo")
        except ModuleNotFoundError:
            yield f"{state}: no sample-data loader yet"
            continue
        yield f"{state}: {module.demo_load(force=force)}"


# state key -> dotted path of the service that imports that state's raw data
STATE_IMPORTERS = {
    "nc": "nc.services.nc_import_run",
    "md": "md.services.md_import_run",
    "il": "il.services.il_import_run",
}
AUTOMATED_NC_DATASET_NAME = "Automated NC import"
MAGIC_NC_FTP_URL = "ftp://nc.us/"


def _state_importer(state: str):
    module_path, _, function = STATE_IMPORTERS[state].rpartition(".")
    return getattr(import_module(module_path), function)


def dataset_import_run(*, dataset_id: int) -> Import:
    """Import a Dataset with its state's importer and record the run as an ``Import``.

    The Import row keeps the import report (also on failure); successful runs mail the
    dataset's report addresses. Exceptions propagate after the failure is recorded.
    """
    dataset = Dataset.objects.get(pk=dataset_id)
    run = Import.objects.create(dataset=dataset)
    importer = _state_importer(dataset.state)
    destination = Path(dataset.destination) if dataset.destination else None
    try:
        report = importer(url=dataset.url, dest=destination)
    except Exception as exc:
        failed_report = getattr(exc, "report", None)
        run.report = failed_report.as_dict() if failed_report is not None else {}
        run.error = str(exc) or exc.__class__.__name__
        run.date_finished = timezone.now()
        run.save()
        raise
    run.report = report.as_dict()
    run.successful = True
    run.date_finished = timezone.now()
    run.save()
    recipients = [addr for addr in (dataset.report_email_1, dataset.report_email_2) if addr]
    if recipients:
        send_mail(
            "Import completed successfully",
            f"Import of {dataset} completed successfully",
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    return run


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
    stops = int(os.environ.get("DEMO_STOPS") or default_stops)
    with tempfile.TemporaryDirectory(prefix=f"{state}-demo-") as work:
        archive = sample_writer(out_dir=Path(work), stops=stops, seed=seed)
        report = importer(zip_path=archive, dest=Path(work), **import_options)
    return report.lines()[0]
