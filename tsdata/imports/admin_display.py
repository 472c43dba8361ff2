"""HTML the admin shows for an import: the live status cell and the report as tables.

Everything goes through ``format_html`` (file names, reasons and errors come from raw
data and are escaped). ``import_status_data`` is what the status endpoint returns, so the
cell drawn by the server and the one redrawn by the page's script show the same things.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from tsdata.models import Import

FILE_COLUMNS = (
    ("read", "read"), ("loaded", "loaded"), ("rejected", "rejected"), ("cut_off", "cut off"),
    ("outside_subset", "outside subset"), ("blank_lines", "blank lines"),
)


def import_status_data(run: Import) -> dict:
    """The live fields of one import (JSON for the admin's script)."""
    return {
        "id": run.pk,
        "status": run.status,
        "phase": run.phase,
        "rows": run.rows,
        "progress": run.progress,
        "active": run.active,
        "error": run.error[:300],
        "date_finished": run.date_finished.isoformat() if run.date_finished else None,
    }


def import_status_cell(run: Import) -> SafeString:
    """Status badge, progress bar (indeterminate without a known share) and phase text."""
    data = import_status_data(run)
    detail = _detail_text(data)
    if run.active:
        value = "" if run.progress is None else format_html(' value="{}"', f"{run.progress:.3f}")
        bar = format_html('<progress class="import-bar" max="1"{}></progress>', value)
    else:
        bar = ""
    return format_html(
        '<div class="import-progress" data-import-id="{}" data-status="{}" '
        'data-status-url="{}"><span class="import-status import-status-{}">{}</span>{}'
        '<span class="import-detail">{}</span></div>',
        run.pk, run.status, reverse("admin:tsdata_import_status"), run.status,
        run.get_status_display(), bar, detail,
    )


def _detail_text(data: dict) -> str:
    parts = []
    if data["active"] and data["phase"]:
        parts.append(data["phase"])
    if data["rows"]:
        parts.append(f"{data['rows']:,} rows")
    if data["active"] and data["progress"] is not None:
        parts.append(f"{data['progress'] * 100:.0f}% read")
    return " · ".join(parts)


def report_tables(report: dict) -> SafeString:
    """The import report as readable tables: files, rejects, phases, notes."""
    if not report:
        return mark_safe("<p>No report (the import did not get far enough to write one).</p>")
    parts = [format_html(
        "<p>{} import {} in {} s; source {}.</p>",
        str(report.get("state", "")).upper(),
        "succeeded" if report.get("successful") else "failed",
        report.get("total_seconds", "?"), report.get("source", ""),
    )]
    if report.get("error"):
        parts.append(format_html('<p class="errornote">{}</p>', report["error"]))
    files = report.get("files") or {}
    if files:
        head = format_html_join("", "<th>{}</th>", ((label,) for _, label in FILE_COLUMNS))
        rows = format_html_join(
            "", "<tr><td>{}</td>{}<td>{}</td></tr>",
            ((name, _count_cells(counts), _reasons_list(counts)) for name, counts in files.items()),
        )
        parts.append(format_html(
            '<h3>Files</h3><table class="import-report"><thead><tr><th>file</th>{}'
            "<th>rejected because</th></tr></thead><tbody>{}</tbody></table>", head, rows,
        ))
    phases = report.get("phases") or {}
    if phases:
        order = [n for n in report.get("phase_order", []) if n in phases]
        order += [n for n in phases if n not in order]
        rows = format_html_join(
            "", '<tr><td>{}</td><td class="num">{}</td></tr>',
            ((name, f"{phases[name]:,.1f}") for name in order),
        )
        parts.append(format_html(
            '<h3>Phases</h3><table class="import-report"><thead><tr><th>phase</th>'
            "<th>seconds</th></tr></thead><tbody>{}</tbody></table>", rows,
        ))
    for title, key in (("Notes", "notes"), ("Notifications sent", "notifications"),
                       ("New agencies", "new_agencies")):
        items = report.get(key) or []
        if items:
            parts.append(format_html(
                "<h3>{}</h3><ul>{}</ul>", title,
                format_html_join("", "<li>{}</li>", ((item,) for item in items)),
            ))
    return mark_safe("".join(parts))


def _count_cells(counts: dict) -> SafeString:
    return format_html_join(
        "", '<td class="num">{}</td>', ((f"{counts.get(key, 0):,}",) for key, _ in FILE_COLUMNS)
    )


def _reasons_list(counts: dict) -> SafeString:
    reasons = counts.get("reject_reasons") or {}
    if not reasons:
        return mark_safe("")
    items = format_html_join(
        "", "<li>{} × {}</li>", ((f"{n:,}", reason) for reason, n in reasons.items())
    )
    examples = counts.get("reject_examples") or []
    shown = format_html_join(
        "", "<li>{}</li>",
        ((", ".join(f"{k} {v}" for k, v in example.items()),) for example in examples[:5]),
    )
    more = format_html("<details><summary>first rejects</summary><ul>{}</ul></details>", shown)
    return format_html("<ul>{}</ul>{}", items, more if examples else "")
