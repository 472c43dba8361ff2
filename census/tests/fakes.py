"""Local stand-ins for servers outside this machine: the Census API and a file host.

Both are real HTTP servers on 127.0.0.1 (threads of the test process); the Census one
answers ``/data/<year>/acs/acs5`` like the real API: a JSON table whose first row names
the columns (the ``get`` list, then the geography ids), values as strings.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from census.acs import COUNT_KEYS, STATE_FIPS, acs_variables


@dataclass
class Area:
    """One county or place as the fake API knows it: name, GEO_ID and record counts."""

    state: str
    geography: str
    code: str
    name: str
    counts: dict[str, int]

    @property
    def geoid(self) -> str:
        prefix = "0500000US" if self.geography == "county" else "1600000US"
        return f"{prefix}{STATE_FIPS[self.state]}{self.code}"


@dataclass
class FakeCensus:
    areas: list[Area]
    key: str = "test-key"
    years: tuple[int, ...] = (2016, 2022)
    requests: list[dict] = field(default_factory=list)
    url: str = ""


def _table(census: FakeCensus, path: str, query: dict[str, list[str]]) -> tuple[int, bytes]:
    parts = path.strip("/").split("/")
    if len(parts) != 4 or parts[0] != "data" or parts[2:] != ["acs", "acs5"]:
        return 404, b"<html>404 Not Found</html>"
    if not parts[1].isdigit() or int(parts[1]) not in census.years:
        return 404, b"error: unknown/unsupported geography heirarchy"
    if query.get("key", [""])[0] != census.key:
        return 200, b"<html><body>Invalid Key</body></html>"  # what the real API does
    fields = query["get"][0].split(",")
    geography = query["for"][0].split(":")[0]
    fips = query["in"][0].split(":")[1]
    state = next(postal for postal, code in STATE_FIPS.items() if code == fips)
    by_variable = {variable: key for key, variable in acs_variables(state).items()}
    unknown = [name for name in fields if name not in ("NAME", "GEO_ID", *by_variable)]
    if unknown:
        return 400, f"error: unknown variable '{unknown[0]}'".encode()
    rows: list[list] = [[*fields, "state", geography]]
    for area in census.areas:
        if area.state != state or area.geography != geography:
            continue
        values = {"NAME": area.name, "GEO_ID": area.geoid}
        values.update({variable: str(area.counts[key]) for variable, key in by_variable.items()})
        rows.append([values[name] for name in fields] + [fips, area.code])
    return 200, json.dumps(rows).encode()


@contextmanager
def fake_census_api(census: FakeCensus) -> Iterator[FakeCensus]:
    """Serve ``census`` on a free local port; ``census.url`` is the API base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            parsed = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(parsed.query)
            census.requests.append({"path": parsed.path, **{k: v[0] for k, v in query.items()}})
            status, body = _table(census, parsed.path, query)
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    with _serving(Handler) as base:
        census.url = f"{base}/data"
        yield census


@contextmanager
def file_server(files: dict[str, bytes]) -> Iterator[str]:
    """Serve ``files`` (path -> body) locally; other paths are 404. Yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body if body is not None else b"not found")

        def log_message(self, *args) -> None:
            pass

    with _serving(Handler) as base:
        yield base


@contextmanager
def _serving(handler) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def counts_nc(total: int, hispanic: int, races: list[int]) -> dict[str, int]:
    """B03002-shaped counts: seven non-Hispanic races (adding up to non_hispanic)."""
    keys = ("white", "black", "native_american", "asian", "native_hawaiian", "other",
            "two_or_more_races")
    assert sum(races) == total - hispanic
    return {**dict(zip(keys, races, strict=True)), "hispanic": hispanic,
            "non_hispanic": total - hispanic, "total": total}


def counts_race_alone(total: int, hispanic: int, races: list[int]) -> dict[str, int]:
    """C02003-shaped counts: seven races of everyone (adding up to total)."""
    keys = ("white", "black", "native_american", "asian", "native_hawaiian", "other",
            "two_or_more_races")
    assert sum(races) == total
    return {**dict(zip(keys, races, strict=True)), "hispanic": hispanic,
            "non_hispanic": total - hispanic, "total": total}


def record(geoid: str, location: str, *, state: str = "NC", year: int = 2016,
           geography: str | None = None, **counts: int) -> dict:
    """One import-format record. Counts not given make a consistent profile: white people
    are whoever is left, so the races add up (to non_hispanic in NC, else to the total)."""
    values = {"black": 30, "native_american": 1, "asian": 4, "native_hawaiian": 1,
              "other": 2, "two_or_more_races": 2, "hispanic": 10, "non_hispanic": 90,
              "total": 100, **counts}
    if "white" not in values:
        others = sum(values[key] for key in ("black", "native_american", "asian",
                                             "native_hawaiian", "other", "two_or_more_races"))
        values["white"] = values["non_hispanic" if state == "NC" else "total"] - others
    return {
        "id": geoid, "location": location,
        "geography": geography or ("county" if geoid.startswith("05") else "place"),
        "state": state, "source": f"ACS 5-Year Data ({year - 4}-{year})",
        **{key: values[key] for key in COUNT_KEYS},
    }
