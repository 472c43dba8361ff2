"""Census reads: the profile of each GEOID (newest vintage unless one is asked for), the
vintages present, and GEOID proposals for agencies from their names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps

from census.acs import STATE_NAMES
from census.matching import agency_target, profile_key
from census.models import CensusProfile
from tsdata.states import state_config


def census_profiles_by_geoid(
    geoids: Iterable[str], *, year: int | None = None
) -> dict[str, CensusProfile]:
    """The profile of each GEOID in one query: its newest vintage, or vintage ``year``.

    GEOIDs without a profile are left out (the caller decides how to show them).
    """
    wanted = {geoid for geoid in geoids if geoid}
    if not wanted:
        return {}
    profiles = CensusProfile.objects.filter(geoid__in=wanted)
    if year is not None:
        profiles = profiles.filter(year=year)
    else:
        # PostgreSQL's DISTINCT ON: the first row per GEOID in newest-vintage order.
        profiles = profiles.order_by("geoid", "-year").distinct("geoid")
    return {profile.geoid: profile for profile in profiles}


def census_years() -> list[int]:
    """The vintages present, newest first."""
    return list(
        CensusProfile.objects.order_by("-year").values_list("year", flat=True).distinct()
    )


@dataclass(frozen=True)
class CensusMatch:
    """A GEOID proposed for an agency, with the Census name it was matched to."""

    agency_id: int
    agency_name: str
    geoid: str
    location: str


@dataclass(frozen=True)
class CensusMatchReport:
    matches: list[CensusMatch]
    unmatched: list[tuple[int, str, str]]  # (agency id, name, why)
    linked: int  # agencies that already have a GEOID (left alone)


def _state_profiles(postal: str) -> list[tuple[str, str, str]]:
    """(geoid, location, geography) of a state's GEOIDs, named as in their newest vintage."""
    return list(
        CensusProfile.objects.filter(state=postal)
        .order_by("geoid", "-year").distinct("geoid")
        .values_list("geoid", "location", "geography")
    )


def census_matches_propose(state: str) -> CensusMatchReport:
    """GEOIDs for the state's agencies that have none, by name (``census.matching``).

    A name that fits no profile or several profiles gets no proposal.
    """
    config = state_config(state)
    postal = state.upper()
    index: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for geoid, location, geography in _state_profiles(postal):
        key = (geography, profile_key(location, geography))
        index.setdefault(key, []).append((geoid, location))
    agency_model = apps.get_model(state, "Agency")
    agencies = agency_model.objects.using(config.db_alias).order_by("id")
    matches, unmatched, linked = [], [], 0
    for agency_id, name, geoid in agencies.values_list("id", "name", "census_profile_id"):
        if geoid:
            linked += 1
            continue
        target = agency_target(name)
        if target is None:
            unmatched.append((agency_id, name, "not a municipal police or county agency"))
            continue
        found: list[tuple[str, str]] = []
        for key in target.keys:
            found = index.get((target.geography, key), [])
            if found:
                break
        if len(found) == 1:
            matches.append(CensusMatch(agency_id, name, found[0][0], found[0][1]))
        elif found:
            names = "; ".join(location for _, location in found)
            unmatched.append((agency_id, name, f"several {target.geography}s fit: {names}"))
        else:
            wanted = " or ".join(repr(key) for key in target.keys)
            unmatched.append((agency_id, name, f"no {target.geography} {wanted} in "
                              f"{STATE_NAMES[postal]}"))
    return CensusMatchReport(matches=matches, unmatched=unmatched, linked=linked)
