"""URLs under ``/il/``: the state's pages and its API (router root, agencies, statistics)."""

from django.urls import include, path

from tsdata.pages.urls import state_page_urlpatterns
from tsdata.stats.api.urls import state_api_router

app_name = "il"

urlpatterns = [
    *state_page_urlpatterns("il"),
    path("api/", include(state_api_router("il").urls)),
]
