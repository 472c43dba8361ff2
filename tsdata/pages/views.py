"""State pages: landing page, agency finder and list, agency/officer dashboard, chart CSVs.

Views stay thin: reads come from ``tsdata.pages.selectors`` and the dashboard document from
``tsdata.dashboard``; one set of views serves the three states (bound by URL kwargs).
"""

from __future__ import annotations

import csv
import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from tsdata.dashboard.config import dashboard_config
from tsdata.dashboard.document import (
    chart_find,
    dashboard_api_bodies,
    dashboard_sections,
    dashboard_years,
)
from tsdata.pages import selectors
from tsdata.pages.forms import AgencyFinderForm
from tsdata.selectors import state_facts_one
from tsdata.states import state_config
from tsdata.stats.api import caching
from tsdata.stats.registry import stats_config
from tsdata.stats.selectors import agencies_with_census

_YEAR = re.compile(r"\A[0-9]{4}\Z")


def _finder(request: HttpRequest, state: str):
    """The agency finder of a page: (form, matching agencies, redirect or None).

    A picked suggestion or a name that only one agency has opens its dashboard; several
    matches are listed; no match is an error on the form (never a silent re-render)."""
    if "agency" not in request.GET and "agency_id" not in request.GET:
        return AgencyFinderForm(), [], None
    form = AgencyFinderForm(request.GET)
    if not form.is_valid():
        return form, [], None
    name, picked = form.cleaned_data["agency"].strip(), form.cleaned_data["agency_id"]
    agency = selectors.agency_by_id(state=state, agency_id=picked) if picked else None
    if agency is not None and agency.name == name:
        return form, [], redirect(_detail_url(state, agency.pk))
    matches = selectors.agencies_matching(state=state, term=name)
    exact = [match for match in matches if match["name"].lower() == name.lower()]
    if len(exact) == 1 or len(matches) == 1:
        return form, [], redirect(_detail_url(state, (exact or matches)[0]["id"]))
    if not matches:
        form.add_error("agency", f"No agency name contains “{name}”. Try part of the name, "
                                 "such as the city or county.")
    return form, matches, None


def _detail_url(state: str, agency_id: int) -> str:
    return reverse(f"{state}:agency-detail", kwargs={"agency_id": agency_id})


def _page_context(state: str) -> dict:
    return {"state": state_config(state), "pages": dashboard_config(state)}


def _finder_page(request: HttpRequest, state: str, template: str, read) -> HttpResponse:
    """A page with the agency finder: its redirect, or the page with ``read()``'s context."""
    form, matches, response = _finder(request, state)
    if response:
        return response
    return render(request, template,
                  {**_page_context(state), "form": form, "matches": matches, **read()})


@require_GET
def state_home(request: HttpRequest, state: str) -> HttpResponse:
    return _finder_page(request, state, "pages/state_home.html", lambda: {
        "facts": state_facts_one(state),
        "stop_search_example": (state_config(state).stop_search_config().form_class.agency_help
                                if state_config(state).stop_search else ""),
    })


@require_GET
def agency_list(request: HttpRequest, state: str) -> HttpResponse:
    return _finder_page(request, state, "pages/agency_list.html",
                        lambda: {"sorted_agencies": selectors.agency_list_grouped(state=state)})


@require_GET
def agency_lookup(request: HttpRequest, state: str) -> JsonResponse:
    """Type-ahead suggestions: ``?term=`` → at most 30 agencies with their dashboard URL."""
    matches = selectors.agencies_matching(state=state, term=request.GET.get("term", "")[:255])
    return JsonResponse({"results": [
        {**match, "url": _detail_url(state, match["id"])} for match in matches
    ]})


def _not_found(request: HttpRequest, state: str, message: str) -> HttpResponse:
    return render(request, "pages/not_found.html",
                  {**_page_context(state), "message": message}, status=404)


