"""Fixtures of the Find a Stop tests: an empty count cache per test."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    # Counts are cached per data version, which tests do not bump between their own data.
    cache.clear()
    yield
    cache.clear()
