"""Which Census geography an agency's name points at (pure functions, no database).

A municipal police department serves a place ("Durham Police Department" -> "Durham city,
North Carolina"), a sheriff or a county police department a county ("Durham County
Sheriff's Office" -> "Durham County, North Carolina"). Names are compared as lower-case
words without punctuation, "Dept."/"Department" ignored. Only a whole name matches, so
"Charlotte-Mecklenburg", university police and state agencies get no proposal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_APOSTROPHES = re.compile(r"['\u2019`]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
IGNORED_WORDS = {"dept", "department", "the"}
PLACE_TYPES = ("city", "town", "village")
# Words that make a name an institution's or the state's rather than a town's or county's.
INSTITUTIONS = {
    "university", "univ", "campus", "state", "highway", "patrol", "hospital", "airport",
    "schools", "authority", "bureau", "division", "commission",
}
_POLICE = (("police",), ("pd",))
_SHERIFF = (("sheriffs", "office"), ("sheriff", "office"), ("sheriffs",), ("sheriff",))
_PLACE_PREFIXES = (("city", "of"), ("town", "of"), ("village", "of"))


@dataclass(frozen=True)
class Target:
    """What to look for: a geography and the candidate keys, best first."""

    geography: str
    keys: tuple[str, ...]


def name_words(text: str) -> list[str]:
    """Lower-case words of ``text`` without punctuation or ignored words."""
    words = _NOT_WORD.sub(" ", _APOSTROPHES.sub("", text.lower())).split()
    return [word for word in words if word not in IGNORED_WORDS]


def _strip_suffix(words: list[str], suffixes) -> list[str] | None:
    for suffix in suffixes:
        if len(words) > len(suffix) and tuple(words[-len(suffix):]) == suffix:
            return words[: -len(suffix)]
    return None


def agency_target(name: str) -> Target | None:
    """The geography an agency name designates, or None for anything else."""
    words = name_words(name)
    if INSTITUTIONS.intersection(words):
        return None
    rest = _strip_suffix(words, _SHERIFF)
    if rest is not None:
        if rest[-1] == "county" and len(rest) > 1:
            rest = rest[:-1]
        return Target("county", (" ".join(rest),))
    rest = _strip_suffix(words, _POLICE)
    if rest is None:
        return None
    if rest[-1] == "county" and len(rest) > 1:
        return Target("county", (" ".join(rest[:-1]),))
    for prefix in _PLACE_PREFIXES:
        if tuple(rest[: len(prefix)]) == prefix and len(rest) > len(prefix):
            rest = rest[len(prefix):]
            break
    keys = [" ".join(rest)]
    # "Durham City Police" means Durham city; "Elizabeth City" is the whole place name.
    if rest[-1] in PLACE_TYPES and len(rest) > 1:
        keys.append(" ".join(rest[:-1]))
    return Target("place", tuple(keys))


def profile_key(location: str, geography: str) -> str:
    """The comparable name of a Census geography: "Durham city, North Carolina" -> "durham".

    Counties lose "County"; places lose their type (city, town, village). A county
    equivalent such as "Baltimore city" keeps its whole name.
    """
    words = name_words(location.rsplit(",", 1)[0])
    dropped = ("county",) if geography == "county" else PLACE_TYPES
    if len(words) > 1 and words[-1] in dropped:
        words = words[:-1]
    return " ".join(words)
