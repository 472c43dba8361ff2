"""NC Find a Stop pages: filters, the end-date boundary, order, keyset pages, CSV, links."""

from __future__ import annotations

import datetime as dt

import pytest

from nc.models import Agency, Stop
from nc.stopsearch import SEARCH
from tsdata.stats.testing import EASTERN, local_datetime, nc_person, nc_stop
from tsdata.stopsearch import selectors
from tsdata.stopsearch.tests.helpers import csv_rows, page_links, page_rows

pytestmark = pytest.mark.django_db(databases="__all__")
URL = "/nc/search/"


@pytest.fixture
def durham() -> Agency:
    return Agency.objects.create(name="Durham Police Department")


def stop_with(agency: Agency, date: dt.datetime, *, passengers: int = 0, race: str = "W",
              officer_id: str = "", stop_id: int | None = None, purpose: int = 1) -> Stop:
    stop = nc_stop(agency, date=date, officer_id=officer_id, purpose=purpose)
    if stop_id is not None:
        Stop.objects.filter(pk=stop.pk).update(stop_id=stop_id)
        stop = Stop.objects.get(pk=stop_id)
    nc_person(stop, race=race, ethnicity="N")
    for _ in range(passengers):
        nc_person(stop, race="B", ethnicity="H", type="P")
    return stop


def test_blank_page_has_form_and_no_results(client) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'for="id_agency">Agency Name</label>' in body
    assert "ex: Durham Police Department" in body
    assert "Stops (" not in body
    assert 'aria-invalid' not in body
    assert '<a href="/nc/agency/">Browse all North Carolina agencies</a>' in body


