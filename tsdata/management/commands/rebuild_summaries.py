"""Rebuild a state's API summary tables from its live raw tables (manual repair)."""

from django.core.management.base import BaseCommand

from tsdata.states import STATE_KEYS
from tsdata.stats.services import summary_rebuild


class Command(BaseCommand):
    help = "Recompute the API summary tables of a state in place and publish them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("state", choices=STATE_KEYS)

    def handle(self, *args, state: str, **options) -> None:
        counts = summary_rebuild(state, publish=True)
        for table, rows in counts.items():
            self.stdout.write(f"{table}: {rows} rows")
