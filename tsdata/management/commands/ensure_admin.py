"""Create or update a staff superuser (used by ``make demo``).

The password comes from ``--password`` or, to keep it out of process listings, from the
environment variable ``ADMIN_PASSWORD``.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from tsdata.services import admin_user_ensure


class Command(BaseCommand):
    help = "Create the given superuser if missing and set its password."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", default=None)

    def handle(self, *args, username: str, password: str | None, **options) -> None:
        password = password or os.environ.get("ADMIN_PASSWORD")
        if not password:
            raise CommandError("Give --password or set ADMIN_PASSWORD")
        created = admin_user_ensure(username=username, password=password)
        self.stdout.write(f"{'Created' if created else 'Updated'} admin user {username!r}")
