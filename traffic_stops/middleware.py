"""Sets ``request.state`` to the state key of the URL (``/nc/...``), else None."""

import re

from traffic_stops.routers import STATE_APP_LABELS

_STATE_PREFIX = re.compile(r"^/(\w\w)/")


class StateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = _STATE_PREFIX.match(request.path_info)
        request.state = match.group(1) if match and match.group(1) in STATE_APP_LABELS else None
        return self.get_response(request)
