"""The Imports page in a real browser (Chromium via Playwright): the progress bar follows
the database without a manual reload, and the page reloads itself when the run ends."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.utils import timezone

from tsdata.models import Import

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.django_db(transaction=True, databases="__all__"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Chromium is not installed (apt-get install chromium)"),
]


def _update(pk: int, **fields) -> None:
    """Write as the worker would, off the browser's thread (Playwright runs an event loop
    there, where Django refuses database calls)."""
    def write() -> None:
        try:
            Import.objects.filter(pk=pk).update(**fields)
        finally:
            connections.close_all()  # this thread's connection only

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(write).result()


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    User.objects.create_superuser("admin", "admin@example.com", "pw-for-tests")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(f"{live_server.url}/admin/login/?next=/admin/tsdata/import/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", "pw-for-tests")
        page.click("input[type=submit]")
        yield page
        browser.close()


@pytest.fixture
def run() -> Import:
    now = timezone.now()
    return Import.objects.create(state="nc", source="ftp://nc.us/", trigger="schedule",
                                 status="running", phase="copy Stop.txt", rows=1000,
                                 progress=0.1, date_started=now, heartbeat=now)


def test_progress_bar_follows_the_import_and_the_page_reloads_when_it_ends(run, page,
                                                                           live_server) -> None:
    page.goto(f"{live_server.url}/admin/tsdata/import/")
    cell = page.locator(f'.import-progress[data-import-id="{run.pk}"]')
    assert cell.locator(".import-bar").evaluate("bar => bar.value") == pytest.approx(0.1)
    _update(run.pk, phase="copy Stop.txt", rows=600_000, progress=0.6)
    page.wait_for_function(
        f"""() => document.querySelector('.import-progress[data-import-id="{run.pk}"] '
                 + '.import-detail').textContent.includes('600,000 rows')""", timeout=10_000)
    assert cell.locator(".import-bar").evaluate("bar => bar.value") == pytest.approx(0.6)
    assert "60% read" in cell.locator(".import-detail").text_content()
    # Rows without a known share: the bar turns indeterminate.
    _update(run.pk, phase="swap", progress=None)
    page.wait_for_function(
        f"""() => !document.querySelector('.import-progress[data-import-id="{run.pk}"] '
                 + '.import-bar').hasAttribute('value')""", timeout=10_000)
    _update(run.pk, status="succeeded", successful=True, phase="done", progress=1.0,
            date_finished=timezone.now())
    page.wait_for_selector(f'.import-progress[data-import-id="{run.pk}"] '
                           ".import-status-succeeded", timeout=10_000)
    page.wait_for_load_state()
    assert page.locator(".import-bar").count() == 0  # the reloaded page: nothing active
    assert page.errors == []
    (ROOT / "artifacts").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "artifacts" / "admin-imports.png"), full_page=True)
