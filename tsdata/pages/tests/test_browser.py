"""The public site in a real browser (Debian's Chromium, driven by Playwright): finder,
dashboards, year switch, table view and downloads, officer view, Find a Stop, MD and IL, and
axe-core on every main page. Screenshots go to the git-ignored ``artifacts/`` folder."""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from nc.models import Stop as NCStop
from tsdata.services import demo_data_load

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]

pytestmark = [
    pytest.mark.django_db(transaction=True, databases="__all__"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Chromium is not installed (apt-get install chromium); .ci/run "
                              "installs it"),
    pytest.mark.skipif(not AXE.exists(), reason="node_modules missing: run `make assets`"),
]


@pytest.fixture
def site(live_server, monkeypatch):
    """The three states' sample data, imported by the real importers, behind a live server."""
    monkeypatch.setenv("DEMO_STOPS", "8000")
    list(demo_data_load(force=True))
    return live_server.url


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def _page(browser, *, phone: bool = False):
    size = {"width": 375, "height": 800} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=size, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    return page


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _axe_serious(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def _dashboard_drawn(page) -> None:
    page.wait_for_selector("body[data-drawn=true]", timeout=15000)
    figures = page.locator("figure[data-chart]:has([data-plot])")
    count = figures.count()
    assert count >= 6
    for index in range(count):
        figure = figures.nth(index)
        assert figure.locator("[data-plot] svg").count() == 1, figure.get_attribute("data-chart")
        assert figure.locator("[data-plot] svg rect, [data-plot] svg path").count() > 0
    text = page.inner_text("main")
    for bad in ("NaN", "undefined", "Infinity"):
        assert bad not in text
    assert not page.errors, page.errors


def test_nc_finder_dashboard_year_table_downloads_officer(site, browser) -> None:
    page = _page(browser)
    page.goto(f"{site}/nc/")
    assert not _axe_serious(page)
    _shot(page, "nc-landing-desktop")
    page.fill("#id_agency", "highway")
    option = page.locator("#agency-suggestions [role=option]").first
    option.wait_for()
    assert option.inner_text() == "NC State Highway Patrol"
    option.click()
    page.wait_for_url(re.compile(r"/nc/agency/\d+/$"))
    _dashboard_drawn(page)
    assert page.locator("figure[data-chart]:not([data-chart=census])").count() == 10
    assert not _axe_serious(page)
    _shot(page, "nc-dashboard-desktop")
    agency_url = page.url

    page.select_option("#year", "2020")
    page.wait_for_url(re.compile(r"\?year=2020$"))
    _dashboard_drawn(page)
    assert "In 2020" in page.inner_text("#chart-stop_shares")

    figure = page.locator("#chart-hit_rate")
    table = figure.locator(".chart-table")
    assert table.is_hidden()
    figure.locator("[data-toggle-table]").click()
    assert table.is_visible()
    header = [cell.strip() for cell in table.locator("thead th").all_inner_texts()]
    with page.expect_download() as download_info:
        figure.get_by_text("Download CSV").click()
    csv_path = download_info.value.path()
    lines = Path(csv_path).read_text().splitlines()
    assert lines[0].split(",") == header
    assert len(lines) - 1 == table.locator("tbody tr").count()
    with page.expect_download() as svg_info:
        figure.get_by_role("button", name="Download SVG").click()
    assert Path(svg_info.value.path()).read_text().startswith("<svg")
    with page.expect_download() as png_info:
        figure.get_by_role("button", name="Download PNG").click()
    assert Path(png_info.value.path()).read_bytes()[:4] == b"\x89PNG"

    agency_id = int(agency_url.rstrip("/").rsplit("/", 1)[-1])
    # Playwright's sync API runs an event loop in this thread: the ORM runs in another.
    with ThreadPoolExecutor(1) as pool:
        officer = pool.submit(lambda: NCStop.objects.filter(agency_id=agency_id)
                              .exclude(officer_id="").values_list("officer_id", flat=True)
                              .first()).result()
    page.goto(f"{agency_url}?officer_id={officer}")
    _dashboard_drawn(page)
    assert page.inner_text("h1") == f"Data for Officer ID: {officer}"
    phone = _page(browser, phone=True)
    phone.goto(agency_url)
    _dashboard_drawn(phone)
    overflow = phone.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow, "the dashboard must fit a 375-pixel-wide screen"
    _shot(phone, "nc-dashboard-phone")


def test_find_a_stop_errors_results_paging_csv(site, browser) -> None:
    page = _page(browser)
    agency = "NC State Highway Patrol"
    page.goto(f"{site}/nc/search/?agency={agency}&start_date=2020-03-01&end_date=2020-01-01")
    assert "End date must be greater than or equal to start-date" in page.inner_text("main")
    assert not _axe_serious(page)
    page.goto(f"{site}/nc/search/?agency={agency}&start_date=2019-01-01&end_date=2019-12-31")
    heading = page.inner_text("#stopsearch-count")
    assert re.match(r"Stops \([\d,]+ total\)", heading)
    first_page = page.locator(".stopsearch-table tbody tr").all_inner_texts()
    assert len(first_page) == 30
    _shot(page, "nc-find-a-stop-desktop")
    page.get_by_role("link", name=re.compile("Older")).click()
    page.wait_for_load_state()
    second_page = page.locator(".stopsearch-table tbody tr").all_inner_texts()
    assert second_page and not set(second_page) & set(first_page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download all matching stops")).click()
    rows = Path(download_info.value.path()).read_text().splitlines()
    total = int(re.sub(r"\D", "", heading))
    assert len(rows) == total + 1
    assert not page.errors
    phone = _page(browser, phone=True)
    phone.goto(f"{site}/nc/search/?agency={agency}&start_date=2019-01-01&end_date=2019-12-31")
    _shot(phone, "nc-find-a-stop-phone")


@pytest.mark.parametrize("state", ["md", "il"])
def test_md_and_il_dashboards(site, browser, state) -> None:
    page = _page(browser)
    page.goto(f"{site}/{state}/agency/")
    assert not _axe_serious(page)
    _shot(page, f"{state}-agency-list-desktop")
    page.locator(".letter-group a").first.click()
    page.wait_for_url(re.compile(rf"/{state}/agency/\d+/$"))
    _dashboard_drawn(page)
    assert not _axe_serious(page)
    _shot(page, f"{state}-dashboard-desktop")
    phone = _page(browser, phone=True)
    phone.goto(f"{site}/{state}/")
    _shot(phone, f"{state}-landing-phone")


def test_home_about_and_error_pages_pass_axe(site, browser) -> None:
    page = _page(browser)
    phone = _page(browser, phone=True)
    for path, name in (("/", "home"), ("/about", "about"), ("/nc/agency/999999/", "not-found")):
        page.goto(site + path)
        assert not _axe_serious(page), path
        _shot(page, f"{name}-desktop")
        phone.goto(site + path)
        _shot(phone, f"{name}-phone")


def test_pages_work_without_javascript(site, browser) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280,
                                                                      "height": 900})
    page = context.new_page()
    page.goto(f"{site}/nc/")
    page.fill("#id_agency", "police")
    page.click("text=View dashboard")
    page.wait_for_load_state()
    assert "agencies match “police”" in page.inner_text("main")
    assert page.locator("main section ul a").count() == 30
    page.fill("#id_agency", "highway patrol")
    page.click("text=View dashboard")
    page.wait_for_url(re.compile(r"/nc/agency/\d+/$"))
    tables = page.locator(".chart-table table")
    assert tables.count() >= 8
    assert all(table.is_visible() for table in tables.all())
    page.select_option("#year", "2020")
    page.click("text=Show")
    page.wait_for_url(re.compile(r"year=2020"))
    assert "In 2020" in page.inner_text("#chart-stop_shares")
    _shot(page, "nc-dashboard-no-javascript")
    context.close()
