"""Create or update a staff superuser (used by ``make demo``)."""

from django.core.management.base import BaseCommand

from tsdata.services import admin_user_ensure


class Command(BaseCommand):
    help = "Create the given superuser if missing and set its password."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)

    def handle(self, *args, username: str, password: str, **options) -> None:
        created = admin_user_ensure(username=username, password=password)
        self.stdout.write(f"{'Created' if created else 'Updated'} admin user {username!r}")
