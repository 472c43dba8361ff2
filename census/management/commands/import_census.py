"""Import ACS census profiles from the pre-built file, a URL, a local file or the Census API."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from census.records import census_record_dump
from census.services import CensusImportError, census_profiles_replace, census_records_load


class Command(BaseCommand):
    help = (
        "Import census profiles (a JSON list of 15-key records) for one or more ACS vintages; "
        "each vintage in the input replaces that vintage's profiles in one transaction. "
        "Without a source the pre-built file at settings.CENSUS_DEFAULT_URL is read."
    )

    def add_arguments(self, parser) -> None:
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--url", help="download the JSON file from this URL")
        source.add_argument("--file", type=Path, help="read the JSON file from this path")
        source.add_argument("--use-api", action="store_true",
                            help="query the Census API (CENSUS_API_KEY) for --year")
        parser.add_argument("--year", type=int,
                            help="ACS 5-year vintage (last survey year) to query, or that a "
                                 "file's records must have")
        parser.add_argument("--output", action="store_true",
                            help="print the records as JSON instead of importing them")
        parser.add_argument("--indent", type=int, default=None, help="JSON indent of --output")

    def handle(self, *args, url, file, use_api, year, output, indent, **options) -> None:
        try:
            records = census_records_load(url=url, path=file, use_api=use_api, year=year)
            if output:
                dumped = [census_record_dump(record) for record in records]
                self.stdout.write(json.dumps(dumped, indent=indent, ensure_ascii=False))
                return
            for line in census_profiles_replace(records):
                self.stdout.write(line)
        except CensusImportError as exc:
            raise CommandError(str(exc)) from exc
