"""OpenAPI descriptions of the statistics endpoints, generated from the same definitions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from tsdata.stats.definitions import PURPOSE, SEARCH_TYPE, YEAR, Endpoint, Series, StateStats

_GROUP_SCHEMAS: dict[str, dict[str, Any]] = {
    YEAR: {"type": "integer", "description": "Calendar year of the stop (local time)."},
    PURPOSE: {
        "oneOf": [{"type": "string"}, {"type": "integer"}],
        "description": "Stop purpose label (the numeric code when the code is unknown).",
    },
    SEARCH_TYPE: {
        "oneOf": [{"type": "string"}, {"type": "integer"}],
        "description": "Search type label (the numeric code when the code is unknown).",
    },
}

NOT_FOUND = OpenApiResponse(
    response={
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    description="Unknown or non-numeric agency id.",
    examples=[OpenApiExample("Not found", value={"detail": "Not found."}, status_codes=["404"])],
)

BAD_REQUEST = OpenApiResponse(
    response={"type": "object", "additionalProperties": {"type": "array"}},
    description="Invalid query parameters (e.g. ``officer`` given twice).",
)


def row_schema(config: StateStats, series: Series) -> dict[str, Any]:
    properties = {key: _GROUP_SCHEMAS[key] for key in series.group_by}
    count = {"type": "integer", "minimum": 0}
    properties.update(dict.fromkeys(config.categories.defaults, count))
    return {
        "type": "object",
        "properties": properties,
        "required": [*series.group_by, *config.categories.defaults],
        # Unknown raw codes appear verbatim as extra category keys (docs/decisions.md).
        "additionalProperties": {"type": "integer", "minimum": 0},
    }


def endpoint_schema(config: StateStats, endpoint: Endpoint) -> dict[str, Any]:
    if endpoint.series is not None:
        return {"type": "array", "items": row_schema(config, endpoint.series)}
    return {
        "type": "object",
        "properties": {
            name: {"type": "array", "items": row_schema(config, series)}
            for name, series in endpoint.parts
        },
        "required": [name for name, _ in endpoint.parts],
        "additionalProperties": False,
    }


def example_value(config: StateStats, endpoint: Endpoint) -> Any:
    """An illustrative (made-up) response in the exact shape and order of the real one.

    The second part of a two-part endpoint is a subset of the first (searches of stops,
    contraband of searches), as in real data.
    """

    def row(series: Series, divisor: int) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key in series.group_by:
            values[key] = 2016 if key == YEAR else next(iter(config.labels[key].values()))
        for index, category in enumerate(config.categories.defaults):
            values[category] = (((index + 3) * 37) % 97 + 3) * 10 // divisor
        return values

    if endpoint.series is not None:
        return [row(endpoint.series, 1)]
    return {name: [row(series, 1 + 6 * i)] for i, (name, series) in enumerate(endpoint.parts)}


AGENCY_ID = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="Agency id (see the agency list)."
)


def officer_parameters(config: StateStats) -> list[OpenApiParameter]:
    if not config.officer_filter:
        return [AGENCY_ID]
    return [
        AGENCY_ID,
        OpenApiParameter(
            "officer",
            str,
            OpenApiParameter.QUERY,
            description="Only stops by this officer id (exact match; empty = all officers).",
        )
    ]


def agency_schema() -> dict[str, Any]:
    census_keys = (
        "white", "black", "native_american", "asian", "other", "hispanic", "non_hispanic",
        "total",
    )
    return {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "census_profile": {
                "type": "object",
                "description": "Census population ({} when no profile is linked or known).",
                "properties": {key: {"type": "integer"} for key in census_keys},
                "additionalProperties": False,
            },
            "census_year": {
                "type": "integer",
                "nullable": True,
                "description": "ACS 5-year vintage of census_profile (its last survey year); "
                "null when there is no profile.",
            },
        },
        "required": ["id", "name", "census_profile", "census_year"],
    }


def legacy_paths_exclude(endpoints, **kwargs):
    """Preprocessing hook: the un-prefixed legacy NC paths are aliases, not API surface."""
    return [endpoint for endpoint in endpoints if not endpoint[0].startswith("/api/agency")]
