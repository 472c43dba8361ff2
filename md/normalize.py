"""Maryland row normalisation: pure functions, one per raw column rule.

The rules, in order, are written out in docs/data-formats.md, 'Maryland: Normalisation'.

Every rule is explicit (no format guessing) so that a value either matches a documented
pattern or falls back to a documented default; nothing in a single bad cell can abort an
import (docs/decisions.md, 'MD: explicit formats, no aborts').
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from functools import lru_cache

from md.models import FAILURE_TO_REMAIN, INVESTIGATION, UNKNOWN_PURPOSE
from md.purposes import PURPOSE_BY_STOP_REASON

# Raw workbook columns, in order (all sheets; later sheets take these names).
RAW_COLUMNS = (
    "STOPDATE", "TIME_OF_STOP", "LOCATION", "DURATION", "STOP_REASON", "SEARCH_CONDUCTED",
    "SEARCH_REASON", "WHATSEARCHED", "SEIZED", "STOPOUTCOME", "CRIME_CHARGED",
    "REGISTRATION_STATE", "GENDER", "DOB", "RESIDENCE_STATE", "MD_COUNTY", "ETHNICITY",
    "OFFICERID", "AGENCY",
)
DROPPED_COLUMNS = (
    "WHATSEARCHED", "STOPOUTCOME", "CRIME_CHARGED", "REGISTRATION_STATE", "RESIDENCE_STATE",
    "MD_COUNTY",
)
FIRST_YEAR = 2013
CUTOFF = datetime(FIRST_YEAR, 1, 1)  # noqa: DTZ001 - local wall time, zone set at load
BAD_TIME_REPLACEMENT = "00:00"

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?: (AM|PM))?$")
_STOPDATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_DOB_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{1,2})$")
_GENDER_M_RE = re.compile(r"^(?:M|male|MALE|m +)$")
_GENDER_F_RE = re.compile(r"^(?:F|female|w|F +)$")
_ETHNICITY_W_RE = re.compile(r"^(?:WHITE|W.?)$", re.DOTALL)
_ETHNICITY = {
    "BLACK": "B", "BLK": "B", "HISPANIC": "H", "ASIAN": "A", "NATIVE AMERICAN": "I",
    "UNKNOWN": "U", "OTHER": "U",
}
_SEIZED_Y_RE = re.compile(r"^(?:Contraband|paraphernalia)")
# Stop reason cleanup rules A, B, C (first match wins).
_REASON_A_RE = re.compile(
    r"^\s*(\d{1,2})\s*-\s*(\d+)\.?\d{0,2}-?\s*[A-Za-z]?\d*[A-Za-z]?\s*(?:\(.*\))?\s*$",
    re.DOTALL,
)
_REASON_B_RE = re.compile(r"^\s*(\d{2})\*?-?`?\s*$")
_REASON_C_RE = re.compile(r"^\s*(\d{3})(?:$|-|\.)")


# Most columns repeat a few thousand distinct values over millions of rows: the pure
# per-value rules below are memoised (bounded, so odd input cannot grow memory).
_MEMO = 1 << 14


@lru_cache(maxsize=_MEMO)
def time_of_stop_clean(raw: str) -> str:
    """Stripped ``H:MM``/``HH:MM`` with optional `` AM``/`` PM``; anything else ``00:00``."""
    value = raw.strip()
    match = _TIME_RE.match(value)
    if match and int(match.group(1)) <= 23 and int(match.group(2)) <= 59:
        return value
    return BAD_TIME_REPLACEMENT


def stop_datetime_parse(stop_date: str, time_of_stop: str) -> datetime | None:
    """Naive stop time from ``M/D/YY[YY]`` and a cleaned time; None when not a real date.

    AM/PM follow the original parser: an hour below 12 with PM gets 12 added, 12 AM is
    midnight, and an hour above 12 keeps its value whatever the suffix (``20:53 PM``).
    """
    day_parts = _date_parts(stop_date)
    clock = _clock(time_of_stop)
    if day_parts is None or clock is None:
        return None
    try:
        return datetime(*day_parts, *clock)  # noqa: DTZ001 - wall time
    except ValueError:
        return None


@lru_cache(maxsize=_MEMO)
def _date_parts(stop_date: str) -> tuple[int, int, int] | None:
    """(year, month, day) of an ``M/D/YY[YY]`` text, not yet checked to be a real date."""
    match = _STOPDATE_RE.match(stop_date.strip())
    if not match:
        return None
    month, day, year_text = match.groups()
    return int(year_text) + (2000 if len(year_text) == 2 else 0), int(month), int(day)


@lru_cache(maxsize=_MEMO)
def _clock(time_of_stop: str) -> tuple[int, int] | None:
    """(hour, minute) of a cleaned time under the original's AM/PM rule."""
    match = _TIME_RE.match(time_of_stop)
    if not match:
        return None
    hour, minute, meridiem = int(match.group(1)), int(match.group(2)), match.group(3)
    if meridiem == "PM" and hour < 12:
        hour += 12
    elif meridiem == "AM" and hour == 12:
        hour = 0
    return hour, minute


@lru_cache(maxsize=_MEMO)
def gender_normalize(raw: str) -> str:
    if _GENDER_M_RE.match(raw):
        return "M"
    if _GENDER_F_RE.match(raw):
        return "F"
    return "U"


@lru_cache(maxsize=_MEMO)
def seized_normalize(raw: str) -> str:
    return "Y" if raw == "Both" or _SEIZED_Y_RE.match(raw) else "N"


