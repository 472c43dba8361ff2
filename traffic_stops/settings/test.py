"""Tests: real PostgreSQL (all four databases), real Redis; fast hashing, locmem email.

``TEST_DB_PREFIX`` lets several test runs share one PostgreSQL server without
clobbering each other's test databases.
"""

from .base import *  # noqa: F403
from .base import ADMINS, DATABASES
from .env import env_str

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test process always gets locmem (pytest-django); a Celery worker started by the tests
# writes its mail to files under EMAIL_FILE_PATH instead, which the tests read back.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or None
ADMINS = ADMINS or [("ODP Team", "odp-admins@example.com")]
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "traffic-stops-test",
    }
}
NC_AUTO_IMPORT_MONITORS = ["nc-monitor@example.com"]

_prefix = env_str("TEST_DB_PREFIX", "test_")
for _alias, _config in DATABASES.items():
    _config["CONN_MAX_AGE"] = 0
    _config.setdefault("TEST", {})["NAME"] = f"{_prefix}{_config['NAME']}"
