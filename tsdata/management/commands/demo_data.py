"""Generate and import sample data for every state that has a demo loader (``make demo``)."""

from django.core.management.base import BaseCommand

from tsdata.services import demo_data_load


class Command(BaseCommand):
    help = "Generate and import sample data for the demo (skips states already loaded)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="reload even if data exist")

    def handle(self, *args, force: bool, **options) -> None:
        for line in demo_data_load(force=force):
            self.stdout.write(line)
