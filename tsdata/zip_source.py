"""Obtain a state's raw zip for MD/IL imports: a local path or a download, never stale.

Downloads check the HTTP status (fix 9.2.3) and always go to a fresh file, so a failed or
partial earlier run is never reused (fix 9.2.4).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse

logger = logging.getLogger(__name__)


class SourceError(ValueError):
    """The raw file could not be obtained or is not a zip (message names the problem)."""


def work_dir_prepare(dest: Path | None, *, prefix: str) -> Path:
    """The working directory: ``dest`` (created) or a fresh temporary directory."""
    if dest is None:
        return Path(tempfile.mkdtemp(prefix=prefix))
    dest.mkdir(parents=True, exist_ok=True)
    return dest


def zip_obtain(*, url: str | None, zip_path: Path | None, work_dir: Path) -> Path:
    """Return a readable zip: ``zip_path`` as given, or ``url`` downloaded into ``work_dir``."""
    if (url is None) == (zip_path is None):
        raise SourceError("Give exactly one of a URL and a zip path")
    if zip_path is not None:
        if not zip_path.is_file():
            raise SourceError(f"No such file: {zip_path}")
        path = zip_path
    else:
        name = Path(urlparse(url).path).name or "download.zip"
        path = work_dir / name
        partial = path.with_suffix(path.suffix + ".part")
        try:
            with urllib.request.urlopen(url, timeout=60) as response, open(partial, "wb") as out:
                shutil.copyfileobj(response, out, 1 << 20)
        except HTTPError as exc:
            raise SourceError(f"Download of {url} failed: HTTP {exc.code} {exc.reason}") from exc
        except (URLError, OSError) as exc:
            raise SourceError(f"Download of {url} failed: {exc}") from exc
        partial.replace(path)
        logger.info("Downloaded %s (%s bytes)", url, f"{path.stat().st_size:,}")
    if not zipfile.is_zipfile(path):
        raise SourceError(f"{path.name} is not a zip file")
    return path
