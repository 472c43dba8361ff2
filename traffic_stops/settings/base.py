"""Settings shared by every environment. Everything deployment-specific comes from the
environment (``.env`` is loaded by ``manage.py``, ``wsgi.py`` and ``celery.py``)."""

from __future__ import annotations

from pathlib import Path

from celery.schedules import crontab

from .env import (
    STATE_APPS,
    database_settings,
    env_bool,
    env_crontab_fields,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env_str("DATA_DIR") or BASE_DIR / ".data")

SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ("localhost", "127.0.0.1", "[::1]", "testserver"))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = ["rest_framework", "drf_spectacular"]
# A state is one app named in STATE_APPS (``env.py``); its ``<app>/state.py`` says the rest.
LOCAL_APPS = ["tsdata", "census", *STATE_APPS]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "traffic_stops.middleware.StateMiddleware",
]

ROOT_URLCONF = "traffic_stops.urls"
WSGI_APPLICATION = "traffic_stops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "traffic_stops" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tsdata.pages.context.site_navigation",
            ],
        },
    },
]

DATABASES = database_settings()
DATABASE_ROUTERS = ["traffic_stops.routers.StateDatasetRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "public" / "static")
STATICFILES_DIRS = [BASE_DIR / "traffic_stops" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "public" / "media")

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "home"

# Cache: memcached through pymemcache when CACHE_HOST is set, local memory otherwise.
CACHE_HOST = env_str("CACHE_HOST")
if CACHE_HOST:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": CACHE_HOST,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "ts"),
            "OPTIONS": {"no_delay": True, "ignore_exc": True},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "traffic-stops",
        }
    }
API_CACHE_TIMEOUT = env_int("API_CACHE_TIMEOUT", 60 * 60 * 24 * 60)
API_HTTP_MAX_AGE = env_int("API_HTTP_MAX_AGE", 60 * 10)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Open Data Policing API",
    "DESCRIPTION": "Traffic-stop statistics by race and ethnicity for NC, MD and IL.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["tsdata.stats.api.schema.legacy_paths_exclude"],
}

# Email
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@opendatapolicing.com")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
ADMINS = [("ODP Team", addr) for addr in env_list("ADMIN_EMAILS")]

# Celery (Redis broker; results kept in Redis too so callers can wait on a task).
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 1  # imports are memory hungry: one per process
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# The scheduled NC import (crontab fields; production defaults to monthly) and the check
# that fails imports whose worker died (docs/imports.md).
NC_AUTO_IMPORT_SCHEDULE = env_crontab_fields("NC_AUTO_IMPORT_SCHEDULE", "0 3 * * 1")
IMPORT_PROGRESS_SECONDS = float(env_str("IMPORT_PROGRESS_SECONDS", "1.5"))
IMPORT_STALE_SECONDS = env_int("IMPORT_STALE_SECONDS", 120)
CELERY_BEAT_SCHEDULE = {
    "automatic-nc-import": {
        "task": "tsdata.tasks.download_and_import_nc_dataset",
        "schedule": crontab(**NC_AUTO_IMPORT_SCHEDULE),
    },
    "import-stale-check": {
        "task": "tsdata.tasks.import_stale_check",
        "schedule": crontab(minute="*/5"),
    },
}

# Imports
NC_FTP_HOST = env_str("NC_FTP_HOST", "sbi1.jus.state.nc.us")
NC_FTP_USER = env_str("NC_FTP_USER")
NC_FTP_PASSWORD = env_str("NC_FTP_PASSWORD")
NC_FTP_USE_TLS = env_bool("NC_FTP_USE_TLS", False)
NC_AUTO_IMPORT_DIRECTORY = env_str("NC_AUTO_IMPORT_DIRECTORY", "/tmp/NC-automated-import")
NC_AUTO_IMPORT_MONITORS = env_list("NC_AUTO_IMPORT_MONITORS", ("nc-monitor@example.com",))
COMPLIANCE_REPORT_LIST = env_list("COMPLIANCE_REPORT_LIST")
IMPORT_MAX_REJECT_SHARE = float(env_str("IMPORT_MAX_REJECT_SHARE", "0.001"))
CENSUS_API_KEY = env_str("CENSUS_API_KEY")
CENSUS_API_URL = env_str("CENSUS_API_URL", "https://api.census.gov/data")
# The pre-built ACS file ``import_census`` downloads when given no source (the original's).
CENSUS_DEFAULT_URL = env_str(
    "CENSUS_DEFAULT_URL", "https://s3-us-west-2.amazonaws.com/openpolicingdata/acs-2016.json"
)

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "basic": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "basic"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "traffic_stops": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "tsdata": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "census": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "nc": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "md": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "il": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
