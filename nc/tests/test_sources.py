"""Downloads against local servers: FTP (pyftpdlib) and HTTP (http.server)."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

from nc.models import Stop
from nc.services import extract_obtain, nc_import_run
from nc.tests.extracts import simple_extract
from tsdata.imports import sources
from tsdata.imports.sources import SourceError

RALEIGH = "Raleigh Police Department"


@pytest.fixture
def ftp_server(tmp_path):
    root = tmp_path / "ftproot"
    (root / "TSTOPextract").mkdir(parents=True)
    simple_extract(root / "TSTOPextract" / "STOPS_Extract.zip", [RALEIGH])
    authorizer = DummyAuthorizer()
    authorizer.add_user("nc-user", "secret", str(root), perm="elr")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer})
    server = FTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.1})
    thread.start()
    yield server.socket.getsockname()[1], root
    server.close_all()
    thread.join()


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_import_from_ftp(ftp_server, tmp_path, settings):
    port, _ = ftp_server
    settings.NC_FTP_HOST = f"127.0.0.1:{port}"
    settings.NC_FTP_USER = "nc-user"
    settings.NC_FTP_PASSWORD = "secret"
    settings.NC_FTP_USE_TLS = False
    dest = tmp_path / "work"
    report = nc_import_run(url="ftp://nc.us/", dest=dest, prime=False)
    assert Stop.objects.count() == 3
    saved = list(dest.glob("NC_STOPS_Extract_*.zip"))
    assert len(saved) == 1 and report.source == str(saved[0])
    assert not list(dest.glob("*.part"))


def test_ftp_wrong_password_is_a_clear_error(ftp_server, tmp_path, monkeypatch):
    port, _ = ftp_server
    monkeypatch.setattr(sources.time, "sleep", lambda _: None)
    with pytest.raises(SourceError, match="failed after 3 attempts.*530"):
        sources.ftp_download(host=f"127.0.0.1:{port}", user="nc-user", password="wrong",
                             directory="/TSTOPextract", filename="STOPS_Extract.zip",
                             target=tmp_path / "x.zip", use_tls=False)
    assert not (tmp_path / "x.zip").exists()


class _Handler(http.server.BaseHTTPRequestHandler):
    payload = b""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        if self.path == "/forbidden.zip":
            body = b"<Error><Code>AccessDenied</Code></Error>"
            self.send_response(403)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/truncated.zip":
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.payload)))
            self.end_headers()
            self.wfile.write(self.payload[: len(self.payload) // 2])
            self.close_connection = True
        elif self.path == "/notazip.zip":
            body = b"<html>maintenance</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.payload)))
            self.end_headers()
            self.wfile.write(self.payload)


@pytest.fixture
def http_server(tmp_path):
    payload = simple_extract(tmp_path / "served.zip", [RALEIGH]).read_bytes()
    (tmp_path / "served.zip").unlink()
    handler = type("Handler", (_Handler,), {"payload": payload})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_import_from_http(http_server, tmp_path):
    dest = tmp_path / "work"
    nc_import_run(url=f"{http_server}/extract.zip", dest=dest, prime=False)
    assert Stop.objects.count() == 3
    assert (dest / "extract.zip").is_file()


def test_http_403_is_never_saved_as_the_zip(http_server, tmp_path):
    with pytest.raises(SourceError, match="HTTP 403"):
        extract_obtain(url=f"{http_server}/forbidden.zip", zip_path=None, dest=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_http_truncated_download_is_detected(http_server, tmp_path, monkeypatch):
    monkeypatch.setattr(sources.time, "sleep", lambda _: None)
    with pytest.raises(SourceError, match="truncated|IncompleteRead|failed after"):
        extract_obtain(url=f"{http_server}/truncated.zip", zip_path=None, dest=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_http_error_page_with_status_200_is_rejected(http_server, tmp_path):
    with pytest.raises(SourceError, match="not a valid zip"):
        extract_obtain(url=f"{http_server}/notazip.zip", zip_path=None, dest=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_reused_destination_never_loads_an_unfinished_download(http_server, tmp_path):
    # Leftovers of a killed run: a partial download and a broken file under the final name.
    (tmp_path / "extract.zip.part").write_bytes(b"PK\x03\x04half")
    (tmp_path / "extract.zip").write_bytes(b"PK\x03\x04broken")
    path = extract_obtain(url=f"{http_server}/extract.zip", zip_path=None, dest=tmp_path)
    sources.zip_verify(path, required=("Stop.txt",))
    assert path.read_bytes() == (tmp_path / "extract.zip").read_bytes()
    assert path.stat().st_size > 100


def test_file_url_and_missing_zip(tmp_path):
    archive = simple_extract(tmp_path / "local.zip", [RALEIGH])
    assert extract_obtain(url=archive.as_uri(), zip_path=None, dest=tmp_path) == archive
    with pytest.raises(SourceError, match="No such file"):
        extract_obtain(url=None, zip_path=Path(tmp_path / "missing.zip"), dest=tmp_path)