def _dashboard_scope(request: HttpRequest, state: str, agency_id: int):
    """(agency, officer, error page): the agency and officer of the URL, or a 404 page."""
    agency = selectors.agency_by_id(state=state, agency_id=agency_id)
    if agency is None:
        return None, None, _not_found(request, state, f"There is no agency with id {agency_id} "
                                                      f"in the {state_config(state).name} data.")
    officer = request.GET.get("officer_id") or None
    if officer is not None:
        if not stats_config(state).officer_filter:
            return None, None, _not_found(
                request, state, f"The {state_config(state).name} data do not identify "
                                "officers, so there is no officer view.")
        if not selectors.officer_has_stops(state=state, agency_id=agency.pk, officer=officer):
            return None, None, _not_found(
                request, state, f"{agency.name} has no stop by an officer with id "
                                f"“{officer[:40]}”.")
    return agency, officer, None


def _year_param(request: HttpRequest, years: list[int]) -> tuple[int | None, str]:
    raw = request.GET.get("year", "").strip()
    if not raw or raw == "all":
        return None, ""
    if _YEAR.match(raw) and int(raw) in years:
        return int(raw), ""
    return None, f"There are no stops in “{raw[:20]}” for this view; showing all years."


def _dashboard(request: HttpRequest, state: str, agency, officer: str | None):
    config = dashboard_config(state)
    bodies = dashboard_api_bodies(state=state, agency_id=agency.pk, officer=officer)
    years = dashboard_years(config, bodies)
    year, notice = _year_param(request, years)
    resource = agencies_with_census(config=stats_config(state), agency_id=agency.pk)[0]
    sections = dashboard_sections(
        config, bodies, year=year, census=resource["census_profile"],
        census_year=resource.get("census_year"), officer=bool(officer),
    )
    return sections, years, year, notice, resource


@require_GET
def agency_detail(request: HttpRequest, state: str, agency_id: int) -> HttpResponse:
    agency, officer, error = _dashboard_scope(request, state, agency_id)
    if error:
        return error

    def render_page() -> HttpResponse:
        sections, years, year, notice, resource = _dashboard(request, state, agency, officer)
        drawing = {"year": year, "charts": {
            chart.id: {"mark": chart.mark, "points": chart.points, "kind": chart.value_kind,
                       "shown": chart.shown_series, "series": chart.series, "xLabel": chart.x_label,
                       "title": chart.title}
            for section in sections for chart in section.charts if chart.drawable
        }}
        return TemplateResponse(request, "pages/agency_detail.html", {
            **_page_context(state), "agency": agency, "officer": officer,
            "sections": sections, "years": years, "year": year, "notice": notice,
            "has_census": bool(resource["census_profile"]), "drawing": drawing,
        })

    if request.user.is_authenticated:  # staff see their own navigation: never cached
        return render_page()
    slot = caching.cache_slot(state=state, endpoint=f"page:{request.GET.get('year', '')}",
                              agency_id=agency.pk, officer=officer, fmt="html")
    return caching.response_cached(request, slot, render=render_page)


@require_GET
def chart_csv(request: HttpRequest, state: str, agency_id: int, chart_id: str) -> HttpResponse:
    """The table of one chart as CSV (same numbers as the page's table view)."""
    agency, officer, error = _dashboard_scope(request, state, agency_id)
    if error:
        return error
    sections, _, year, _, _ = _dashboard(request, state, agency, officer)
    chart = chart_find(sections, chart_id)
    if chart is None:
        return _not_found(request, state, f"This dashboard has no chart “{chart_id[:40]}”.")
    parts = [state, "agency", str(agency.pk)]
    if officer:
        parts += ["officer", re.sub(r"[^A-Za-z0-9_-]", "_", officer)[:20]]
    filename = "-".join([*parts, str(year or "all-years"), chart.id]) + ".csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([column.label for column in chart.columns])
    for row in chart.rows:
        writer.writerow(["" if value is None else value for value in row])
    return response
