"""Test-only URLconf: the real site plus views that fail, to exercise the error handlers."""

from django.urls import path

from traffic_stops.urls import handler400, handler403, handler404, handler500  # noqa: F401
from traffic_stops.urls import urlpatterns as site_urlpatterns


def _raise(request, *args, **kwargs):
    raise RuntimeError("deliberate failure for the error-handler tests")


urlpatterns = [
    path("nc/api/boom/", _raise),
    path("api/boom/", _raise),
    path("boom/", _raise),
    *site_urlpatterns,
]
