"""The pages people use, in a real browser driven like a reader drives it (headless Chromium
over the DevTools protocol, tests/browser_cdp.py): every kind of page in both languages
opens with no console message and nothing wider than a 400 px phone; each links the other
pages and its other-language version; search finds a product and opens its fiche; a table
sorts and downloads as CSV with formulas neutralised; a fiche prints on A4 with no table
cut at the right edge.

The pages come from the watch test database (study, watch, index marts): `render_all` in
both languages, as the nightly job renders them. Without chromium the tests skip with a
reason, except when CI is set (tests/test_browser.py does the same).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from observatory.report import render_all
from tests.browser_cdp import Browser, Page
from tests.test_report_catalogue import with_index_marts
from tests.test_watch_report import build_watch_database

PHONE_PX = 400
# A4 (210 mm) less the 12 mm margins of @page, at 96 px per inch.
A4_PRINTABLE_PX = int((210 - 2 * 12) / 25.4 * 96)
PAGE_KINDS = (
    "index", "study", "watch", "market-FRA", "market-SEN", "digest", "search",
    "product-080510", "product-251010", "sector-agri", "sector-mining",
)  # fmt: skip
LANGS = {"fr": "", "en": ".en"}


def file_name(kind: str, lang: str) -> str:
    return f"{kind}{LANGS[lang]}.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    db = with_index_marts(build_watch_database(tmp_path_factory.mktemp("db") / "p.duckdb"))
    con = duckdb.connect(str(db), read_only=True)
    try:
        render_all(con, out, ("fr", "en"), top_n=5, top_markets=3, top_opportunities=5)
    finally:
        con.close()
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if "CI" in os.environ:
            pytest.fail(f"{reason}: CI must run the browser test (.ci/run installs it)")
        pytest.skip(reason)
    started = Browser(binary, tmp_path_factory.mktemp("profile"))
    yield started
    started.close()


@pytest.fixture
def page(browser: Browser) -> Page:
    return browser.page()


def url(site: Path, name: str) -> str:
    return (site / name).resolve().as_uri()


# Tables and charts scroll sideways inside their own boxes: what is inside may be wider.
WIDER_THAN_SCREEN = """
[document.documentElement.scrollWidth, innerWidth,
 [...document.querySelectorAll('body *')]
   .filter(e => !e.closest('.table-wrap, figure.chart')
                && e.getBoundingClientRect().right > innerWidth + 1)
   .slice(0, 5).map(e => e.tagName + '.' + e.className)]
