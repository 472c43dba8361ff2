"""Import the NC extract (FTP, HTTP(S), file URL or local zip) without downtime."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nc.services import MAGIC_NC_FTP_URL, ImportArgumentError, nc_import_run
from tsdata.imports.runs import ImportRefused, shell_import_run
from tsdata.imports.sources import SourceError
from tsdata.imports.staging import ImportError_
from tsdata.imports.terminal import TerminalProgress


class Command(BaseCommand):
    help = "Import NC traffic stops: stage, validate and swap in without blocking the site."

    def add_arguments(self, parser) -> None:
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--url", help=f"{MAGIC_NC_FTP_URL} (default), http(s)://... or file://...")
        source.add_argument("--zip", type=Path, dest="zip_path", help="a local extract zip")
        parser.add_argument("--dest", type=Path, help="working directory (default: temporary)")
        parser.add_argument("--min-stop-id", type=int)
        parser.add_argument("--max-stop-id", type=int)
        parser.add_argument("--noprime", "-n", action="store_true", help="skip cache priming")

    def handle(self, *args, url, zip_path, dest, min_stop_id, max_stop_id, noprime, **options):
        if url is None and zip_path is None:
            url = MAGIC_NC_FTP_URL
        bar = TerminalProgress(self.stderr._out)
        try:
            report = shell_import_run(
                state="nc", source=str(zip_path or url), echo=bar,
                call=lambda: nc_import_run(
                    url=url, zip_path=zip_path, dest=dest, min_stop_id=min_stop_id,
                    max_stop_id=max_stop_id, prime=not noprime,
                ),
            )
        except (ImportArgumentError, SourceError, ImportError_, ImportRefused) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        for line in report.lines():
            self.stdout.write(line)
