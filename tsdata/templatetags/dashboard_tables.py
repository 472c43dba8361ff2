"""The body of a chart's table, built in one pass: the largest dashboards have over a
thousand cells, which Django's template loops render several times slower."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def chart_table_body(rows: list[list[str]]) -> SafeString:
    """``<tr>`` rows: the first cell a row header, the others right-aligned numbers."""
    return format_html_join("\n", '<tr><th scope="row">{}</th>{}</tr>', (
        (row[0], format_html_join("", '<td class="num">{}</td>', ((cell,) for cell in row[1:])))
        for row in rows
    ))
