"""URL patterns of a state's API (``/<state>/api/``) and the legacy NC aliases (``/api/``)."""

from __future__ import annotations

from functools import wraps

from django.urls import URLPattern, URLResolver
from rest_framework.routers import DefaultRouter

from tsdata.stats.api.views import agency_viewset_class


def state_api_router(state: str) -> DefaultRouter:
    router = DefaultRouter()
    router.register("agency", agency_viewset_class(state), basename="agency-api")
    return router


def canonical_link(view, *, prefix: str):
    """Wrap ``view`` so that it answers as usual plus ``Link: <prefixed URL>; rel="canonical"``."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        canonical = request.build_absolute_uri(prefix + request.get_full_path())
        response["Link"] = f'<{canonical}>; rel="canonical"'
        return response

    return wrapped


def legacy_nc_urlpatterns() -> list[URLPattern | URLResolver]:
    """``/api/agency/...``: the pre-2016 NC paths of the public docs (not redirects)."""
    patterns = []
    for pattern in state_api_router("nc").urls:
        if pattern.name in ("api-root", None) or "agency" not in str(pattern.pattern):
            continue
        pattern.callback = canonical_link(pattern.callback, prefix="/nc")
        patterns.append(pattern)
    return patterns
