"""The file names of the report pages and workbooks, by language: the pages link to each
other by these names, so that they live here rather than in any one page's module."""

from __future__ import annotations

REPORT_FILES = {"fr": "index.html", "en": "index.en.html"}
STUDY_REPORT_FILES = {"fr": "study.html", "en": "study.en.html"}
STUDY_WORKBOOK_FILES = {"fr": "study.xlsx", "en": "study.en.xlsx"}
WATCH_REPORT_FILES = {"fr": "watch.html", "en": "watch.en.html"}
DIGEST_FILES = {"fr": "digest.html", "en": "digest.en.html"}
SEARCH_FILES = {"fr": "search.html", "en": "search.en.html"}


def market_file(iso3: str, lang: str) -> str:
    """The file name of a market page: `market-FRA.html`, `market-FRA.en.html`."""
    return f"market-{iso3}.html" if lang == "fr" else f"market-{iso3}.{lang}.html"


def product_file(code: str, lang: str) -> str:
    """The file name of a product fiche (an HS6 or HS4 code): `product-080510.html`,
    `product-0805.en.html`. The fiches sit beside the other pages, not in a sub-folder: the
    nightly job renders into a staging folder and moves each file into `report.dir` by its
    name (stages/publication.py), and links between pages stay plain names."""
    return f"product-{code}.html" if lang == "fr" else f"product-{code}.{lang}.html"


def is_product_file(name: str) -> bool:
    """Whether a page's file name is a product fiche's."""
    return name.startswith("product-") and name.endswith(".html")


def sector_file(code: str, lang: str) -> str:
    """The file name of a sector fiche: `sector-agri.html`, `sector-agri.en.html`."""
    return f"sector-{code}.html" if lang == "fr" else f"sector-{code}.{lang}.html"