@lru_cache(maxsize=_MEMO)
def ethnicity_normalize(raw: str) -> str:
    if _ETHNICITY_W_RE.match(raw):
        return "W"
    return _ETHNICITY.get(raw, "U")


@lru_cache(maxsize=_MEMO)
def stop_reason_clean(raw: str) -> str:
    """The statute code of a raw STOP_REASON (rules A, B, C); unmatched values unchanged."""
    match = _REASON_A_RE.match(raw)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    match = _REASON_B_RE.match(raw) or _REASON_C_RE.match(raw)
    if match:
        return match.group(1)
    return raw


def purpose_lookup(stop_reason: str) -> int:
    """Purpose code of a cleaned stop reason; unknown → 11 Other/Unknown.

    The table: docs/data-formats.md, 'Stop purposes'.
    """
    return PURPOSE_BY_STOP_REASON.get(stop_reason, UNKNOWN_PURPOSE)


def purpose_is_dropped(purpose: int) -> bool:
    """Investigation and failure-to-remain stops are not published (docs/data-formats.md)."""
    return purpose in (INVESTIGATION, FAILURE_TO_REMAIN)


def age_compute(date_of_birth: str, stop: datetime) -> int:
    """Age in whole years at the stop from an ``M/D/YY`` birth date; 0 when unusable.

    A two-digit birth year at or above the stop year's last two digits belongs to the
    previous century. An impossible date (``02/30/85``) gives 0 instead of an error.
    """
    parts = _birth_parts(date_of_birth)
    if parts is None:
        return 0
    month, day, short_year = parts
    century = stop.year // 100 * 100
    year = century - 100 + short_year if short_year >= stop.year % 100 else century + short_year
    try:
        born = date(year, month, day)
    except ValueError:
        return 0
    days = (stop - datetime.combine(born, datetime.min.time())).days
    return max(0, math.floor(days / 365.25))


@lru_cache(maxsize=_MEMO * 2)
def _birth_parts(date_of_birth: str) -> tuple[int, int, int] | None:
    match = _DOB_RE.match(date_of_birth)
    return None if match is None else tuple(int(part) for part in match.groups())


def cell_text(value: object) -> str:
    """Text of a workbook cell as the raw extract shows it (no NA conversion).

    Integral numbers lose their ``.0`` (OFFICERID is numeric in the workbook); real dates
    and times, which the extract normally stores as text, are rendered in its text formats.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.hour or value.minute or value.second:
            return value.strftime("%m/%d/%Y %H:%M")
        return value.strftime("%m/%d/%Y")
    if isinstance(value, date):
        return value.strftime("%m/%d/%Y")
    if hasattr(value, "strftime"):  # datetime.time
        return value.strftime("%H:%M")
    return str(value)


# Output of one normalised row, in the column order of the staging COPY.
STOP_COLUMNS = (
    "stop_id", "date", "purpose", "stop_date_text", "stop_time_text", "stop_location",
    "duration_text", "stop_reason", "search_conducted", "search_reason", "seized", "gender",
    "date_of_birth_text", "ethnicity", "officer_id", "agency_description", "agency_code", "age",
)
# Column widths of md_stop: a longer value would make the whole COPY fail.
TEXT_LIMITS = {
    "stop_date_text": 20, "stop_time_text": 20, "stop_location": 1024, "duration_text": 20,
    "stop_reason": 64, "search_conducted": 1, "search_reason": 64, "seized": 1,
    "date_of_birth_text": 20, "officer_id": 15, "agency_code": 64,
}

DROP_BEFORE_CUTOFF = "stop date before 2013"
DROP_BAD_DATE = "STOPDATE is not a M/D/YY or M/D/YYYY date"
DROP_PURPOSE = "purpose 7 (Investigation) or 10 (Failure to remain at scene)"


def row_normalize(raw: dict[str, str], agency_names: dict[str, str]) -> tuple[dict, str | None]:
    """Normalise one raw row in the documented order; returns (row, reason it is dropped).

    ``agency_names`` maps agency codes to display names; an unknown code is its own name.
    The row's ``stop_id`` is assigned by the caller to surviving rows only.
    """
    time_text = time_of_stop_clean(raw["TIME_OF_STOP"])
    stop_date = raw["STOPDATE"]
    when = stop_datetime_parse(stop_date, time_text)
    row = {
        "stop_id": None,
        "date": when,
        "stop_date_text": stop_date,
        "stop_time_text": time_text,
        "stop_location": raw["LOCATION"],
        "duration_text": raw["DURATION"],
        "search_conducted": raw["SEARCH_CONDUCTED"],
        "search_reason": raw["SEARCH_REASON"],
        "date_of_birth_text": raw["DOB"],
        "officer_id": raw["OFFICERID"],
        "agency_code": raw["AGENCY"],
        "agency_description": agency_names.get(raw["AGENCY"], raw["AGENCY"]),
    }
    if when is None:
        return row, DROP_BAD_DATE
    if when < CUTOFF:
        return row, DROP_BEFORE_CUTOFF
    row["stop_reason"] = stop_reason_clean(raw["STOP_REASON"])
    row["purpose"] = purpose_lookup(row["stop_reason"])
    if purpose_is_dropped(row["purpose"]):
        return row, DROP_PURPOSE
    row["gender"] = gender_normalize(raw["GENDER"])
    row["seized"] = seized_normalize(raw["SEIZED"])
    row["ethnicity"] = ethnicity_normalize(raw["ETHNICITY"])
    row["age"] = age_compute(raw["DOB"], when)
    for column, limit in TEXT_LIMITS.items():
        if len(row[column]) > limit:
            return row, f"{column} longer than {limit} characters"
    return row, None
