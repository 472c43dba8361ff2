"""A generated ACS file for the demo, consistent with the sample agencies of the three states.

The geographies are those the sample agencies serve, with GEOIDs of the real structure:
county codes are the real FIPS codes (NC's and MD's counties in FIPS order), place codes
are made up, but like real ones they follow the alphabet. The counts are random with each
table's real structure (``census.acs``): NC's races are non-Hispanic (B03002), MD's and
IL's include Hispanic people (C02003). Each vintage grows a little over the previous one.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from census.acs import COUNT_KEYS, RACE_KEYS, STATE_FIPS, STATE_NAMES, acs_source, races_add_up_to
from nc.sample_data import BIG_CITIES, TOWNS

SAMPLE_YEARS = (2016, 2022)
# All 100 NC counties in FIPS order (county code = 2 * position + 1).
NC_COUNTIES = (
    "Alamance", "Alexander", "Alleghany", "Anson", "Ashe", "Avery", "Beaufort", "Bertie",
    "Bladen", "Brunswick", "Buncombe", "Burke", "Cabarrus", "Caldwell", "Camden", "Carteret",
    "Caswell", "Catawba", "Chatham", "Cherokee", "Chowan", "Clay", "Cleveland", "Columbus",
    "Craven", "Cumberland", "Currituck", "Dare", "Davidson", "Davie", "Duplin", "Durham",
    "Edgecombe", "Forsyth", "Franklin", "Gaston", "Gates", "Graham", "Granville", "Greene",
    "Guilford", "Halifax", "Harnett", "Haywood", "Henderson", "Hertford", "Hoke", "Hyde",
    "Iredell", "Jackson", "Johnston", "Jones", "Lee", "Lenoir", "Lincoln", "McDowell",
    "Macon", "Madison", "Martin", "Mecklenburg", "Mitchell", "Montgomery", "Moore", "Nash",
    "New Hanover", "Northampton", "Onslow", "Orange", "Pamlico", "Pasquotank", "Pender",
    "Perquimans", "Person", "Pitt", "Polk", "Randolph", "Richmond", "Robeson", "Rockingham",
    "Rowan", "Rutherford", "Sampson", "Scotland", "Stanly", "Stokes", "Surry", "Swain",
    "Transylvania", "Tyrrell", "Union", "Vance", "Wake", "Warren", "Washington", "Watauga",
    "Wayne", "Wilkes", "Wilson", "Yadkin", "Yancey",
)
MD_COUNTIES = (
    ("001", "Allegany County"), ("003", "Anne Arundel County"), ("005", "Baltimore County"),
    ("009", "Calvert County"), ("011", "Caroline County"), ("013", "Carroll County"),
    ("015", "Cecil County"), ("017", "Charles County"), ("019", "Dorchester County"),
    ("021", "Frederick County"), ("023", "Garrett County"), ("025", "Harford County"),
    ("027", "Howard County"), ("029", "Kent County"), ("031", "Montgomery County"),
    ("033", "Prince George's County"), ("035", "Queen Anne's County"),
    ("037", "St. Mary's County"), ("039", "Somerset County"), ("041", "Talbot County"),
    ("043", "Washington County"), ("045", "Wicomico County"), ("047", "Worcester County"),
    ("510", "Baltimore city"),
)
MD_PLACES = (("04000", "Baltimore city"), ("01600", "Annapolis city"))
IL_COUNTIES = (("031", "Cook County"), ("095", "Knox County"), ("997", "Sample County"))
IL_PLACES = (("00113", "Abingdon city"), ("20292", "Dolton village"),
             ("67005", "Sample City city"))

# Researched names and GEOIDs of the MD and IL sample agency codes (crosswalk rows); the
# state-wide agencies have none, and each state's last sample code is in no crosswalk.
MD_SAMPLE_CROSSWALK = (
    ("MSP", "Maryland State Police", ""),
    ("BACOPD", "Baltimore County Police Department", "0500000US24005"),
    ("MONTGOMERY", "Montgomery County Police Department", "0500000US24031"),
    ("AACOPD", "Anne Arundel County Police Department", "0500000US24003"),
    ("MDTA", "Maryland Transportation Authority Police", ""),
    ("CECIL", "Cecil County Sheriff's Office", "0500000US24015"),
)
IL_SAMPLE_CROSSWALK = (
    ("10011", "Dolton Police", "1600000US1720292"),
    ("13462", "Abingdon Police", "1600000US1700113"),
    ("20001", "Sample State Police", ""),
    ("20002", "Sample City Police Dept.", ""),  # left to match_census_profiles
    ("20003", "Sample County Sheriff", ""),
)


def _nc_places() -> list[tuple[str, str]]:
    """(place code, Census name) of the towns and cities the NC sample agencies serve."""
    cities = {"Charlotte" if city == "Charlotte-Mecklenburg" else city for city in BIG_CITIES}
    names = {f"{city} city" for city in cities}
    names |= {f"{town} town" for town in TOWNS if town not in cities}
    ordered = sorted(names)
    # Spread over the range real NC place codes use, in alphabetical order like them.
    return [(f"{100 + index * 76_000 // len(ordered):05d}", name)
            for index, name in enumerate(ordered)]


def sample_geographies() -> list[tuple[str, str, str, str]]:
    """(state, geography, GEOID, Census name) of every sample geography."""
    rows = []
    for index, county in enumerate(NC_COUNTIES):
        rows.append(("NC", "county", f"0500000US37{2 * index + 1:03d}", f"{county} County"))
    rows += [("NC", "place", f"1600000US37{code}", name) for code, name in _nc_places()]
    for postal, counties, places in (("MD", MD_COUNTIES, MD_PLACES),
                                     ("IL", IL_COUNTIES, IL_PLACES)):
        fips = STATE_FIPS[postal]
        rows += [(postal, "county", f"0500000US{fips}{code}", name) for code, name in counties]
        rows += [(postal, "place", f"1600000US{fips}{code}", name) for code, name in places]
    return [(state, geography, geoid, f"{name}, {STATE_NAMES[state]}")
            for state, geography, geoid, name in rows]


def _split(rng: random.Random, total: int, shares: list[float]) -> list[int]:
    """``total`` split by ``shares`` (whole numbers that add up exactly)."""
    weights = [share * rng.uniform(0.6, 1.4) for share in shares]
    scale = total / sum(weights)
    parts = [int(weight * scale) for weight in weights]
    parts[0] += total - sum(parts)
    return parts


RACE_SHARES = [0.62, 0.22, 0.012, 0.03, 0.001, 0.04, 0.025]


def sample_records(*, years: tuple[int, ...] = SAMPLE_YEARS, seed: int = 2016) -> list[dict]:
    """Records in import format for every sample geography and vintage."""
    rng = random.Random(seed)
    records = []
    for state, geography, geoid, location in sample_geographies():
        low, high = (8_000, 1_100_000) if geography == "county" else (1_500, 850_000)
        total = int(low * (high / low) ** (rng.random() ** 2))  # many small, few large
        hispanic_share = rng.uniform(0.02, 0.2)
        for year in years:
            total = int(total * rng.uniform(1.0, 1.08))
            hispanic = int(total * hispanic_share)
            counts = {"hispanic": hispanic, "non_hispanic": total - hispanic, "total": total}
            counts.update(zip(RACE_KEYS, _split(
                rng, counts[races_add_up_to(state)], RACE_SHARES), strict=True))
            record = {"id": geoid, "location": location, "geography": geography,
                      "state": state, "source": acs_source(year)}
            record.update({key: counts[key] for key in COUNT_KEYS})
            records.append(record)
    return records


def sample_file_write(path: Path, **options) -> Path:
    """Write the sample records as the JSON file ``import_census --file`` reads."""
    path.write_text(json.dumps(sample_records(**options), indent=1), encoding="utf-8")
    return path
