"""Human API reference page, rendered on the server from the OpenAPI schema (no CDN)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator

FORMAT_HELP = "json or csv; the same as ending the path in .json or .csv"


@lru_cache(maxsize=1)
def openapi_schema() -> dict[str, Any]:
    """The OpenAPI document (generated once per process: it only changes with the code)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def reference_operations() -> list[dict[str, Any]]:
    """Operations in path order with their parameters and a pretty-printed example."""
    operations = []
    for path, methods in openapi_schema()["paths"].items():
        for method, operation in methods.items():
            ok = operation.get("responses", {}).get("200", {})
            content = ok.get("content", {}).get("application/json", {})
            examples = content.get("examples", {})
            example = next(iter(examples.values()), {}).get("value") if examples else None
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {**p, "description": p.get("description") or FORMAT_HELP}
                        if p.get("name") == "format" else p
                        for p in operation.get("parameters", [])
                        if p.get("in") == "query"
                    ],
                    "formats": sorted(ok.get("content", {}).keys()),
                    "example": json.dumps(example, indent=1) if example is not None else "",
                }
            )
    return operations


def api_reference(request: HttpRequest) -> HttpResponse:
    return render(request, "api/reference.html", {"operations": reference_operations()})
