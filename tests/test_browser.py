"""The report pages in a real browser: headless Chromium (Debian's `chromium`, installed by
`.ci/run`) opens each page from the file system and dumps the DOM it built. A page fails on
any console message, on a script other than the package's own (static/report.js, inlined),
on a chart missing from the DOM, on markup from feed text turned into elements, or on a
`javascript:` link. tests/test_browser_pages.py drives the pages (search, sort, download).

Without chromium the tests skip with a reason, except when the environment variable CI is
set: CI must run them, so there they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from observatory.report.index_page import render_report
from observatory.report.study_report import render_study_report
from observatory.report.watch_report import INDEX_CHARTS, MARKET_CHARTS, render_watch_reports
from tests.report_scripts import without_package_scripts
from tests.test_report import build_database
from tests.test_study_report import build_study_database
from tests.test_watch_report import HOSTILE_TITLE, build_watch_database

GENERATED_AT = datetime(2026, 2, 3, 4, 5, tzinfo=UTC)
TIMEOUT_S = 60
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=2000",
    "--dump-dom",
)
# Chromium's own noise (D-Bus, GPU, sandbox warnings) never names the console; what the
# page does (console.*, uncaught exceptions, blocked resources) does.
CONSOLE = re.compile(r"CONSOLE|Uncaught")
# The charts each page must show, by element id.
STUDY_CHARTS = ("chart-positioning", "chart-market-shares", "chart-cms", "chart-product-space")
EXPECTED_CHARTS: dict[str, tuple[str, ...]] = {
    "watch.html": INDEX_CHARTS,
    "watch.en.html": INDEX_CHARTS,
    "market-FRA.html": MARKET_CHARTS,
    "market-FRA.en.html": MARKET_CHARTS,
    # SEN: no competitor rows in the test database, so no competitor chart.
    "market-SEN.html": ("chart-share-moves", "chart-demand"),
    "digest.html": (),
    "index.html": ("chart-rca", "chart-markets"),
    "study.html": STUDY_CHARTS,
}
SENTINEL = "sentinel.html"  # a broken page: proves the checks catch what they look for


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]


class DomScan(HTMLParser):
    """Every element (tag and attributes) and the text of a dumped DOM."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k.lower(): v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@dataclass
class Opened:
    """A page as the browser built it."""

    name: str
    returncode: int
    dom: str
    console: list[str]

    def scan(self) -> DomScan:
        """The elements and text of the page, the package's own scripts left out."""
        scan = DomScan()
        scan.feed(without_package_scripts(self.dom))
        scan.close()
        return scan

    def problems(self, expected_charts: tuple[str, ...]) -> list[str]:
        """Everything wrong with the page, as readable lines (empty when it is fine)."""
        found = [f"console: {line}" for line in self.console]
        if self.returncode != 0:
            found.append(f"chromium exited with {self.returncode}")
        if "</html>" not in self.dom:
            found.append("no DOM was dumped")
        for chart_id in expected_charts:
            match = re.search(rf'<svg\b[^>]*\bid="{re.escape(chart_id)}"', self.dom)
            if match is None:
                found.append(f"missing chart: {chart_id}")
                continue
            svg = self.dom[match.start() : self.dom.find("</svg>", match.start())]
            if "<title" not in svg:
                found.append(f"chart without a <title>: {chart_id}")
        for element in self.scan().elements:
            events = sorted(name for name in element.attrs if name.startswith("on"))
            if events:
                found.append(f"<{element.tag}> with event handler(s) {events}")
            if element.tag in ("script", "img", "iframe", "object", "embed"):
                found.append(f"<{element.tag}> element")
            href = re.sub(r"[\s\x00-\x1f]", "", element.attrs.get("href", "")).lower()
            if href.startswith(("javascript:", "data:", "vbscript:")):
                found.append(f"<{element.tag}> links to {element.attrs['href']!r}")
        return found


