"""Recompute and print a state's dataset facts (imports also do this after every swap).

What each fact counts: docs/data-formats.md, 'Dataset facts'. ``nc_dataset_facts``,
``md_dataset_facts`` and ``il_dataset_facts`` are aliases built with ``state_alias``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tsdata.dataset_facts import dataset_facts_refresh
from tsdata.states import STATE_KEYS


class Command(BaseCommand):
    help = "Recompute a state's StateFacts/TopAgencyFacts from its live data and print them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("state", choices=STATE_KEYS)

    def handle(self, *args, state: str, **options) -> None:
        for line in dataset_facts_refresh(state):
            self.stdout.write(line)


def state_alias(state: str) -> type[BaseCommand]:
    """A command without arguments that runs ``dataset_facts <state>`` (the 2019 names)."""

    class Alias(Command):
        help = f"Alias of 'dataset_facts {state}'."

        def add_arguments(self, parser) -> None:
            pass

        def handle(self, *args, **options) -> None:
            super().handle(state=state)

    return Alias
