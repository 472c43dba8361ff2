"""Recompute and print the NC dataset facts (spec 5.3)."""

from django.core.management.base import BaseCommand

from tsdata.dataset_facts import dataset_facts_compute

NOTE = "Very few agencies reported before 2000, so the claimed start date is 2002."


class Command(BaseCommand):
    help = "Recompute NC StateFacts/TopAgencyFacts and print them."

    def handle(self, *args, **options) -> None:
        for line in dataset_facts_compute("nc", override_start_date="Jan 01, 2002"):
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(NOTE)
