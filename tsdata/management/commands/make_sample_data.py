"""Write a sample raw extract for a state (exact raw format), for demo, tests, benchmarks."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tsdata.states import STATE_KEYS


class Command(BaseCommand):
    help = "Generate a sample raw extract (zip) for nc, md or il."

    def add_arguments(self, parser) -> None:
        parser.add_argument("state", choices=STATE_KEYS)
        parser.add_argument("--stops", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, default=Path("."))

    def handle(self, *args, state: str, stops: int, seed: int, out: Path, **options) -> None:
        if stops < 1:
            raise CommandError("--stops must be at least 1")
        try:
            module = import_module(f"{state}.sample_data")
        except ModuleNotFoundError as exc:
            raise CommandError(f"No sample-data generator for {state} yet") from exc
        out.mkdir(parents=True, exist_ok=True)
        path = module.sample_zip_write(out_dir=out, stops=stops, seed=seed)
        self.stdout.write(str(path))
