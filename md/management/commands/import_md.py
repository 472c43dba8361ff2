"""Import the MD raw zip (URL or local path) into the live MD tables."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from md.services import DEFAULT_URL, md_import_run
from tsdata.imports.sources import SourceError
from tsdata.imports.staging import ImportError_


class Command(BaseCommand):
    help = f"Import MD stops from a zip (default URL {DEFAULT_URL})."

    def add_arguments(self, parser) -> None:
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--url", help="download the zip from this URL")
        source.add_argument("--zip", type=Path, dest="zip_path", help="a local zip file")
        parser.add_argument("--dest", type=Path, help="working directory (default: fresh temp dir)")

    def handle(self, *args, url: str | None, zip_path: Path | None, dest: Path | None,
               **options) -> None:
        try:
            report = md_import_run(url=url, zip_path=zip_path, dest=dest)
        except (ValueError, ImportError_, SourceError) as exc:
            raise CommandError(f"MD import failed, live data unchanged: {exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
