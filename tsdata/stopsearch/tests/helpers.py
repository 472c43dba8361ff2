"""Reading a Find a Stop page or CSV back in tests (no HTML parser needed for this markup)."""

from __future__ import annotations

import csv
import html
import io
import re

ROW = re.compile(r'<tr title="Stop (\d+)">(.*?)</tr>', re.S)
CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
TAG = re.compile(r"<[^>]+>")
LINK = re.compile(r'<a href="([^"]*)"[^>]*>\s*(Older|&larr; Newer|Newest)')


def page_rows(body: str) -> list[tuple[int, list[str]]]:
    """(stop id, cell texts) of each result row, in page order."""
    return [(int(stop), [html.unescape(TAG.sub("", cell)).strip() for cell in CELL.findall(row)])
            for stop, row in ROW.findall(body)]


def page_links(body: str) -> dict[str, str]:
    """The pager's links by name: "older", "newer", "newest"."""
    names = {"Older": "older", "&larr; Newer": "newer", "Newest": "newest"}
    return {names[label]: html.unescape(href) for href, label in LINK.findall(body)}


def csv_rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))
