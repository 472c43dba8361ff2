"""Container health checks (docker-compose): ``python conf/healthcheck.py web|broker``.

``web``: ``GET /healthz`` on the local gunicorn, the site's own check of every database, the
cache and the broker. It sends a Host header the site accepts (the first ``ALLOWED_HOSTS``
entry), since Django answers 400 to a host it does not serve. ``HEALTHCHECK_URL`` overrides
the address (default: the port of ``GUNICORN_BIND``).

``broker``: PING the Redis broker of ``REDIS_URL``: what Celery beat needs to do its job.

Exit status 0 when healthy, 1 otherwise (with the reason on stderr), as Docker expects.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TIMEOUT_SECONDS = 10


def probe_host() -> str:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts or hosts[0] == "*":
        return "localhost"
    return hosts[0].lstrip(".")  # ".example.org" allows example.org and its subdomains


def web_url() -> str:
    if os.environ.get("HEALTHCHECK_URL"):
        return os.environ["HEALTHCHECK_URL"]
    port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
    return f"http://127.0.0.1:{port}/healthz"


def check_web() -> str | None:
    request = urllib.request.Request(web_url(), headers={"Host": probe_host()})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return None if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}: {exc.read()[:500].decode(errors='replace')}"
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"


def check_broker() -> str | None:
    from traffic_stops.health import broker_url_ping

    try:
        broker_url_ping(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), 5.0)
    except Exception as exc:  # every failure is an unhealthy container, with its reason
        return f"{type(exc).__name__}: {exc}"
    return None


def main(argv: list[str]) -> int:
    checks = {"web": check_web, "broker": check_broker}
    if len(argv) != 2 or argv[1] not in checks:
        print(f"usage: {argv[0]} {'|'.join(checks)}", file=sys.stderr)
        return 2
    problem = checks[argv[1]]()
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
