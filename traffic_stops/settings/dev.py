"""Local development and ``make demo``: debug on unless ``DEBUG=false``, console email.

Static files are served by whitenoise straight from the apps' static folders (finders, no
``collectstatic``), so the site has its styles under gunicorn and with debug off, where
Django's own static view does not serve.
"""

from .base import *  # noqa: F403
from .base import MIDDLEWARE
from .env import env_bool, env_str

DEBUG = env_bool("DEBUG", True)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

MIDDLEWARE = [
    MIDDLEWARE[0],  # SecurityMiddleware stays first
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True  # edited CSS/JS shows on reload; never in production
