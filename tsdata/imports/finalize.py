"""After a successful swap (all states): agency last stop dates, facts, data version."""

from __future__ import annotations

import logging

from django.apps import apps

from tsdata.data_version import data_version_bump
from tsdata.dataset_facts import AgencyStops, dataset_facts_compute, stops_by_agency
from tsdata.states import state_definition

logger = logging.getLogger(__name__)


def agency_last_reported_update(state: str, per_agency: dict[int | None, AgencyStops]) -> int:
    """Store each agency's latest stop (NULL when it has none); returns agencies updated."""
    if state_definition(state).facts.date_field is None:
        return 0
    agency_model = apps.get_model(state, "Agency")
    changed = []
    for agency in agency_model.objects.only("id", "last_reported_stop"):
        entry = per_agency.get(agency.id)
        last_stop = entry.last_stop if entry else None
        if agency.last_reported_stop != last_stop:
            agency.last_reported_stop = last_stop
            changed.append(agency)
    agency_model.objects.bulk_update(changed, ["last_reported_stop"], batch_size=500)
    return len(changed)


def state_data_finalize(state: str, *, full_dataset: bool = True,
                        per_agency: dict[int | None, AgencyStops] | None = None) -> list[str]:
    """Run after every successful import of ``state``; returns log lines (the facts).

    ``full_dataset=False`` (a developer subset) shows the real first stop date.
    ``per_agency``: ``stops_by_agency`` of the swapped-in stop table if the import read
    it already (from staging, while its last FK checks ran).
    """
    if per_agency is None:
        per_agency = stops_by_agency(state)
    updated = agency_last_reported_update(state, per_agency)
    override = state_definition(state).facts.full_import_start if full_dataset else None
    lines = dataset_facts_compute(state, override_start_date=override, per_agency=per_agency)
    version = data_version_bump(state)
    for line in lines:
        logger.info("%s facts: %s", state.upper(), line)
    return [f"last reported stop updated for {updated} agencies", f"data version {version}"]
