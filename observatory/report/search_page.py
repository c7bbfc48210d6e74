"""The search page (`search.html`, `search.en.html`): one box that finds a product (its HS
code, or words of its description or of its sector's name in French or English), a market
(its name in either language or its ISO3 code) or a sector, and opens its page.

The index is built here and embedded in the page as JSON (a `<script type=
"application/json">` block: a page opened from the file system cannot fetch a file beside
it), and the same JSON is written beside the pages (`search-index.json`,
`search-index.en.json`) for other tools. `static/report.js` searches it in the browser,
offline. Entries: {kind, code, label, words, href, rank}; `rank` orders the hits of equal
relevance (products by decreasing exports, then the others).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from markupsafe import Markup

from observatory.report import parameters
from observatory.report.afcfta_page import has_afcfta
from observatory.report.afcfta_page import market_file as afcfta_file
from observatory.report.atomic import write_atomic
from observatory.report.filenames import (
    SEARCH_FILES,
    STUDY_REPORT_FILES,
    market_file,
    product_file,
    sector_file,
)
from observatory.report.formatting import check_language
from observatory.report.metadata import load_run_metadata
from observatory.report.page import page_context, render_page
from observatory.report.product_fiche import FicheSet
from observatory.report.published import PublishedTables
from observatory.report.sector_fiche import sectors_with_fiches

TEMPLATE = "search.html.j2"
INDEX_FILES = {"fr": "search-index.json", "en": "search-index.en.json"}


@dataclass(frozen=True)
class Entry:
    kind: str  # product, market, sector
    code: str
    label: str
    words: str  # everything else the entry is found by (the other language's names)
    href: str
    rank: int

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "code": self.code,
            "label": self.label,
            "words": self.words,
            "href": self.href,
            "rank": self.rank,
        }


def search_entries(tables: PublishedTables, found: FicheSet, lang: str) -> list[Entry]:
    """The entries of the search index in `lang`: every product fiche, every market with a
    page (the watch's priority markets, the AfCFTA pages), every sector."""
    check_language(lang)
    entries: list[Entry] = []

    def exports(code: str) -> float:
        latest = found.fiches[code].latest
        return float(latest["home_exports_usd"] or 0.0) if latest else 0.0

    ordered = sorted(found.fiches, key=lambda code: (-exports(code), code))
    for rank, code in enumerate(ordered, start=1):
        fiche = found.fiches[code]
        sector = found.sectors.get(fiche.sector or "")
        label = fiche.description or ""
        words = " ".join(w for w in (*(sector or ()), fiche.heading or "", fiche.level) if w)
        entries.append(Entry("product", code, label, words, product_file(code, lang), rank))
    markets: dict[str, str] = {}
    if parameters.has_watch(tables):
        markets.update({m: market_file(m, lang) for m in parameters.priority_markets(tables)})
    if has_afcfta(tables):
        for r in tables.records(
            "select distinct importer_iso3 from mart.afcfta_margins "
            "union select distinct importer_iso3 from mart.best_door"
        ):
            markets.setdefault(r["importer_iso3"], afcfta_file(r["importer_iso3"], lang))
    for rank, iso3 in enumerate(sorted(markets), start=1):
        names = found.countries.get(iso3, (iso3, iso3))
        label = found.country(iso3, lang)
        words = " ".join(n for n in names if n and n != label)
        entries.append(Entry("market", iso3, label, words, markets[iso3], rank))
    # A sector opens its fiche, or the study's sectors when it has none.
    with_fiche = set(sectors_with_fiches(found))
    study = STUDY_REPORT_FILES[lang] + "#competitiveness" if parameters.has_study(tables) else None
    for rank, (code, names) in enumerate(sorted(found.sectors.items()), start=1):
        href = sector_file(code, lang) if code in with_fiche else study
        if href is None:
            continue
        label = found.sector_name(code, lang) or code
        words = " ".join(n for n in names if n and n != label)
        entries.append(Entry("sector", code, label, words, href, rank))
    return entries


def index_json(entries: list[Entry], lang: str) -> str:
    """The index as JSON, safe inside a <script> element (`<`, `>` and `&` escaped)."""
    text = json.dumps(
        {"lang": lang, "entries": [e.as_json() for e in entries]},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_search_page(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    lang: str,
    found: FicheSet,
    *,
    generated_at: datetime | None = None,
) -> list[Path]:
    """Write `search.html` (or `search.en.html`) and its JSON index into `out_dir`."""
    check_language(lang)
    tables = PublishedTables(con, "search page")
    meta = load_run_metadata(
        tables.with_reader("report"),
        lang=lang,
        generated_at=generated_at or datetime.now(UTC),
        counted=[],
    )
    entries = search_entries(tables, found, lang)
    data = index_json(entries, lang)
    index_path = Path(out_dir) / INDEX_FILES[lang]
    write_atomic(index_path, data + "\n")
    context = page_context(lang, meta)
    counts = {
        kind: sum(1 for e in entries if e.kind == kind) for kind in ("product", "market", "sector")
    }
    context.update(
        search_index=Markup(data),  # escaped by index_json for a <script> element
        counts=counts,
        markets=[e for e in entries if e.kind == "market"],
        sectors=[e for e in entries if e.kind == "sector"],
    )
    page = render_page(TEMPLATE, context, Path(out_dir) / SEARCH_FILES[lang])
    return [page, index_path]
