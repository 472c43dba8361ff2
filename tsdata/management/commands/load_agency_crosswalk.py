"""Seed or update a state's agency registry from a crosswalk CSV (original format)."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tsdata.states import STATE_KEYS


class Command(BaseCommand):
    help = (
        "Load an agency crosswalk: nc takes 'Id,Agency Name,GEOID'; "
        "md and il take 'Agency Code,Agency Name,GEOID'."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("state", choices=STATE_KEYS)
        parser.add_argument("path", type=Path)

    def handle(self, *args, state: str, path: Path, **options) -> None:
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        services = import_module(f"{state}.services")
        try:
            lines = services.agency_crosswalk_load(path=path)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in lines:
            self.stdout.write(line)
