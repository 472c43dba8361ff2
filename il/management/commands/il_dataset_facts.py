"""Recompute and print the IL dataset facts (spec 5.3); imports also do this automatically."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tsdata.dataset_facts import dataset_facts_compute


class Command(BaseCommand):
    help = "Recompute IL StateFacts/TopAgencyFacts from the live data and print them."

    def handle(self, *args, **options) -> None:
        for line in dataset_facts_compute("il"):
            self.stdout.write(line)
