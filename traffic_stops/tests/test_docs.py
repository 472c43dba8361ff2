"""The README and docs/*.md name only things that exist; code cites the docs, not the spec.

The scanning and the checks are in ``docs_mentions``; the sample page below proves that
each kind of mention is found and checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from traffic_stops.tests.docs_mentions import (
    DOCS,
    ROOT,
    is_repo_path,
    mentions,
    missing,
    path_exists,
    repository_files,
)


@pytest.mark.django_db
def test_docs_name_only_what_exists():
    dangling = sorted({
        f"{mention.doc}: {mention.kind} {mention.text!r}"
        for doc in DOCS for mention in mentions(doc) if missing(mention)
    })
    assert not dangling, "The docs name what does not exist:\n" + "\n".join(dangling)


@pytest.mark.django_db
def test_the_checks_find_each_kind_of_mention():
    """Every kind of mention in a sample page is found (so the test above checks them)."""
    sample = """
Run `manage.py dataset_facts nc`, `manage.py import_<state>` and `manage.py no_such_command`,
then `make test` or `make no-such-target`. Set `DATABASE_URL`, `NO_SUCH_SETTING_NAME` and
`GUNICORN_*`.
Code: `nc/importer.py`, `nc/no_such_module.py`, `<state>/stats.py`, `tsdata/imports/...`,
`pages/state_home.html`, `tsdata.dataset_facts.dataset_facts_refresh`,
`tsdata.dataset_facts.no_such_function`, [formats](data-formats.md), [gone](gone.md),
`stops_by_agency`, `agency_stop_counts()`, `maintenance_work_mem`.
Not paths: `/nc/api/agency/<id>/stops/`, `text/csv`, <https://example.org/a/b.py>,
`../shared/spec/seed-system.md`, `M/D/YY`, `traffic_stops/static/dist/dashboard.js`.

    python manage.py import_nc --zip /data/STOPS_Extract.zip
    python bench/no_such_bench.py
"""
    found = {(m.kind, m.text): missing(m) for m in mentions(ROOT / "docs" / "x.md", sample)}
    assert found == {
        ("command", "dataset_facts"): False,
        ("command", "no_such_command"): True,
        ("command", "import_<state>"): False,
        ("command", "import_nc"): False,
        ("make", "test"): False,
        ("make", "no-such-target"): True,
        ("name", "DATABASE_URL"): False,
        ("name", "NO_SUCH_SETTING_NAME"): True,
        ("name", "GUNICORN_*"): False,
        ("path", "manage.py"): False,
        ("path", "nc/importer.py"): False,
        ("path", "nc/no_such_module.py"): True,
        ("path", "<state>/stats.py"): False,
        ("path", "tsdata/imports/"): False,
        ("path", "pages/state_home.html"): False,
        ("path", "traffic_stops/static/dist/dashboard.js"): False,
        ("path", "bench/no_such_bench.py"): True,
        ("dotted", "tsdata.dataset_facts.dataset_facts_refresh"): False,
        ("dotted", "tsdata.dataset_facts.no_such_function"): True,
        ("link", "data-formats.md"): False,
        ("link", "gone.md"): True,
        ("identifier", "stops_by_agency"): False,
        ("identifier", "agency_stop_counts"): True,
        ("identifier", "maintenance_work_mem"): False,
    }


def test_paths_outside_the_repository_other_than_the_spec_are_flagged():
    assert is_repo_path("../other/settings.py")
    assert not path_exists("../other/settings.py", "README.md")
    assert not is_repo_path("../shared/spec/seed-system.md")


SPEC_CITATION_RE = re.compile(
    r"\bspec(?:ification)?(?:'s)? (?:section )?(?:\d+\.\d|appendix)|\bfix \d+\.\d|\b9\.\d\.\d+\b",
    re.IGNORECASE,
)


def test_code_cites_the_repository_docs_not_spec_sections():
    """Code comments cite docs/*.md; the spec's section numbers point outside the repo."""
    citing = []
    for path in repository_files():
        if path.suffix not in (".py", ".html", ".js") or "migrations" in path.parts:
            continue
        if path == Path(__file__):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if SPEC_CITATION_RE.search(line):
                citing.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not citing, "Cite docs/*.md instead:\n" + "\n".join(citing)
