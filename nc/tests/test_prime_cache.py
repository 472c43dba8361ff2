"""Cache priming answers every endpoint of the largest agencies and fills the cache."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from nc.models import Agency, Person, Stop
from nc.prime_cache import cache_prime
from nc.stats import STATS
from tsdata.stats.services import summary_rebuild


@pytest.mark.django_db(databases="__all__")
def test_cache_prime_fills_the_response_cache() -> None:
    cache.clear()
    agencies = [Agency.objects.create(name=f"Agency {i}") for i in range(3)]
    eastern = ZoneInfo("America/New_York")
    for number, agency in enumerate(agencies * 2, start=1):
        stop = Stop.objects.create(
            stop_id=number, agency=agency, agency_description=agency.name,
            date=datetime(2015, 5, number, tzinfo=eastern), purpose=1, action=1,
            officer_id="7", stop_location="", stop_city="",
        )
        Person.objects.create(person_id=number, stop=stop, type="D", age=30, gender="M",
                              ethnicity="N", race="B")
    summary_rebuild("nc")
    message = cache_prime(agencies=2)
    assert message.startswith(f"primed {2 * len(STATS.endpoints)} responses of 2 agencies")
    keys = list(cache._cache.keys())  # locmem in tests: inspect what was stored
    assert len(keys) >= 2 * len(STATS.endpoints)
