"""The NC compliance report: the 2019 suite's cases (no mail for MD/IL, all reporting, a
mix of late and never-reporting agencies), through the task and the import run."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from nc.models import Agency
from tsdata.imports.notify import COMPLIANCE_ALL_REPORTING, COMPLIANCE_ATTACHED
from tsdata.models import Dataset
from tsdata.stats.testing import nc_stop
from tsdata.tasks import compliance_report

pytestmark = pytest.mark.django_db(databases="__all__")
LIST = ["compliance@example.com", "scsj@example.com"]


def _dataset(state: str) -> Dataset:
    return Dataset.objects.create(state=state, name=f"{state} data", date_received=date(2024, 1, 1),
                                  url=f"https://example.com/{state}.zip")


@pytest.fixture(autouse=True)
def _compliance_list(settings):
    settings.COMPLIANCE_REPORT_LIST = LIST


@pytest.mark.parametrize("state", ["md", "il"])
def test_no_report_for_maryland_and_illinois(state) -> None:
    Agency.objects.create(name="Never reported")  # would be out of compliance in NC
    assert compliance_report(_dataset(state).pk) == 0
    assert mail.outbox == []


def test_no_report_without_recipients(settings) -> None:
    settings.COMPLIANCE_REPORT_LIST = []
    Agency.objects.create(name="Never reported")
    assert compliance_report(_dataset("nc").pk) == 0
    assert mail.outbox == []


def test_all_agencies_reporting_within_30_days() -> None:
    now = timezone.now()
    for days in (1, 10, 30):
        nc_stop(Agency.objects.create(name=f"Agency {days}"), date=now - timedelta(days=days))
    assert compliance_report(_dataset("nc").pk) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"NC Compliance Report, {now.date():%Y-%m-%d}"
    assert message.body == COMPLIANCE_ALL_REPORTING
    assert message.attachments == []
    assert message.to == LIST


def test_late_and_never_reporting_agencies_are_attached() -> None:
    now = timezone.now()
    agencies = {}
    for days in (10, 30, 100, 130):
        agency = Agency.objects.create(name=f"Agency {days} days")
        nc_stop(agency, date=now - timedelta(days=days, hours=1))
        nc_stop(agency, date=now - timedelta(days=days + 400))  # older stops do not count
        agencies[days] = agency
    never = Agency.objects.create(name="Agency without stops")
    compliance_report(_dataset("nc").pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.body == COMPLIANCE_ATTACHED
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == ("report.csv", "text/csv")
    rows = list(csv.reader(io.StringIO(content)))
    latest = {days: agencies[days].stops.order_by("-date").first().date for days in (100, 130)}
    assert rows == [
        ["id", "name", "last_reported"],
        [str(agencies[100].pk), "Agency 100 days", str(latest[100])],
        [str(agencies[130].pk), "Agency 130 days", str(latest[130])],
        [str(never.pk), "Agency without stops", ""],
    ]
    # Python's str() of an aware UTC datetime, as the original report wrote it.
    assert rows[1][2].endswith("+00:00")
