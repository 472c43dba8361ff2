"""Site-wide pages: home, about and a health check."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from traffic_stops.health import site_health
from tsdata.selectors import state_facts_by_key


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"facts": state_facts_by_key()})


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "about.html")


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