"""


@pytest.mark.parametrize("lang", sorted(LANGS))
@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_page_kind_opens_links_and_fits_a_phone(
    site: Path, page: Page, kind: str, lang: str
) -> None:
    name = file_name(kind, lang)
    assert (site / name).is_file(), name
    page.resize(PHONE_PX)
    page.open(url(site, name))
    width, inner, wide = page.run(WIDER_THAN_SCREEN)
    assert (width, inner, wide) == (PHONE_PX, PHONE_PX, [])
    links = page.run(
        "[...document.querySelectorAll('nav.site-nav a')].map(a => a.getAttribute('href'))"
    )
    other = "en" if lang == "fr" else "fr"
    assert links[-1] == file_name(kind, other)  # the same page in the other language
    expected = [file_name(k, lang) for k in ("index", "study", "watch", "digest", "search")]
    assert links[:-1] == expected
    assert all((site / link).is_file() for link in links)
    assert page.run("document.documentElement.lang") == lang
    # The script ran: tables have their tools, and nothing was logged.
    assert page.run("document.documentElement.classList.contains('js')")
    assert page.problems() == []


def test_search_finds_a_product_by_code_and_by_word_and_opens_its_fiche(
    site: Path, page: Page
) -> None:
    page.open(url(site, "search.html"))
    typed = "(() => {{ const i = document.querySelector('#search-input'); i.value = {!r}; "
    typed += "i.dispatchEvent(new Event('input')); }})()"
    hits = "[...document.querySelectorAll('#search-results a')].map(a => a.getAttribute('href'))"
    page.run(typed.format("citrons"))  # words of the description (here in French)
    assert page.run(hits)[0] == "product-080510.html"
    page.run(typed.format("senegal"))  # a market, accents not needed
    assert "market-SEN.html" in page.run(hits)
    page.run(typed.format("080510"))
    assert page.run(hits)[0] == "product-080510.html"
    page.run("document.querySelector('#search-form').requestSubmit()")
    assert page.run("document.activeElement.getAttribute('href')") == "product-080510.html"
    page.run("document.activeElement.click()")
    page.browser.wait_event("Page.loadEventFired", page.session)
    assert page.run("location.pathname").endswith("/product-080510.html")
    heading = page.run("document.querySelector('h1').textContent")
    assert "080510" in heading and "<script>" in heading  # hostile text shown as text
    assert page.run("document.querySelectorAll('main script').length") == 0
    assert page.problems() == []


def test_a_table_sorts_by_a_column_both_ways(site: Path, page: Page) -> None:
    page.open(url(site, "study.en.html"))
    # The first sortable table with three rows or more and a column of numbers.
    found = page.run(
        """(() => {
        for (const t of document.querySelectorAll('table.enhanced')) {
          const rows = [...t.tBodies[0].rows];
          if (rows.length < 3 || !t.querySelector('button.sort')) continue;
          const n = t.tHead.rows[0].cells.length;
          for (let c = 1; c < n; c++) {
            if (rows.every(r => r.cells[c] && r.cells[c].dataset.v !== undefined)) {
              return [t.id, c];
            }
          }
        }
        return null; })()"""
    )
    assert found, "no sortable numeric table"
    table_id, column = found
    table = f"document.getElementById({table_id!r})"
    values = f"[...{table}.tBodies[0].rows].map(r => Number(r.cells[{column}].dataset.v))"
    header = f"{table}.tHead.rows[0].cells[{column}]"
    before = page.run(values)
    page.run(f"{header}.querySelector('button').click()")
    assert page.run(values) == sorted(before)
    assert page.run(f"{header}.getAttribute('aria-sort')") == "ascending"
    page.run(f"{header}.querySelector('button').click()")
    assert page.run(values) == sorted(before, reverse=True)
    assert page.run(f"{header}.getAttribute('aria-sort')") == "descending"
    assert page.problems() == []


def test_a_table_downloads_as_csv_with_formulas_neutralised(
    site: Path, page: Page, tmp_path: Path
) -> None:
    page.send("Browser.setDownloadBehavior",
              {"behavior": "allow", "downloadPath": str(tmp_path)})  # fmt: skip
    page.open(url(site, "study.en.html"))
    table_id = page.run(
        "[...document.querySelectorAll('table.data')]"
        ".find(t => t.textContent.includes('=HYPERLINK')).id"
    )
    page.run(
        f"document.getElementById({table_id!r}).closest('.table-wrap')"
        ".previousElementSibling.querySelector('button.csv').click()"
    )
    target = tmp_path / f"{table_id}.csv"
    deadline = time.monotonic() + 10
    while not target.is_file() and time.monotonic() < deadline:
        time.sleep(0.05)
    text = target.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text
    fields = [f.strip('"') for line in text.splitlines() for f in line.split(",")]
    assert not [f for f in fields if f[:1] in ("=", "+", "@")]
    assert page.problems() == []


def test_filter_and_show_all(site: Path, page: Page) -> None:
    page.open(url(site, "study.html"))
    tables = "[...document.querySelectorAll('table.enhanced')]"
    assert page.run(f"{tables}.length") > 3
    first = f"{tables}[0]"
    shown = f"[...{first}.tBodies[0].rows].filter(r => !r.hidden).length"
    total = page.run(f"{first}.tBodies[0].rows.length")
    box = f"{first}.closest('.table-wrap').previousElementSibling.querySelector('input')"
    typed = "(() => {{ const i = " + box + "; i.value = {!r}; "
    typed += "i.dispatchEvent(new Event('input')); }})()"
    page.run(typed.format("zzzz-nothing"))
    assert page.run(shown) == 0
    page.run(typed.format(""))
    assert page.run(shown) == total
    assert page.problems() == []


@pytest.mark.parametrize("name", ["product-080510.html", "product-251010.en.html"])
def test_a_fiche_prints_on_a4_without_cut_tables(site: Path, page: Page, name: str) -> None:
    page.resize(A4_PRINTABLE_PX)
    page.send("Emulation.setEmulatedMedia", {"media": "print"})
    assert (site / name).is_file()
    page.open(url(site, name))
    cut = page.run(
        "[...document.querySelectorAll('table')]"
        f".filter(t => t.getBoundingClientRect().right > {A4_PRINTABLE_PX} + 1).map(t => t.id)"
    )
    assert cut == []
    assert page.run("getComputedStyle(document.querySelector('nav.site-nav')).display") == "none"
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert page.problems() == []
