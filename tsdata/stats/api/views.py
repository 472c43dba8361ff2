"""The agency API of a state: list, detail and the statistics endpoints of its config.

One class of views serves the three states; ``agency_viewset_class`` binds a state's
``StateStats`` and adds one action per endpoint the state offers.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from tsdata.stats.api import caching, schema
from tsdata.stats.api.renderers import StatsCSVRenderer
from tsdata.stats.definitions import ENDPOINTS, Endpoint, StateStats
from tsdata.stats.registry import stats_config
from tsdata.stats.selectors import agencies_with_census, agency_exists, endpoint_data

# Agency ids are PostgreSQL integers; anything else cannot exist.
_AGENCY_ID = re.compile(r"\A[0-9]{1,10}\Z")
_MAX_AGENCY_ID = 2**31 - 1


def agency_id_valid(pk: str | None) -> int | None:
    """The agency id in the URL, or None when it cannot be an agency id at all."""
    if pk is None or not _AGENCY_ID.match(pk) or int(pk) > _MAX_AGENCY_ID:
        return None
    return int(pk)


def agency_id_parse(pk: str | None) -> int:
    agency_id = agency_id_valid(pk)
    if agency_id is None:
        raise NotFound()
    return agency_id


def officer_param(request: Request, config: StateStats) -> str | None:
    """The ``officer`` filter (NC, MD): exact id, or None for all officers."""
    if not config.officer_filter:
        return None
    values = request.query_params.getlist("officer")
    if len(values) > 1:
        raise ValidationError({"officer": ["Give the officer parameter at most once."]})
    return values[0] if values and values[0] else None


class AgencyViewSetBase(viewsets.ViewSet):
    """Agencies of one state and their statistics (bound to a state by subclassing)."""

    stats: StateStats
    stats_endpoint: Endpoint | None = None
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    lookup_value_regex = "[^/.]+"

    def get_view_name(self) -> str:
        return f"{self.stats.state.upper()} agencies"

    @extend_schema(
        # A list action: drf-spectacular wraps the item schema in an array itself.
        responses={200: OpenApiResponse(response=schema.agency_schema())},
        summary="All agencies (id order, no pagination)",
    )
    def list(self, request: Request, format: str | None = None) -> Response:
        return Response(agencies_with_census(config=self.stats))

    @extend_schema(
        responses={200: OpenApiResponse(response=schema.agency_schema()), 404: schema.NOT_FOUND},
        parameters=[schema.AGENCY_ID],
        summary="One agency with its census profile",
    )
    def retrieve(self, request: Request, pk: str | None = None, format: str | None = None):
        rows = agencies_with_census(config=self.stats, agency_id=agency_id_parse(pk))
        if not rows:
            raise NotFound()
        return Response(rows[0])

    def stats_respond(self, request: Request, endpoint: Endpoint, pk: str | None) -> Response:
        self.stats_endpoint = endpoint
        agency_id = agency_id_parse(pk)
        officer = officer_param(request, self.stats)
        if not agency_exists(config=self.stats, agency_id=agency_id):
            raise NotFound()
        data = endpoint_data(
            config=self.stats, endpoint=endpoint, agency_id=agency_id, officer=officer
        )
        response = Response(data)
        if request.accepted_renderer.format == "csv":
            filename = f"{self.stats.state}-agency-{agency_id}-{endpoint.name}.csv"
            response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response

    def dispatch(self, request, *args, **kwargs):
        """Serve statistics from the data-versioned cache; 304 on a matching ETag."""
        endpoint = self._stats_endpoint_of(request)
        fmt = kwargs.get("format") or request.GET.get("format") or caching.accept_format(request)
        officers = request.GET.getlist("officer") if self.stats.officer_filter else []
        agency_id = agency_id_valid(kwargs.get("pk"))
        cacheable = (
            endpoint is not None
            and fmt in caching.CACHED_FORMATS
            and len(officers) <= 1
            and agency_id is not None
        )
        if not cacheable:
            return super().dispatch(request, *args, **kwargs)
        slot = caching.cache_slot(
            state=self.stats.state,
            endpoint=endpoint.name,
            agency_id=agency_id,
            officer=officers[0] if officers else None,
            fmt=fmt,
        )
        return caching.response_cached(
            request, slot, render=lambda: super(AgencyViewSetBase, self).dispatch(
                request, *args, **kwargs
            )
        )

    def _stats_endpoint_of(self, request) -> Endpoint | None:
        action_name = getattr(self, "action_map", {}).get(request.method.lower())
        if action_name in self.stats.endpoints:
            return ENDPOINTS[action_name]
        return None


def _stats_action(config: StateStats, endpoint: Endpoint):
    def view(self, request: Request, pk: str | None = None, format: str | None = None):
        return self.stats_respond(request, endpoint, pk)

    view.__name__ = endpoint.name
    view.__doc__ = endpoint.description
    routed = action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer, BrowsableAPIRenderer, StatsCSVRenderer],
    )(view)
    return extend_schema(
        summary=endpoint.title,
        description=endpoint.description + " See docs/api.md for exactly what is counted.",
        parameters=schema.officer_parameters(config),
        responses={
            200: OpenApiResponse(
                response=schema.endpoint_schema(config, endpoint),
                description="Counts per group and race/ethnicity category.",
                examples=[
                    OpenApiExample(
                        f"{config.state.upper()} {endpoint.name} (illustrative numbers)",
                        value=schema.example_value(config, endpoint),
                        status_codes=["200"],
                    )
                ],
            ),
            400: schema.BAD_REQUEST,
            404: schema.NOT_FOUND,
        },
    )(routed)


def agency_viewset_class(state: str) -> type[AgencyViewSetBase]:
    """The agency viewset of ``state`` with one action per statistics endpoint it offers."""
    config = stats_config(state)
    attributes = {
        "stats": config,
        "__module__": __name__,
        "__doc__": f"Agencies of {config.state.upper()} and their traffic-stop statistics.",
    }
    for name in config.endpoints:
        attributes[name] = _stats_action(config, ENDPOINTS[name])
    return type(f"{state.upper()}AgencyViewSet", (AgencyViewSetBase,), attributes)
