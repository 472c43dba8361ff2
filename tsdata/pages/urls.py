"""URL patterns of a state's pages (``/<state>/``), the same for every state."""

from __future__ import annotations

from django.urls import URLPattern, path

from tsdata.pages import views


def state_page_urlpatterns(state: str) -> list[URLPattern]:
    bound = {"state": state}
    return [
        path("", views.state_home, bound, name="home"),
        path("agency/", views.agency_list, bound, name="agency-list"),
        path("agency/lookup/", views.agency_lookup, bound, name="agency-lookup"),
        path("agency/<int:agency_id>/", views.agency_detail, bound, name="agency-detail"),
        path("agency/<int:agency_id>/charts/<slug:chart_id>.csv", views.chart_csv, bound,
             name="chart-csv"),
    ]
