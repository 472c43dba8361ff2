"""Census API client for the ACS 5-year race and ethnicity counts (plain HTTP, urllib).

Two tables are read. B03002 (Hispanic or Latino origin by race) splits every race into
Hispanic and non-Hispanic; NC's profiles take their races from it, so they are the
non-Hispanic races (NC's API counts Hispanic people separately, whatever their race).
C02003 (detailed race) counts races including Hispanic people; MD's and IL's profiles take
their races from it and only the Hispanic / non-Hispanic split from B03002. Hence in an NC
profile the races add up to ``non_hispanic``, elsewhere to ``total``. See docs/census.md.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

RACE_KEYS = (
    "white", "black", "native_american", "asian", "native_hawaiian", "other",
    "two_or_more_races",
)
COUNT_KEYS = (*RACE_KEYS, "hispanic", "non_hispanic", "total")
# The keys of one record of the import format, in the order the file lists them.
RECORD_KEYS = ("id", "location", "geography", "state", "source", *COUNT_KEYS)
GEOGRAPHIES = ("county", "place")

STATE_FIPS = {"NC": "37", "MD": "24", "IL": "17"}
STATE_NAMES = {"NC": "North Carolina", "MD": "Maryland", "IL": "Illinois"}

_ETHNICITY = {"hispanic": "B03002_012E", "non_hispanic": "B03002_002E"}
# Hispanic or Latino origin by race: races of non-Hispanic people only.
B03002 = {
    "total": "B03002_001E",
    "white": "B03002_003E",
    "black": "B03002_004E",
    "native_american": "B03002_005E",
    "asian": "B03002_006E",
    "native_hawaiian": "B03002_007E",
    "other": "B03002_008E",
    "two_or_more_races": "B03002_009E",
    **_ETHNICITY,
}
# Detailed race (collapsed table): races of everyone, Hispanic or not.
C02003 = {
    "total": "C02003_001E",
    "white": "C02003_003E",
    "black": "C02003_004E",
    "native_american": "C02003_005E",
    "asian": "C02003_006E",
    "native_hawaiian": "C02003_007E",
    "other": "C02003_008E",
    "two_or_more_races": "C02003_009E",
    **_ETHNICITY,
}
STATE_VARIABLES = {"NC": B03002, "MD": C02003, "IL": C02003}
CDP = re.compile(r"\bCDP\b")


class CensusApiError(Exception):
    """The Census API could not be reached or answered something unusable."""


def acs_variables(state: str) -> dict[str, str]:
    """Record key -> ACS variable for a state (upper-case postal code); KeyError if unknown."""
    return dict(STATE_VARIABLES[state])


def acs_get_fields(state: str) -> list[str]:
    """What the API is asked for: the name, the GEOID and the state's ten variables."""
    return ["NAME", "GEO_ID", *acs_variables(state).values()]


def races_add_up_to(state: str) -> str:
    """The count the seven races of a state's profiles add up to (see the module doc)."""
    return "non_hispanic" if STATE_VARIABLES[state] is B03002 else "total"


def acs_source(year: int) -> str:
    """The ``source`` of a vintage's profiles, e.g. "ACS 5-Year Data (2012-2016)"."""
    return f"ACS 5-Year Data ({year - 4}-{year})"


def acs_url(*, year: int, state: str, geography: str, key: str, base_url: str) -> str:
    """The query of one state's counties or places (all of them) in one vintage."""
    params = {
        "get": ",".join(acs_get_fields(state)),
        "for": f"{geography}:*",
        "in": f"state:{STATE_FIPS[state]}",
    }
    if key:
        params["key"] = key
    query = urllib.parse.urlencode(params, safe=",:*")
    return f"{base_url.rstrip('/')}/{year}/acs/acs5?{query}"


def _rows(url: str, *, shown: str, timeout: float) -> list[list]:
    """The API's answer: a JSON table whose first row holds the column names."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace").strip()
        raise CensusApiError(f"Census API answered HTTP {exc.code} for {shown}: {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise CensusApiError(f"Failed to access the Census API at {shown}: {exc}") from exc
    try:
        rows = json.loads(body)
    except ValueError as exc:
        # An invalid key is answered with an HTML page and status 200.
        start = body[:120].decode("utf-8", "replace")
        raise CensusApiError(f"Census API answer for {shown} is not JSON: {start!r}") from exc
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise CensusApiError(f"Census API answer for {shown} is not a table")
    return rows


def _number(value):
    """ACS counts arrive as strings; anything that is not a whole number is passed on as is
    so that validation names the record (the API marks missing estimates with negatives)."""
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return value


def acs_state_records(
    *, year: int, state: str, geography: str, key: str, base_url: str, timeout: float = 60
) -> list[dict]:
    """Records (import format) of one state's counties or places; CDPs are left out."""
    url = acs_url(year=year, state=state, geography=geography, key=key, base_url=base_url)
    shown = acs_url(year=year, state=state, geography=geography, key="", base_url=base_url)
    rows = _rows(url, shown=shown, timeout=timeout)
    header, data = rows[0], rows[1:]
    variables = acs_variables(state)
    wanted = ["NAME", "GEO_ID", *variables.values()]
    missing = [name for name in wanted if name not in header]
    if missing:
        raise CensusApiError(f"Census API answer for {shown} lacks {', '.join(missing)}")
    column = {name: header.index(name) for name in wanted}
    records = []
    for row in data:
        if len(row) != len(header):
            raise CensusApiError(f"Census API answer for {shown} has a row of {len(row)} "
                                 f"columns, header has {len(header)}")
        name = row[column["NAME"]]
        if geography == "place" and isinstance(name, str) and CDP.search(name):
            continue
        record = {
            "id": row[column["GEO_ID"]],
            "location": name,
            "geography": geography,
            "state": state,
            "source": acs_source(year),
        }
        for record_key in COUNT_KEYS:
            record[record_key] = _number(row[column[variables[record_key]]])
        records.append(record)
    return records


def acs_records(
    *, year: int, key: str | None = None, base_url: str | None = None,
    states: tuple[str, ...] = tuple(STATE_FIPS),
) -> list[dict]:
    """All counties and places of the states in one vintage, in import format.

    Order: each state's counties, then its places (NC, MD, IL). ``key`` and ``base_url``
    default to the ``CENSUS_API_KEY`` and ``CENSUS_API_URL`` settings.
    """
    key = settings.CENSUS_API_KEY if key is None else key
    base_url = base_url or settings.CENSUS_API_URL
    records: list[dict] = []
    for state in states:
        for geography in GEOGRAPHIES:
            records += acs_state_records(
                year=year, state=state, geography=geography, key=key, base_url=base_url
            )
    return records
