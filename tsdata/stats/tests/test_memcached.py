"""The response cache works against a real memcached through pymemcache (production)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from urllib.parse import unquote_to_bytes

import pytest
from django.core.cache import cache
from django.test import override_settings
from pymemcache.client.base import Client as MemcacheClient
from rest_framework.test import APIClient

from nc.models import Agency
from tsdata.data_version import data_version_bump
from tsdata.stats.services import summary_rebuild
from tsdata.stats.testing import nc_driver_stop

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(scope="module")
def memcached_address():
    binary = shutil.which("memcached")
    if binary is None:
        pytest.skip("memcached is not installed (.ci/run installs it)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [binary, "-l", "127.0.0.1", "-p", str(port), "-m", "64", "-U", "0", "-u", "nobody"]
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            MemcacheClient(("127.0.0.1", port), connect_timeout=0.5).version()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("memcached did not start")
    yield f"127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def test_api_responses_are_cached_in_memcached(memcached_address) -> None:
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": memcached_address,
            "KEY_PREFIX": "odp-test",
        }
    }
    with override_settings(CACHES=caches):
        agency = Agency.objects.create(name="NC agency")
        nc_driver_stop(agency, "B", "N", year=2010)
        summary_rebuild("nc")
        data_version_bump("nc")
        client = APIClient()
        url = f"/nc/api/agency/{agency.pk}/stops/"
        first = client.get(url)
        assert first.status_code == 200 and first.json()[0]["black"] == 1

        host, port = memcached_address.split(":")
        stored = [key for key in _keys((host, int(port))) if b"api-stats:nc:" in key]
        assert len(stored) == 1  # the rendered response lives in memcached

        nc_driver_stop(agency, "B", "N", year=2010)
        summary_rebuild("nc")
        assert client.get(url).content == first.content  # served from memcached
        data_version_bump("nc")
        assert client.get(url).json()[0]["black"] == 2  # new version, new key
        cache.clear()


def _keys(server: tuple[str, int]) -> list[bytes]:
    """All keys memcached holds (test-sized server: ``lru_crawler metadump all``)."""
    sock = socket.create_connection(server)
    try:
        sock.sendall(b"lru_crawler metadump all\r\n")
        data = b""
        while not data.endswith(b"END\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    return [
        unquote_to_bytes(line.split(b" ")[0][4:])
        for line in data.split(b"\r\n")
        if line.startswith(b"key=")
    ]
