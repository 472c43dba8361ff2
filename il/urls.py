"""URLs under ``/il/``: the API (DRF router root, agencies, statistics)."""

from django.urls import include, path

from tsdata.stats.api.urls import state_api_router

app_name = "il"

urlpatterns = [
    path("api/", include(state_api_router("il").urls)),
]
