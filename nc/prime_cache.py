"""Warm the response cache for the largest NC agencies right after an import (``--noprime``).

Summary tables make first hits fast already; priming moves even that work out of the
first visitors' way. Requests go through Django's test client so that they take exactly
the path a real request takes and land in the shared (memcached) response cache.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db.models import Count
from django.test import Client

from nc.models import Agency
from nc.stats import STATS

logger = logging.getLogger(__name__)
PRIMED_AGENCIES = 10


def _host() -> str:
    hosts = [host for host in settings.ALLOWED_HOSTS if host and "*" not in host]
    return hosts[0].lstrip(".") if hosts else "127.0.0.1"


def cache_prime(*, agencies: int = PRIMED_AGENCIES) -> str:
    """Request every NC statistics endpoint (JSON) for the ``agencies`` largest agencies.

    Raises ``RuntimeError`` when an endpoint does not answer 200, so a broken import is
    noticed at import time rather than by the first visitor.
    """
    client = Client(HTTP_HOST=_host(), HTTP_ACCEPT="application/json")
    largest = (
        Agency.objects.annotate(stop_count=Count("stops")).filter(stop_count__gt=0)
        .order_by("-stop_count", "id")[:agencies]
    )
    started = time.monotonic()
    primed = 0
    for agency in largest:
        for endpoint in STATS.endpoints:
            url = f"/nc/api/agency/{agency.pk}/{endpoint}/"
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"Priming {url} answered {response.status_code}")
            primed += 1
        logger.info("Primed cache for agency %s:%s", agency.pk, agency.name)
    return f"primed {primed} responses of {len(largest)} agencies in " \
           f"{time.monotonic() - started:.1f} s"
