"""The demo loaders of MD and IL import once and then leave existing data alone."""

from __future__ import annotations

import pytest

from il import demo as il_demo
from il.models import Stop as IlStop
from md import demo as md_demo
from md.models import Stop as MdStop


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_demo_loaders_import_once(monkeypatch):
    monkeypatch.setattr(md_demo, "DEMO_STOPS", 300)
    monkeypatch.setattr(il_demo, "DEMO_STOPS", 300)
    assert md_demo.demo_load(force=False).startswith("MD import succeeded")
    assert il_demo.demo_load(force=False).startswith("IL import succeeded")
    md_count, il_count = MdStop.objects.count(), IlStop.objects.count()
    assert md_count > 200 and il_count == 300
    assert "skipped" in md_demo.demo_load(force=False)
    assert "skipped" in il_demo.demo_load(force=False)
    assert MdStop.objects.count() == md_count
