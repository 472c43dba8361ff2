"""Root URLconf. State apps add their own ``urls.py`` (``/nc/``, ``/md/``, ``/il/``)."""

from django.contrib import admin
from django.urls import path

from traffic_stops import views

urlpatterns = [
    path("", views.home, name="home"),
    path("about", views.about, name="about"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