def open_page(binary: str, path: Path, profile: Path) -> Opened:
    """Open `path` in headless Chromium (its own profile folder) and dump its DOM; a page that
    does not finish in TIMEOUT_S (an alert() dialog blocks a headless page) is killed with
    the processes this call started."""
    url = path.resolve().as_uri()
    env = {**os.environ, "HOME": str(profile), "XDG_CONFIG_HOME": str(profile / "config"),
           "XDG_CACHE_HOME": str(profile / "cache")}
    process = subprocess.Popen(
        [binary, *FLAGS, f"--user-data-dir={profile / 'data'}", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, so a timeout can end all of it
    )
    try:
        dom, log = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        dom, log = process.communicate()
        return Opened(path.name, -1, dom, [f"chromium did not finish in {TIMEOUT_S} s "
                                           "(a blocking dialog such as alert()?)"])
    console = [line for line in log.splitlines() if CONSOLE.search(line)]
    console += [line for line in log.splitlines() if url in line and line not in console]
    return Opened(path.name, process.returncode, dom, console)


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = chromium_binary()
    if binary is None:
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if "CI" in os.environ:
            pytest.fail(f"{reason}: CI must run the browser test (.ci/run installs it)")
        pytest.skip(reason)
    return binary


def _render_pages(out: Path, work: Path) -> dict[str, Path]:
    """The watch pages from the watch test database, the nightly index and the study page
    from theirs, and the sentinel: a copy of the French market page with a console error and
    without its first chart."""
    paths: dict[str, Path] = {}
    databases = {
        "watch": build_watch_database(work / "watch.duckdb"),
        "index": build_database(work / "index.duckdb", synthetic=True, failures=True),
        "study": build_study_database(work / "study.duckdb"),
    }
    for kind, db in databases.items():
        con = duckdb.connect(str(db), read_only=True)
        try:
            if kind == "watch":
                written = [p for lang in ("fr", "en")
                           for p in render_watch_reports(con, out, lang, generated_at=GENERATED_AT)]
            elif kind == "index":
                written = [render_report(con, out, lang="fr", generated_at=GENERATED_AT)]
            else:
                written = [render_study_report(con, out, "fr", generated_at=GENERATED_AT)]
        finally:
            con.close()
        paths.update((p.name, p) for p in written if p.name in EXPECTED_CHARTS)
    broken = paths["market-FRA.html"].read_text(encoding="utf-8")
    broken = broken.replace('id="chart-share-moves"', 'id="chart-renamed"', 1)
    broken = broken.replace("</main>", '<script>console.error("sentinel")</script></main>', 1)
    paths[SENTINEL] = out / SENTINEL
    paths[SENTINEL].write_text(broken, encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def opened(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Opened]:
    """Every page opened in the browser, four at a time."""
    out = tmp_path_factory.mktemp("browser-pages")
    paths = _render_pages(out, tmp_path_factory.mktemp("browser-databases"))
    profiles = tmp_path_factory.mktemp("browser-profiles")
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            name: pool.submit(open_page, chromium, path, profiles / name)
            for name, path in paths.items()
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", sorted(EXPECTED_CHARTS))
def test_page_opens_without_console_messages_and_with_its_charts(
    name: str, opened: dict[str, Opened]
) -> None:
    assert opened[name].problems(EXPECTED_CHARTS[name]) == []


@pytest.mark.parametrize("name", ["market-FRA.html", "market-FRA.en.html"])
def test_feed_markup_renders_as_text(name: str, opened: dict[str, Opened]) -> None:
    page = opened[name]
    escaped = "&lt;img src=x onerror=alert(1)&gt;Tomato rules &amp; &lt;b&gt;bold&lt;/b&gt;"
    assert escaped in page.dom
    scan = page.scan()
    assert HOSTILE_TITLE in "".join(scan.text)
    assert not [e for e in scan.elements if e.tag in ("img", "b") or "onerror" in e.attrs]
    hrefs = [e.attrs["href"] for e in scan.elements if "href" in e.attrs]
    assert hrefs and not [h for h in hrefs if h.strip().lower().startswith("javascript:")]


def test_the_checks_catch_a_console_error_and_a_missing_chart(
    opened: dict[str, Opened],
) -> None:
    problems = opened[SENTINEL].problems(MARKET_CHARTS)
    assert any("console" in p and "sentinel" in p for p in problems), problems
    assert "missing chart: chart-share-moves" in problems
    assert "<script> element" in problems
