"""Error views (``handler400/403/404/500``): JSON under the API, the site's pages elsewhere.

API clients parse every answer as JSON, including errors that never reach a DRF view (a path
whose id segment does not match the URL pattern, an exception DRF does not handle), so paths
under ``/<state>/api/`` and ``/api/`` get ``{"detail": ...}`` with the same status a page
would have. Everything else gets the site's templates ``404.html`` / ``500.html``.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views import defaults

from traffic_stops.routers import STATE_APP_LABELS

_STATES = "|".join(sorted(STATE_APP_LABELS))
_API_PATH = re.compile(rf"^/(?:(?:{_STATES})/)?api(?:/|$)")


def path_is_api(request: HttpRequest) -> bool:
    """True for ``/api/...`` and ``/<state>/api/...`` (the decoded path, without the query)."""
    return bool(_API_PATH.match(request.path_info))


def _json_error(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if path_is_api(request):
        return _json_error("Bad request.", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if path_is_api(request):
        return _json_error("You do not have permission to perform this action.", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if path_is_api(request):
        return _json_error("Not found.", 404)
    return render(request, "404.html", {"request_path": request.path}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without a request context: whatever broke the view may break that too."""
    if path_is_api(request):
        return _json_error("Server error.", 500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)
