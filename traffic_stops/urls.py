"""Root URLconf: site pages, each state app's URLs, API schema and reference, legacy NC API."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from traffic_stops import views
from tsdata.states import state_definitions
from tsdata.stats.api.reference import api_reference
from tsdata.stats.api.urls import legacy_nc_urlpatterns

urlpatterns = [
    path("", views.home, name="home"),
    path("about", views.about, name="about"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    *(path(f"{state.key}/", include(f"{state.key}.urls", namespace=state.key))
      for state in state_definitions()),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_reference, name="api-docs"),
    # Pre-2016 NC paths of the public docs: same answers, with a canonical Link header.
    path("api/", include((legacy_nc_urlpatterns(), "nc-legacy"))),
]

# JSON under /api/ and /<state>/api/, the site's error pages elsewhere (traffic_stops/errors.py).
handler400 = "traffic_stops.errors.bad_request"
handler403 = "traffic_stops.errors.permission_denied"
handler404 = "traffic_stops.errors.page_not_found"
handler500 = "traffic_stops.errors.server_error"