def test_unknown_agency_is_a_form_error_not_a_search_of_all_agencies(client, durham) -> None:
    stop_with(durham, local_datetime(2014))
    response = client.get(URL, {"agency": "Nowhere PD"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "No agency named “Nowhere PD”." in body
    assert 'aria-invalid="true"' in body
    assert 'aria-describedby="id_agency_helptext id_agency_error"' in body
    assert "Stops (" not in body


def test_end_date_includes_that_whole_day_and_no_more(client, durham) -> None:
    inside = [stop_with(durham, dt.datetime(2014, 8, 13, 0, 0, tzinfo=EASTERN)),
              stop_with(durham, dt.datetime(2014, 8, 20, 23, 59, 59, tzinfo=EASTERN))]
    stop_with(durham, dt.datetime(2014, 8, 21, 0, 0, tzinfo=EASTERN))  # next midnight
    stop_with(durham, dt.datetime(2014, 8, 12, 23, 59, tzinfo=EASTERN))  # before the start
    response = client.get(URL, {"agency": durham.name, "start_date": "8/13/2014",
                                "end_date": "8/20/2014"})
    body = response.content.decode()
    assert "Stops (2 total)" in body
    assert [stop for stop, _ in page_rows(body)] == [inside[1].pk, inside[0].pk]
    # Shown in the state's local time.
    assert page_rows(body)[0][1][0] == "8/20/2014 11:59 p.m."


def test_newest_first_with_stop_id_breaking_ties(client, durham) -> None:
    same = local_datetime(2015, 3, 1, 9)
    stop_with(durham, same, stop_id=500)
    stop_with(durham, local_datetime(2015, 3, 2, 9), stop_id=100)
    stop_with(durham, same, stop_id=700)
    stop_with(durham, local_datetime(2014, 1, 1), stop_id=900)
    body = client.get(URL, {"agency": durham.name}).content.decode()
    assert [stop for stop, _ in page_rows(body)] == [100, 700, 500, 900]


def test_rows_are_people_and_person_filters_keep_drivers(client, durham) -> None:
    stop = stop_with(durham, local_datetime(2015), passengers=2, race="W")
    body = client.get(URL, {"agency": durham.name}).content.decode()
    assert "Stops (3 total)" in body
    races = sorted(cells[2] for _, cells in page_rows(body))
    assert races == ["Black", "Black", "White"]
    body = client.get(URL, {"agency": durham.name, "gender": "M"}).content.decode()
    assert "Stops (1 total)" in body
    assert page_rows(body)[0][0] == stop.pk


def test_stop_filters(client, durham) -> None:
    other = Agency.objects.create(name="Raleigh Police Department")
    wanted = stop_with(durham, local_datetime(2015), officer_id="227", purpose=3)
    stop_with(durham, local_datetime(2015), officer_id="227", purpose=4)
    stop_with(durham, local_datetime(2015), officer_id="8", purpose=3)
    stop_with(other, local_datetime(2015), officer_id="227", purpose=3)
    body = client.get(URL, {"agency": durham.name, "officer": "227",
                            "purpose": ["3", "5"]}).content.decode()
    assert [stop for stop, _ in page_rows(body)] == [wanted.pk]


def test_cells_and_links(client, durham) -> None:
    stop_with(durham, dt.datetime(2014, 8, 13, 15, 30, tzinfo=EASTERN), officer_id="227",
              race="B")
    body = client.get(URL, {"agency": durham.name}).content.decode()
    assert page_rows(body)[0][1] == ["8/13/2014 3:30 p.m.", "Male", "Black", "Non-Hispanic",
                                     "30", durham.name, "227"]
    assert f'<a href="/nc/agency/{durham.pk}/?officer_id=227">227</a>' in body
    assert f'<a href="/nc/agency/{durham.pk}/">{durham.name}</a>' in body
    assert '<th scope="col">Date</th>' in body and '<caption id="stopsearch-caption">' in body


def test_keyset_pages_are_stable_with_ties_on_the_date(client, durham) -> None:
    # 75 people: stops in groups sharing a date, some with passengers (ties on stop too).
    for index in range(40):
        date = local_datetime(2015, 1 + index // 10, 1, 12)
        stop_with(durham, date, passengers=1 if index % 3 == 0 else 0)
    q = selectors.stop_search_q(SEARCH, {"agency": durham})
    everyone = list(selectors.stop_search_rows_iter(SEARCH, q, limit=10_000, chunk=7))
    keys = [selectors.row_cursor(SEARCH, row) for row in everyone]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys) == 54

    # The pages through the view cover every row once, in order; a new stop older than the
    # current page does not shift what "Older" shows next.
    params = {"agency": durham.name}
    seen: list[int] = []
    response = client.get(URL, params)
    pages = []
    while True:
        body = response.content.decode()
        assert "Stops (54 total)" in body
        rows = page_rows(body)
        pages.append(body)
        seen.extend(stop for stop, _ in rows)
        links = page_links(body)
        if "older" not in links:
            break
        assert len(rows) == 30
        response = client.get(URL + links["older"])
    assert seen == [row["stop_id"] for row in everyone]
    assert len(pages) == 2

    # "Newer" from the second page leads back to the first page exactly.
    newer = page_links(pages[1])["newer"]
    assert page_rows(client.get(URL + newer).content.decode()) == page_rows(pages[0])


def test_selector_pages_forward_and_back(durham) -> None:
    for index in range(20):
        stop_with(durham, local_datetime(2016, 1, 1 + index // 4), passengers=index % 2)
    q = selectors.stop_search_q(SEARCH, {"agency": durham})
    everyone = [selectors.row_cursor(SEARCH, row)
                for row in selectors.stop_search_rows_iter(SEARCH, q, limit=100)]
    pages, page = [], selectors.stop_search_page(SEARCH, q, size=7)
    while True:
        pages.append([selectors.row_cursor(SEARCH, row) for row in page.rows])
        if page.older is None:
            break
        page = selectors.stop_search_page(SEARCH, q, after=page.older, size=7)
    assert [key for keys in pages for key in keys] == everyone
    back = selectors.stop_search_page(SEARCH, q, before=page.newer, size=7)
    assert [selectors.row_cursor(SEARCH, row) for row in back.rows] == pages[-2]


def test_bad_cursor_shows_the_first_page(client, durham) -> None:
    stop_with(durham, local_datetime(2015))
    for cursor in ("garbage", "1_2", "99999999999999999999999_1_1", ""):
        response = client.get(URL, {"agency": durham.name, "after": cursor})
        assert response.status_code == 200
        assert len(page_rows(response.content.decode())) == 1


def test_cursor_past_the_oldest_row(client, durham) -> None:
    stop = stop_with(durham, local_datetime(2015))
    from tsdata.stopsearch.cursors import cursor_encode

    after = cursor_encode((stop.date, stop.pk, 0))
    body = client.get(URL, {"agency": durham.name, "after": after}).content.decode()
    assert "No more stops in this direction." in body and "last reported" not in body
    assert f'href="?agency={durham.name.replace(" ", "+")}">Back to the newest' in body


def test_csv_has_the_rows_of_the_pages(client, durham) -> None:
    for index in range(35):
        stop_with(durham, local_datetime(2015, 1, 1 + index % 5, 8), passengers=index % 2,
                  officer_id="=cmd")
    params = {"agency": durham.name, "start_date": "2015-01-01", "end_date": "2015-12-31"}
    seen, response = [], client.get(URL, params)
    while True:
        body = response.content.decode()
        seen.extend(page_rows(body))
        if "older" not in page_links(body):
            break
        response = client.get(URL + page_links(body)["older"])
    download = client.get(URL, {**params, "format": "csv"})
    assert download.status_code == 200 and download.streaming
    assert download["Content-Type"].startswith("text/csv")
    assert "nc-stops-durham-police-department.csv" in download["Content-Disposition"]
    rows = csv_rows(download)
    assert len(rows) == len(seen) == 52
    assert [int(row["Stop ID"]) for row in rows] == [stop for stop, _ in seen]
    assert [(row["Race"], row["Age"]) for row in rows] == [(c[2], c[4]) for _, c in seen]
    assert rows[0]["Date"].endswith("-05:00")  # local time with its offset
    assert rows[0]["Officer ID"] == "'=cmd"  # no formula in a spreadsheet
    assert {row["Agency"] for row in rows} == {durham.name}


def test_csv_row_cap_adds_a_note(durham) -> None:
    from tsdata.stopsearch.export import stop_search_csv_lines

    for _ in range(4):
        stop_with(durham, local_datetime(2015))
    q = selectors.stop_search_q(SEARCH, {"agency": durham})
    lines = list(stop_search_csv_lines(SEARCH, q, agency_name=durham.name, limit=3))
    assert len(lines) == 5 and lines[-1].startswith("# Only the newest 3 rows")
    lines = list(stop_search_csv_lines(SEARCH, q, agency_name=durham.name, limit=4))
    assert len(lines) == 5 and not lines[-1].startswith("#")


def test_count_above_the_cap(client, durham, monkeypatch) -> None:
    for _ in range(4):
        stop_with(durham, local_datetime(2015))
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    body = client.get(URL, {"agency": durham.name}).content.decode()
    assert "Stops (more than 3 total)" in body
    assert len(page_rows(body)) == 4


def test_nothing_matches_says_when_the_agency_last_reported(client, durham) -> None:
    stop_with(durham, dt.datetime(2016, 4, 2, 22, 15, tzinfo=EASTERN))
    params = {"agency": durham.name, "start_date": "2017-01-01", "end_date": "2017-06-30"}
    body = client.get(URL, params).content.decode()
    assert "Stops (0 total)" in body
    assert "last reported a stop on 4/2/2016 10:15 p.m." in body
    # The import's recorded date is preferred to scanning the stops.
    Agency.objects.filter(pk=durham.pk).update(
        last_reported_stop=dt.datetime(2016, 5, 1, 12, tzinfo=EASTERN))
    assert "last reported a stop on 5/1/2016 noon." in client.get(URL, params).content.decode()
    silent = Agency.objects.create(name="Silent Sheriff")
    body = client.get(URL, {"agency": silent.name}).content.decode()
    assert "Silent Sheriff</a> has not reported any stops." in body


def test_reads_cut_off_by_the_timeout_are_reported_not_500(client, durham, monkeypatch) -> None:
    from django.db import connections

    stop_with(durham, local_datetime(2015))

    def slow_count(config, q, limit):
        with connections["traffic_stops_nc"].cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")
        return 0

    monkeypatch.setattr(selectors, "COUNT_TIMEOUT_MS", 20)
    monkeypatch.setattr(selectors, "_count", slow_count)
    body = client.get(URL, {"agency": durham.name}).content.decode()
    assert "Stops (too many to count quickly)" in body
    assert len(page_rows(body)) == 1  # the rows are still listed

    def slow_read(config, rows):
        return selectors.with_timeout(config, 20, lambda: connections["traffic_stops_nc"]
                                      .cursor().execute("SELECT pg_sleep(1)"))

    monkeypatch.setattr(selectors, "_read", slow_read)
    response = client.get(URL, {"agency": durham.name, "officer": "1"})
    assert response.status_code == 200
    assert "This search takes too long to list" in response.content.decode()
    download = client.get(URL, {"agency": durham.name, "format": "csv"})
    lines = b"".join(download.streaming_content).decode().splitlines()
    assert len(lines) == 2 and lines[1].startswith("# Incomplete")


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_a_cancelled_read_leaves_the_connection_usable() -> None:
    """Outside a test transaction (as under gunicorn): after the timeout, the persistent
    connection is idle and answers the next query."""
    from django.db import connections

    connection = connections["traffic_stops_nc"]
    for _ in range(5):
        with pytest.raises(selectors.SearchTooSlow):
            selectors.with_timeout(SEARCH, 30, lambda: connection.cursor().execute(
                "SELECT count(*) FROM generate_series(1, 1000), pg_sleep(0.2)"))
        assert connection.connection.get_transaction_status() == 0  # idle
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)


def test_checked_boxes_stay_checked(client, durham) -> None:
    body = client.get(URL, {"agency": durham.name, "purpose": ["3", "10"],
                            "action": ["2"]}).content.decode()
    assert ('<label for="id_purpose_2"><input type="checkbox" name="purpose" value="3" '
            'id="id_purpose_2" checked> Driving While Impaired</label>') in body
    assert 'value="10" id="id_purpose_9" checked>' in body
    assert 'value="1" id="id_purpose_0">' in body
    assert 'name="action" value="2" id="id_action_1" checked>' in body
