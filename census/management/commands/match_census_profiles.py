"""Propose (and with --apply set) GEOIDs for a state's agencies that have none, by name."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from census.selectors import census_matches_propose, census_years
from census.services import census_profile_ids_apply
from tsdata.states import STATE_KEYS


class Command(BaseCommand):
    help = (
        "Match agencies without a GEOID to census profiles by name (city police -> place, "
        "sheriff or county police -> county) and print the proposals; --apply stores them. "
        "GEOIDs already set (crosswalk, admin) are never changed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("state", choices=STATE_KEYS)
        parser.add_argument("--apply", action="store_true", help="store the proposed GEOIDs")

    def handle(self, *args, state: str, apply: bool, **options) -> None:
        if not census_years():
            raise CommandError("No census profiles yet: run import_census first")
        report = census_matches_propose(state)
        for match in report.matches:
            self.stdout.write(f"{match.agency_id}\t{match.agency_name} -> {match.geoid}\t"
                              f"{match.location}")
        for agency_id, name, why in report.unmatched:
            self.stdout.write(f"{agency_id}\t{name}: no proposal ({why})")
        summary = (f"{len(report.matches)} proposed, {len(report.unmatched)} without a match, "
                   f"{report.linked} already linked (left alone)")
        if apply:
            applied = census_profile_ids_apply(state=state, matches=report.matches)
            summary += f"; {applied} applied"
        elif report.matches:
            summary += "; run again with --apply to store them"
        self.stdout.write(summary)
