"""Import the sample ACS file and link the sample agencies to it (``make demo``)."""

from django.core.management.base import BaseCommand

from census.demo import census_demo_load


class Command(BaseCommand):
    help = "Import the generated sample ACS vintages and link the sample agencies to them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="reload even if data exist")

    def handle(self, *args, force: bool, **options) -> None:
        for line in census_demo_load(force=force):
            self.stdout.write(line)
