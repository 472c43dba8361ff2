"""Obtain a raw extract (zip) from FTP(S), HTTP(S), a ``file://`` URL or a local path.

A download is written to ``<name>.part`` and renamed only after it was verified (status
200, the announced ``Content-Length``, a readable zip directory), so a working directory
never contains a half-downloaded or error-page "zip" under the final name: a file under
the final name is always from a finished download and may be reused.
"""

from __future__ import annotations

import contextlib
import ftplib
import http.client
import logging
import shutil
import ssl
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT = 60
DOWNLOAD_ATTEMPTS = 3
CHUNK = 1 << 20


class SourceError(Exception):
    """The extract could not be obtained or is not a usable zip (message for operators)."""


def working_directory(dest: str | Path | None, *, state: str) -> Path:
    """``dest`` created if missing, or a fresh temporary directory ``<state>-*``."""
    if dest:
        path = Path(dest)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return Path(tempfile.mkdtemp(prefix=f"{state}-"))


def zip_verify(path: Path, *, required: tuple[str, ...] = ()) -> None:
    """Raise ``SourceError`` unless ``path`` is a zip holding the ``required`` members."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"{path} is not a valid zip file ({exc})") from exc
    missing = [name for name in required if name not in names]
    if missing:
        raise SourceError(f"{path} lacks {', '.join(missing)} (has {', '.join(sorted(names))})")


def _reusable(path: Path, required: tuple[str, ...]) -> bool:
    if not path.is_file():
        return False
    try:
        zip_verify(path, required=required)
    except SourceError as exc:
        logger.warning("Not reusing %s: %s", path, exc)
        path.unlink()
        return False
    logger.info("Reusing finished download %s", path)
    return True


def _retrying(action, *, what: str, attempts: int = DOWNLOAD_ATTEMPTS):
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except SourceError:
            raise
        except (OSError, ftplib.Error, EOFError, http.client.HTTPException) as exc:
            if attempt == attempts:
                raise SourceError(f"{what} failed after {attempts} attempts: {exc}") from exc
            logger.warning("%s failed (attempt %d of %d): %s", what, attempt, attempts, exc)
            time.sleep(min(2.0 * attempt, 10.0))
    raise AssertionError("unreachable")


def _download_publish(attempt, partial: Path, target: Path, *, what: str,
                      required: tuple[str, ...]) -> None:
    """Download with retries into ``partial``, verify the zip, then rename it to ``target``.

    Only a complete, valid zip ever carries the final name: a failed or truncated download
    is deleted, so a reused working directory never holds a half file under that name.
    """
    try:
        _retrying(attempt, what=what)
        zip_verify(partial, required=required)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    partial.replace(target)


def http_download(url: str, dest: Path, *, required: tuple[str, ...] = ()) -> Path:
    """Download ``url`` into ``dest`` (named after the URL's last path segment)."""
    name = Path(unquote(urlsplit(url).path)).name or "download.zip"
    target = dest / name
    if _reusable(target, required):
        return target
    partial = target.with_name(target.name + ".part")

    def attempt() -> Path:
        try:
            response = urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT)  # noqa: S310
        except urllib.error.HTTPError as exc:
            raise SourceError(f"Download of {url} failed: HTTP {exc.code} {exc.reason}") from exc
        with response, open(partial, "wb") as out:
            if response.status != 200:
                raise SourceError(f"Download of {url} failed: HTTP {response.status}")
            expected = response.headers.get("Content-Length")
            received = 0
            last_log = time.monotonic()
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                received += len(chunk)
                if time.monotonic() - last_log > 5:
                    last_log = time.monotonic()
                    logger.info("Downloaded %s bytes of %s", f"{received:,}", expected or "?")
        if expected is not None and received != int(expected):
            raise SourceError(
                f"Download of {url} truncated: {received:,} of {int(expected):,} bytes"
            )
        return partial

    _download_publish(attempt, partial, target, what=f"Download of {url}", required=required)
    logger.info("Downloaded %s (%s bytes)", target, f"{target.stat().st_size:,}")
    return target


def ftp_download(
    *,
    host: str,
    user: str,
    password: str,
    directory: str,
    filename: str,
    target: Path,
    use_tls: bool,
    required: tuple[str, ...] = (),
    timeout: float = DOWNLOAD_TIMEOUT,
) -> Path:
    """Fetch ``directory/filename`` over FTP or FTPS into ``target`` (verified, renamed)."""
    if _reusable(target, required):
        return target
    partial = target.with_name(target.name + ".part")
    hostname, _, port = host.partition(":")

    def attempt() -> Path:
        ftp_class = ftplib.FTP_TLS if use_tls else ftplib.FTP
        kwargs = {"context": ssl.create_default_context()} if use_tls else {}
        with ftp_class(timeout=timeout, **kwargs) as ftp:
            ftp.connect(hostname, int(port) if port else 21)
            ftp.login(user, password)
            if use_tls:
                ftp.prot_p()
            ftp.cwd(directory)
            listing: list[str] = []
            final = ftp.retrlines("LIST", listing.append)
            if not final.startswith("226 "):
                raise SourceError(f"FTP LIST of {directory} did not complete: {final!r}")
            logger.info("FTP listing of %s: %s", directory, "; ".join(listing))
            with open(partial, "wb") as out:
                final = ftp.retrbinary(f"RETR {filename}", out.write, blocksize=CHUNK)
            if not final.startswith("226"):
                raise SourceError(f"FTP download of {filename} did not complete: {final!r}")
            expected = None
            with contextlib.suppress(ftplib.Error):
                expected = ftp.size(filename)
            if expected is not None and partial.stat().st_size != expected:
                raise SourceError(
                    f"FTP download of {filename} truncated: {partial.stat().st_size:,} of "
                    f"{expected:,} bytes"
                )
        return partial

    _download_publish(attempt, partial, target,
                      what=f"FTP download of {filename} from {hostname}", required=required)
    return target


def file_url_path(url: str) -> Path:
    """The local path of a ``file://`` URL."""
    return Path(unquote(urlsplit(url).path))


def local_zip(path: Path, *, required: tuple[str, ...] = ()) -> Path:
    if not path.is_file():
        raise SourceError(f"No such file: {path}")
    zip_verify(path, required=required)
    return path


def copy_into(path: Path, dest: Path) -> Path:
    """Copy a local file into the working directory (kept for the record)."""
    target = dest / path.name
    if target.resolve() != path.resolve():
        shutil.copyfile(path, target)
    return target
