"""URLs under ``/md/``: the state's pages and its API (router root, agencies, statistics)."""

from django.urls import include, path

from tsdata.pages.urls import state_page_urlpatterns
from tsdata.stats.api.urls import state_api_router
from tsdata.stopsearch.urls import stop_search_path

app_name = "md"

urlpatterns = [
    *state_page_urlpatterns("md"),
    path("api/", include(state_api_router("md").urls)),
    stop_search_path("md"),
]
