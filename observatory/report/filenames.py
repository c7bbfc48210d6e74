"""The file names of the report pages and workbooks, by language: the pages link to each
other by these names, so that they live here rather than in any one page's module."""

from __future__ import annotations

REPORT_FILES = {"fr": "index.html", "en": "index.en.html"}
STUDY_REPORT_FILES = {"fr": "study.html", "en": "study.en.html"}
STUDY_WORKBOOK_FILES = {"fr": "study.xlsx", "en": "study.en.xlsx"}
WATCH_REPORT_FILES = {"fr": "watch.html", "en": "watch.en.html"}
DIGEST_FILES = {"fr": "digest.html", "en": "digest.en.html"}


def market_file(iso3: str, lang: str) -> str:
    """The file name of a market page: `market-FRA.html`, `market-FRA.en.html`."""
    return f"market-{iso3}.html" if lang == "fr" else f"market-{iso3}.{lang}.html"
