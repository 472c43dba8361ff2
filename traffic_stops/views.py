"""Site-wide pages: home, about and a health check."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from tsdata.selectors import state_facts_by_key


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"facts": state_facts_by_key()})


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "about.html")


def healthz(request: HttpRequest) -> JsonResponse:
    """Cheap liveness check (also the floor of the API latency benchmark)."""
    return JsonResponse({"status": "ok"})
