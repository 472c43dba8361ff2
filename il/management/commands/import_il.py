"""Import the IL raw zip (URL or local path) into the live IL tables."""

from il.services import DEFAULT_URL, il_import_run
from tsdata.imports.command import StateImportCommand


class Command(StateImportCommand):
    state = "il"
    default_url = DEFAULT_URL
    importer = staticmethod(il_import_run)
