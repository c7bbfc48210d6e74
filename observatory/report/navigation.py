"""The navigation bar of every page: the home page, the study, the watch, the digest and
search, and the same page in the other language.

Which sections exist is read once per page from the published database (`site_sections`,
kept in the page's `RunMetadata`): a database without a study refresh gives no study link.
Links are relative, so that the folder of reports can be copied or opened from anywhere;
a page in a sub-folder (`page_depth` in its context) gets `../` before them.
English pages end in `.en.html` and French ones in `.html`, so the other language of a
page is its own name with the suffix swapped.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import PurePosixPath

from observatory.report import parameters
from observatory.report.filenames import (
    DIGEST_FILES,
    REPORT_FILES,
    SEARCH_FILES,
    STUDY_REPORT_FILES,
    WATCH_REPORT_FILES,
)
from observatory.report.formatting import LANGUAGES
from observatory.report.published import PublishedTables

# (section, message key of its link, file names by language); in the bar's order.
SECTIONS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("home", "nav_home", REPORT_FILES),
    ("study", "nav_study", STUDY_REPORT_FILES),
    ("watch", "nav_watch", WATCH_REPORT_FILES),
    ("digest", "nav_digest", DIGEST_FILES),
    ("search", "nav_search", SEARCH_FILES),
)
ALWAYS = frozenset({"home"})
# What the search page finds: the product fiches (from this mart), markets and sectors.
SEARCHED = "mart.product_competitiveness"


@dataclass(frozen=True)
class Link:
    label: str  # message key
    href: str
    current: bool = False


@dataclass(frozen=True)
class Navigation:
    links: list[Link]
    other_lang: str
    other_href: str


# Sections a rendering leaves out (render_all without the product fiches: no search page).
LEFT_OUT: ContextVar[frozenset[str]] = ContextVar("left_out_sections", default=frozenset())


def site_sections(tables: PublishedTables) -> frozenset[str]:
    """The sections the published database gives pages to: home always, the study with a
    study refresh, the watch and its digest with a watch refresh, search with any of them
    or with the product fiches' mart."""
    found = set(ALWAYS)
    if parameters.has_study(tables):
        found.add("study")
    if parameters.has_watch(tables):
        found |= {"watch", "digest"}
    if len(found) > 1 or tables.has(SEARCHED):
        found.add("search")
    return frozenset(found) - LEFT_OUT.get()


def other_language_file(name: str, lang: str, other: str) -> str:
    """`market-FRA.html` (fr) -> `market-FRA.en.html`, and back."""
    stem = name[: -len(".html")] if name.endswith(".html") else name
    if lang != "fr" and stem.endswith(f".{lang}"):
        stem = stem[: -len(lang) - 1]
    return f"{stem}.html" if other == "fr" else f"{stem}.{other}.html"


def navigation(lang: str, page: str, sections: frozenset[str], depth: int = 0) -> Navigation:
    """The bar of the page `page` (its file name) in `lang`, `depth` folders below the
    reports' folder."""
    up = "../" * depth
    name = PurePosixPath(page).name
    links = [
        Link(label, up + files[lang], current=(depth == 0 and name == files[lang]))
        for section, label, files in SECTIONS
        if section in sections or section in ALWAYS
    ]
    other = next(code for code in LANGUAGES if code != lang)
    return Navigation(links, other, other_language_file(name, lang, other))
