"""Print (and optionally save) the facts and value counts of an MD workbook.

What is counted: docs/data-formats.md, 'The analyze_md report'.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from md.services import workbook_analyze
from tsdata.imports.sources import SourceError


class Command(BaseCommand):
    help = "Dataset facts and per-column value counts (overall and by year) of an MD extract."

    def add_arguments(self, parser) -> None:
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--url", help="download the zip from this URL")
        source.add_argument("--zip", type=Path, dest="zip_path", help="a local zip file")
        parser.add_argument("--dest", type=Path, help="working directory (default: fresh temp dir)")
        parser.add_argument("--report", type=Path, dest="report_path", help="also write to FILE")

    def handle(self, *args, url, zip_path, dest, report_path, **options) -> None:
        try:
            lines = workbook_analyze(url=url, zip_path=zip_path, dest=dest, report_path=report_path)
        except (ValueError, SourceError) as exc:
            raise CommandError(str(exc)) from exc
        for line in lines:
            self.stdout.write(line)
