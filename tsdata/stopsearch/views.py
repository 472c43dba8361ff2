"""The Find a Stop view: one function view per state built from its configuration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.http import require_safe

from tsdata.data_version import data_version_get
from tsdata.states import state_config
from tsdata.stopsearch.config import StopSearchConfig
from tsdata.stopsearch.cursors import cursor_decode, cursor_encode
from tsdata.stopsearch.export import stop_search_csv_response
from tsdata.stopsearch.forms import StopSearchForm
from tsdata.stopsearch.selectors import (
    SearchPage,
    SearchTooSlow,
    agency_last_reported,
    agency_names,
    stop_search_count,
    stop_search_page,
    stop_search_q,
)

DISPLAY_DATE = "n/j/Y P"  # 8/13/2014 3:30 p.m.
AGENCY_OPTIONS_SECONDS = 5 * 60
PAGING_PARAMS = ("after", "before", "format")


def stop_search_view(config: StopSearchConfig) -> Callable[[HttpRequest], HttpResponse]:
    @require_safe
    def stops_search(request: HttpRequest) -> HttpResponse:
        return _search(request, config)

    stops_search.__doc__ = f"Find a Stop for {config.state.upper()}."
    return stops_search


def _search(request: HttpRequest, config: StopSearchConfig) -> HttpResponse:
    state = state_config(config.state)
    datalist_id = f"{config.state}-agency-names"
    # A request carrying only paging parameters (or nothing) shows the blank form.
    bound = any(name in request.GET for name in config.form_class.base_fields)
    form = config.form_class(request.GET if bound else None, datalist_id=datalist_id)
    context: dict = {
        "state": state,
        "form": form,
        "datalist_id": datalist_id,
        "agency_options": _agency_options(config),
        "agency_list_url": _url_or(f"{config.state}:agency-list", f"/{config.state}/agency/"),
        "searched": False,
    }
    if bound and form.is_valid():
        agency = form.cleaned_data["agency"]
        q = stop_search_q(config, form.cleaned_data)
        if request.GET.get("format") == "csv":
            return stop_search_csv_response(config, q, agency_name=agency.name)
        context.update(_results(request, config, form, q, ZoneInfo(state.tz_name)))
    return render(request, "stopsearch/search.html", context)


def _results(request: HttpRequest, config: StopSearchConfig, form: StopSearchForm, q,
             tz: ZoneInfo) -> dict:
    agency = form.cleaned_data["agency"]
    agency_url = agency_detail_url(config.state, agency.pk)
    keys = len(config.keyset)
    after = cursor_decode(request.GET.get("after"), keys)
    before = cursor_decode(request.GET.get("before"), keys)
    try:
        page = stop_search_page(config, q, after=after, before=before)
    except SearchTooSlow:
        return {"searched": True, "too_slow": True, "agency": agency, "agency_url": agency_url}
    count = stop_search_count(config, q, cache_key=_filters_key(form))
    base_query = [(key, value) for key, values in request.GET.lists()
                  if key not in PAGING_PARAMS for value in values]
    # Past the oldest row (a cursor from before an import, or typed by hand): not "nothing
    # matches", just no more rows this way.
    past_end = not page.rows and (after is not None or before is not None)
    last_reported = None if page.rows or past_end else agency_last_reported(config, agency)
    return {
        "searched": True,
        "agency": agency,
        "agency_url": agency_url,
        "count": count,
        "columns": config.columns,
        "rows": _table_rows(config, page, agency, agency_url, tz),
        "at_top": page.newer is None and not past_end,
        "past_end": past_end,
        "newest_url": "?" + urlencode(base_query),
        "newer_url": _page_url(base_query, "before", page.newer),
        "older_url": _page_url(base_query, "after", page.older),
        "csv_url": "?" + urlencode([*base_query, ("format", "csv")]),
        "last_reported": _display_date(last_reported, tz) if last_reported else "",
    }


def agency_detail_url(state: str, agency_id: int) -> str:
    """The agency dashboard's URL."""
    return _url_or(f"{state}:agency-detail", f"/{state}/agency/{agency_id}/", agency_id)


def _url_or(name: str, path: str, *args) -> str:
    """``reverse(name)``, or the literal path should the pages' URLconf lack that name."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return path


def _page_url(base_query: list[tuple[str, str]], name: str, cursor: tuple | None) -> str:
    if cursor is None:
        return ""
    return "?" + urlencode([*base_query, (name, cursor_encode(cursor))])


def _filters_key(form: StopSearchForm) -> str:
    """A canonical spelling of the search (for the count cache)."""
    parts = []
    for name, value in sorted(form.cleaned_data.items()):
        if isinstance(value, models.Model):
            value = value.pk
        elif isinstance(value, list):
            value = sorted(value)
        parts.append(f"{name}={value}")
    return "&".join(parts)


def _agency_options(config: StopSearchConfig) -> SafeString:
    """Suggestions of the agency field that work without JavaScript (an HTML datalist).

    Hundreds of options on every request: built once per state data version and kept a
    few minutes (an agency added in the admin shows up after at most that)."""
    version, _ = data_version_get(config.state)
    key = f"stopsearch:agency-options:{config.state}:{version}"
    options = cache.get(key)
    if options is None:
        options = str(format_html_join("", '<option value="{}"></option>',
                                       ((name,) for name in agency_names(config))))
        cache.set(key, options, AGENCY_OPTIONS_SECONDS)
    return SafeString(options)


def _display_date(value: dt.datetime, tz: ZoneInfo) -> str:
    return date_format(value.astimezone(tz), DISPLAY_DATE)


def _table_rows(config: StopSearchConfig, page: SearchPage, agency, agency_url: str,
                tz: ZoneInfo) -> list[dict]:
    """Each row's stop id and its cells' HTML (the date cell is the row header).

    The cells are joined here, not in the template: 30 rows of 7 cells rendered by template
    tags cost more than the search itself."""
    rows = []
    for row in page.rows:
        cells = []
        for column in config.columns:
            value = row.get(column.key)
            href = ""
            if column.kind == "date":
                text = _display_date(value, tz) if value else ""
            elif column.kind == "agency":
                text, href = agency.name, agency_url
            elif column.kind == "officer":
                text = value or ""
                href = f"{agency_url}?{urlencode({'officer_id': value})}" if value else ""
            elif column.choices is not None:
                text = column.choices.get(value, value or "")
            else:
                text = "" if value is None else value
            content = format_html('<a href="{}">{}</a>', href, text) if href else text
            tag = "td" if cells else 'th scope="row"'
            cells.append(format_html("<{}>{}</{}>", SafeString(tag), content,
                                     SafeString(tag.split()[0])))
        rows.append({"stop_id": row["stop_id"], "cells": SafeString("".join(cells))})
    return rows
