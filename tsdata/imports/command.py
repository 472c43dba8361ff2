"""The shared shape of the ``import_<state>`` management commands (thin: parse, call)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tsdata.imports.report import ImportReport
from tsdata.imports.runs import ImportRefused, shell_import_run
from tsdata.imports.sources import SourceError
from tsdata.imports.staging import ImportError_
from tsdata.imports.terminal import TerminalProgress


class StateImportCommand(BaseCommand):
    """``--url URL | --zip PATH`` and ``--dest DIR``, then the state's import service."""

    state: str = ""
    default_url: str = ""

    @staticmethod
    def importer(**kwargs) -> ImportReport:  # overridden with the state's service
        raise NotImplementedError

    @property
    def help(self) -> str:  # type: ignore[override]
        return f"Import {self.state.upper()} stops from a zip (default URL {self.default_url})."

    def add_arguments(self, parser) -> None:
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--url", help="download the zip from this URL")
        source.add_argument("--zip", type=Path, dest="zip_path", help="a local zip file")
        parser.add_argument("--dest", type=Path, help="working directory (default: fresh temp dir)")

    def handle(self, *args, url: str | None, zip_path: Path | None, dest: Path | None,
               **options) -> None:
        run: Callable[..., ImportReport] = self.importer
        bar = TerminalProgress(self.stderr._out)
        try:
            report = shell_import_run(
                state=self.state, source=str(zip_path or url or self.default_url), echo=bar,
                call=lambda: run(url=url, zip_path=zip_path, dest=dest),
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        except (ValueError, ImportError_, SourceError) as exc:
            raise CommandError(
                f"{self.state.upper()} import failed, live data unchanged: {exc}"
            ) from exc
        finally:
            bar.close()
        for line in report.lines():
            self.stdout.write(line)
