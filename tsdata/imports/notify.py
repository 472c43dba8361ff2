"""Emails about imports: success, failure, and NC's compliance report (docs/imports.md).

Each function returns the number of messages sent (0 when nobody is configured to get
one), so the run service can note what went out in the import's report.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMessage, mail_admins, send_mail
from django.db.models import Max
from django.utils import timezone

if TYPE_CHECKING:
    from tsdata.models import Import

COMPLIANCE_DAYS = 90
COMPLIANCE_ALL_REPORTING = "All agencies have reported within the last 90 days."
COMPLIANCE_ATTACHED = (
    "Attached are the agencies out of compliance in the most recent data import."
)


def import_success_notify(run: Import) -> int:
    """The dataset's report addresses learn that its import completed (the original text)."""
    dataset = run.dataset
    if dataset is None:
        return 0
    recipients = [addr for addr in (dataset.report_email_1, dataset.report_email_2) if addr]
    if not recipients:
        return 0
    return send_mail(
        "Import completed successfully",
        f"Import of {dataset} completed successfully",
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )


def import_failure_notify(run: Import) -> int:
    """The admins (``ADMINS``) get the error and where the import stopped."""
    if not settings.ADMINS:
        return 0
    lines = [
        f"Import #{run.pk} of {run.dataset or run.source} ({run.state.upper()}) failed.",
        f"Started by: {run.started_by_label}",
        f"Phase: {run.phase}",
        "",
        "Error:",
        run.error,
        "",
        "Live data of the state are as they were before the import.",
    ]
    mail_admins(f"Import #{run.pk} ({run.state.upper()}) failed", "\n".join(lines))
    return len(settings.ADMINS)


def agencies_out_of_compliance(*, now=None) -> list[tuple[int, str, object]]:
    """NC agencies whose latest stop is over 90 days old, most recent first, then those
    with no stop at all (``None``): (id, name, last stop as an aware UTC datetime)."""
    agency_model = apps.get_model("nc", "Agency")
    limit = (now or timezone.now()) - timedelta(days=COMPLIANCE_DAYS)
    rows = list(
        agency_model.objects.annotate(last_reported=Max("stops__date"))
        .values_list("id", "name", "last_reported")
    )
    dated = sorted((r for r in rows if r[2] is not None and r[2] < limit),
                   key=lambda r: r[2], reverse=True)
    never = sorted((r for r in rows if r[2] is None), key=lambda r: r[0])
    return dated + never


def compliance_report_send(*, state: str) -> int:
    """After an NC import: which agencies stopped reporting, to ``COMPLIANCE_REPORT_LIST``.

    Dates are written as Python prints an aware UTC datetime, as the original report did.
    """
    recipients = list(settings.COMPLIANCE_REPORT_LIST)
    if state != "nc" or not recipients:
        return 0
    now = timezone.now()
    subject = f"NC Compliance Report, {now.date():%Y-%m-%d}"
    rows = agencies_out_of_compliance(now=now)
    if not rows:
        return send_mail(subject, COMPLIANCE_ALL_REPORTING, settings.DEFAULT_FROM_EMAIL,
                         recipients)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "name", "last_reported"])
    for agency_id, name, last in rows:
        writer.writerow([agency_id, name, "" if last is None else str(last)])
    message = EmailMessage(subject, COMPLIANCE_ATTACHED, settings.DEFAULT_FROM_EMAIL, recipients)
    message.attach("report.csv", buffer.getvalue(), "text/csv")
    return message.send()
