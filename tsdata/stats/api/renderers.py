"""CSV for the statistics endpoints: tidy layout, one row per group and category."""

from __future__ import annotations

import csv
import io
from typing import Any

from rest_framework.renderers import BaseRenderer

PART_COLUMN = "series"


class StatsCSVRenderer(BaseRenderer):
    """``[series,] <group keys>, category, count`` with a header row.

    ``series`` names the part of two-part endpoints (e.g. ``stops``/``searches``). Error
    responses become a one-column ``error`` table so that CSV clients still get a message.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type=None, renderer_context=None) -> bytes:
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        endpoint = getattr(renderer_context.get("view"), "stats_endpoint", None)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if endpoint is None or (response is not None and response.status_code >= 400):
            writer.writerow(["error"])
            for message in _error_messages(data):
                writer.writerow([message])
            return buffer.getvalue().encode()
        parts = endpoint.all_series
        two_part = parts[0][0] is not None
        header = [PART_COLUMN] if two_part else []
        writer.writerow([*header, *parts[0][1].group_by, "category", "count"])
        for name, series in parts:
            rows = data[name] if two_part else data
            prefix = [name] if two_part else []
            for row in rows:
                groups = [row[key] for key in series.group_by]
                for category, count in row.items():
                    if category not in series.group_by:
                        writer.writerow([*prefix, *groups, category, count])
        return buffer.getvalue().encode()


def _error_messages(data: Any) -> list[str]:
    if isinstance(data, dict):
        messages = []
        for key, value in data.items():
            values = value if isinstance(value, list) else [value]
            messages.extend(str(v) if key == "detail" else f"{key}: {v}" for v in values)
        return messages
    if isinstance(data, list):
        return [str(item) for item in data]
    return [str(data)]
