"""Response caching of the statistics endpoints, keyed by the state's data version.

A new import bumps its state's version: every cache key and ETag of that state changes and
nothing else is touched (no global flush). The cache holds the rendered bytes, so a hit
costs one data-version lookup and one cache get.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date, parse_etags

from tsdata.data_version import data_version_get

CACHED_FORMATS = ("json", "csv")


@dataclass(frozen=True)
class CacheSlot:
    """Where one representation of a statistics response lives, and its validators."""

    key: str
    etag: str
    last_modified: datetime | None


def accept_format(request: HttpRequest) -> str | None:
    """The format content negotiation will pick for a plain ``Accept`` header, else None.

    Only unambiguous headers are served from the cache; anything else (browsers asking for
    HTML, mixed lists) goes through DRF's negotiation uncached, so a cache entry can never
    be served in the wrong format.
    """
    accept = request.headers.get("Accept", "").replace(" ", "")
    media_types = {part.split(";")[0] for part in accept.split(",") if part}
    if not media_types or media_types <= {"*/*", "application/json"}:
        return "json"
    if media_types == {"text/csv"}:
        return "csv"
    return None


def cache_slot(
    *, state: str, endpoint: str, agency_id: int, officer: str | None, fmt: str
) -> CacheSlot:
    version, updated = data_version_get(state)
    identity = "\x1f".join([endpoint, str(agency_id), officer or "", fmt])
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return CacheSlot(
        key=f"api-stats:{state}:{version}:{digest}",
        etag=f'"{state}-{version}-{digest}"',
        last_modified=updated,
    )


def response_cached(
    request: HttpRequest, slot: CacheSlot, *, render: Callable[[], HttpResponse]
) -> HttpResponse:
    """304 when the client has this version, else the cached bytes, else ``render()`` (stored
    when it is a 200). Every answer carries the ETag/Last-Modified/Cache-Control headers."""
    if not_modified(request, slot):
        return validators_add(HttpResponse(status=304), slot)
    response = cached_response(slot)
    if response is None:
        response = render()
        if response.status_code != 200:
            return response
        response.render()
        response_store(slot, response, header_names=("Content-Disposition",))
    return validators_add(response, slot)


def validators_add(response: HttpResponse, slot: CacheSlot) -> HttpResponse:
    response["ETag"] = slot.etag
    if slot.last_modified is not None:
        response["Last-Modified"] = http_date(slot.last_modified.timestamp())
    response["Cache-Control"] = f"public, max-age={settings.API_HTTP_MAX_AGE}"
    response["Vary"] = "Accept"
    return response


def not_modified(request: HttpRequest, slot: CacheSlot) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    etags = parse_etags(header)
    return "*" in etags or slot.etag in etags or f"W/{slot.etag}" in etags


def cached_response(slot: CacheSlot) -> HttpResponse | None:
    entry = cache.get(slot.key)
    if entry is None:
        return None
    content_type, headers, body = entry
    response = HttpResponse(body, content_type=content_type)
    for name, value in headers.items():
        response[name] = value
    return response


def response_store(slot: CacheSlot, response: HttpResponse, *, header_names: tuple[str, ...]):
    headers = {name: response[name] for name in header_names if response.has_header(name)}
    cache.set(
        slot.key,
        (response["Content-Type"], headers, response.content),
        settings.API_CACHE_TIMEOUT,
    )
