"""Census step of ``make demo``: the sample ACS file imported like a real one, then GEOIDs
given to the sample agencies the way an operator would (crosswalks, name matching)."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

from django.apps import apps

from census.models import CensusProfile
from census.sample_data import IL_SAMPLE_CROSSWALK, MD_SAMPLE_CROSSWALK, sample_file_write
from census.selectors import census_matches_propose
from census.services import census_profile_ids_apply, census_profiles_replace, census_records_load
from tsdata.agency_registry import CROSSWALK_HEADER
from tsdata.states import STATE_KEYS, state_config

SAMPLE_CROSSWALKS = {"md": MD_SAMPLE_CROSSWALK, "il": IL_SAMPLE_CROSSWALK}
# Linked by hand in the real data too: the name matches no Census place on purpose.
NC_HAND_LINKS = {"Charlotte-Mecklenburg Police Department": "Charlotte city, North Carolina"}


def census_demo_load(*, force: bool = False) -> Iterator[str]:
    """Import the sample ACS vintages and link the sample agencies; one line per step.

    Skipped when profiles exist (unless ``force``), so edits made in the admin between
    two runs of the demo are kept.
    """
    existing = CensusProfile.objects.count()
    if existing and not force:
        yield f"census: {existing:,} profiles present, skipped (use --force to replace)"
        return
    with tempfile.TemporaryDirectory(prefix="census-demo-") as work:
        path = sample_file_write(Path(work) / "acs-sample.json")
        for line in census_profiles_replace(census_records_load(path=path)):
            yield f"census: {line}"
        for state, rows in SAMPLE_CROSSWALKS.items():
            crosswalk = Path(work) / f"{state}-crosswalk.csv"
            with open(crosswalk, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(CROSSWALK_HEADER)
                writer.writerows(rows)
            services = import_module(f"{state}.services")
            for line in services.agency_crosswalk_load(path=crosswalk):
                yield f"census: {state} {line}"
    yield f"census: nc {_hand_links_apply()} linked by hand"
    for state in STATE_KEYS:
        report = census_matches_propose(state)
        applied = census_profile_ids_apply(state=state, matches=report.matches)
        yield (f"census: {state} agencies matched by name: {applied}, "
               f"{len(report.unmatched)} without a match")


def _hand_links_apply() -> int:
    """GEOIDs the name matcher cannot find, for agencies that have none yet."""
    agency_model = apps.get_model("nc", "Agency")
    using = state_config("nc").db_alias
    linked = 0
    for name, location in NC_HAND_LINKS.items():
        geoid = (CensusProfile.objects.filter(location=location)
                 .values_list("geoid", flat=True).first())
        if geoid:
            linked += agency_model.objects.using(using).filter(
                name=name, census_profile_id="").update(census_profile_id=geoid)
    return linked
