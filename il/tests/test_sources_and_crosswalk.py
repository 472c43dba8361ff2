"""IL import over HTTP from a local server, and crosswalk edits/conflicts."""

from __future__ import annotations

import csv
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from il.models import Agency, Stop
from il.sample_data import sample_zip_write

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture
def http_root(tmp_path):
    """A real HTTP server on localhost serving ``tmp_path / 'www'``."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_import_il_downloads_from_url(http_root, tmp_path):
    root, base = http_root
    sample_zip_write(out_dir=root, stops=500, seed=4)
    dest = tmp_path / "work"
    call_command("import_il", url=f"{base}/il-sample.zip", dest=dest)
    assert Stop.objects.count() == 500
    assert (dest / "il-sample.zip").is_file()


def test_missing_url_is_a_clear_error(http_root, tmp_path):
    _, base = http_root
    with pytest.raises(CommandError, match="HTTP 404"):
        call_command("import_il", url=f"{base}/missing.zip", dest=tmp_path / "work")
    assert not Stop.objects.exists()


def _crosswalk(path: Path, rows) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Agency Code", "Agency Name", "GEOID"])
        writer.writerows(rows)
    return path


def test_crosswalk_reload_updates_listed_codes_only(tmp_path):
    call_command("load_agency_crosswalk", "il", str(_crosswalk(
        tmp_path / "a.csv", [("2", "Beta Police", ""), ("1", "Alpha Police", "1600000US1700001")])))
    assert list(Agency.objects.order_by("id").values_list("code", "name")) == [
        ("1", "Alpha Police"), ("2", "Beta Police")]
    call_command("load_agency_crosswalk", "il", str(_crosswalk(
        tmp_path / "b.csv", [("2", "Beta Village Police", "1600000US1700002"),
                             ("3", "Aardvark Police", "")])))
    assert list(Agency.objects.order_by("id").values_list("code", "name", "census_profile_id")) == [
        ("1", "Alpha Police", "1600000US1700001"),
        ("2", "Beta Village Police", "1600000US1700002"),
        ("3", "Aardvark Police", "")]


@pytest.mark.parametrize(
    ("rows", "message"),
    [([("1", "Same Police", ""), ("2", "Same Police", "")], "would belong to codes 1 and 2"),
     ([("1", "", "")], "empty agency code or name"),
     ([("1", "A", "12345678901234567")], "value too long")],
)
def test_crosswalk_conflicts_are_refused(tmp_path, rows, message):
    with pytest.raises(CommandError, match=message):
        call_command("load_agency_crosswalk", "il", str(_crosswalk(tmp_path / "c.csv", rows)))
    assert not Agency.objects.exists()


def test_crosswalk_with_wrong_header_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Id,Agency Name,GEOID\n1,A,\n")
    with pytest.raises(CommandError, match="header must be 'Agency Code,Agency Name,GEOID'"):
        call_command("load_agency_crosswalk", "il", str(path))
