"""MD Find a Stop pages, including the view cases the 2019 suite checked."""

from __future__ import annotations

import datetime as dt

import pytest

from md.models import Agency, Stop
from tsdata.stats.testing import EASTERN, local_datetime, md_stop
from tsdata.stopsearch.tests.helpers import csv_rows, page_links, page_rows

pytestmark = pytest.mark.django_db(databases="__all__")
URL = "/md/search/"


@pytest.fixture
def msp() -> Agency:
    return Agency.objects.create(name="Maryland State Police")


def test_unknown_agency_is_an_error(client, msp) -> None:
    md_stop(msp, ethnicity="B")
    response = client.get(URL, {"agency": "Nobody's Police"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "No agency named “Nobody&#x27;s Police”." in body
    assert "error" in body and "Stops (" not in body


def test_messages_are_summarised_and_linked_to_their_fields(client, msp) -> None:
    body = client.get(URL, {"agency": msp.name, "start_date": "2014-05-01",
                            "end_date": "2014-04-01", "age": "200"}).content.decode()
    assert 'role="alert"' in body
    assert ('<a href="#id_end_date">End Date: End date must be greater than or equal to '
            "start-date</a>") in body
    assert '<a href="#id_age">Age:' in body
    assert 'aria-describedby="id_end_date_helptext id_end_date_error"' in body
    assert '<ul class="errorlist" id="id_end_date_error">' in body


def test_only_get_and_head(client, msp) -> None:
    assert client.post(URL, {"agency": msp.name}).status_code == 405
    assert client.head(URL).status_code == 200


def test_invalid_purpose_message(client, msp) -> None:
    body = client.get(URL, {"agency": msp.name, "purpose": "25"}).content.decode()
    assert "Select a valid choice. 25 is not one of the available choices." in body
    assert "error" in body


def test_invalid_gender_message(client, msp) -> None:
    body = client.get(URL, {"agency": msp.name, "gender": "hippopotamus"}).content.decode()
    assert "Select a valid choice. hippopotamus is not one of the available choices." in body
    assert "error" in body


def test_success_page_has_no_error_substring(client, msp) -> None:
    md_stop(msp, ethnicity="B", officer_id="42", date=local_datetime(2014, 3, 3, 10))
    response = client.get(URL, {"agency": msp.name, "start_date": "1/1/2014",
                                "end_date": "12/31/2014", "gender": "M", "purpose": ["1"]})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Stops (1 total)" in body
    assert "error" not in body.lower()
    assert page_rows(body)[0][1] == ["3/3/2014 10 a.m.", "Male", "Black", "0", "somewhere", "42"]
    assert f'<a href="/md/agency/{msp.pk}/?officer_id=42">42</a>' in body
    assert "error" not in client.get(URL).content.decode().lower()


def test_stops_without_date_are_not_listed(client, msp) -> None:
    dated = md_stop(msp, ethnicity="W")
    undated = md_stop(msp, ethnicity="W")
    Stop.objects.filter(pk=undated.pk).update(date=None)
    body = client.get(URL, {"agency": msp.name}).content.decode()
    assert [stop for stop, _ in page_rows(body)] == [dated.pk]


def test_filters_end_date_order_pages_and_csv(client, msp) -> None:
    other = Agency.objects.create(name="Baltimore County Police Department")
    md_stop(other, ethnicity="H", date=local_datetime(2015, 2, 2))
    md_stop(msp, ethnicity="H", date=dt.datetime(2015, 3, 1, 0, 0, tzinfo=EASTERN))
    same = local_datetime(2015, 2, 2, 8)
    wanted = [md_stop(msp, ethnicity="H", date=same) for _ in range(33)]
    wanted.append(md_stop(msp, ethnicity="H",
                          date=dt.datetime(2015, 2, 28, 23, 59, tzinfo=EASTERN)))
    md_stop(msp, ethnicity="B", date=same)
    params = {"agency": msp.name, "ethnicity": "H", "start_date": "2015-02-01",
              "end_date": "2015-02-28"}
    first = client.get(URL, params).content.decode()
    assert "Stops (34 total)" in first
    second = client.get(URL + page_links(first)["older"]).content.decode()
    shown = [stop for body in (first, second) for stop, _ in page_rows(body)]
    expected = [wanted[-1].pk] + sorted((stop.pk for stop in wanted[:-1]), reverse=True)
    assert shown == expected
    assert "older" not in page_links(second) and "newest" in page_links(second)
    rows = csv_rows(client.get(URL, {**params, "format": "csv"}))
    assert [int(row["Stop ID"]) for row in rows] == expected
    assert rows[0]["Ethnicity"] == "Hispanic" and rows[0]["Agency"] == msp.name


def test_raw_text_is_escaped(client) -> None:
    agency = Agency.objects.create(name="<b>Town</b> & Co")
    stop = md_stop(agency, ethnicity="W", officer_id="<7>")
    Stop.objects.filter(pk=stop.pk).update(stop_location="<script>alert(1)</script>")
    body = client.get(URL, {"agency": agency.name}).content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<b>Town" not in body and "&lt;b&gt;Town&lt;/b&gt; &amp; Co" in body
    assert f'<a href="/md/agency/{agency.pk}/?officer_id=%3C7%3E">&lt;7&gt;</a>' in body
