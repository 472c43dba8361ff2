"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

from traffic_stops.load_env import load_env

load_env()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traffic_stops.settings.production")

application = get_wsgi_application()

# Only web processes read state data from replicas (imports and commands stay on primaries).
from traffic_stops.routers import replica_reads_enable  # noqa: E402 - needs settings first

replica_reads_enable()
