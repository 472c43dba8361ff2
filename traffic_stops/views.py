"""Site-wide pages: home, about and a health check."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from traffic_stops.health import site_health
from tsdata.dashboard.config import dashboard_config
from tsdata.selectors import state_facts_by_key
from tsdata.states import STATE_CHOICES
from tsdata.stats.definitions import ENDPOINTS
from tsdata.stats.metrics import DERIVED_MEASURES


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"facts": state_facts_by_key()})


def about(request: HttpRequest) -> HttpResponse:
    """What the data are and mean, from the same definitions the API and dashboards use."""
    return render(request, "about.html", {
        "sources": [
            {"key": key, "name": name, "source": dashboard_config(key).data_source,
             "start_year": dashboard_config(key).start_year}
            for key, name in STATE_CHOICES
        ],
        "endpoints": list(ENDPOINTS.values()),
        "measures": DERIVED_MEASURES,
    })


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every database, the cache and the broker answer, else 503 naming what failed.

    ``?live`` only says the process serves requests (no dependency is touched): a liveness
    probe, and the floor of the API benchmarks.
    """
    if "live" in request.GET:
        response = JsonResponse({"status": "ok"})
    else:
        health = site_health()
        response = JsonResponse(health.as_dict(), status=200 if health.ok else 503)
    response["Cache-Control"] = "no-store"
    return response
