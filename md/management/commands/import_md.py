"""Import the MD raw zip (URL or local path) into the live MD tables."""

from md.services import DEFAULT_URL, md_import_run
from tsdata.imports.command import StateImportCommand


class Command(StateImportCommand):
    state = "md"
    default_url = DEFAULT_URL
    importer = staticmethod(md_import_run)
