"""Offline HTML reports and the study workbook, read from the published database.

One module per kind of page: `index_page` (index.html), `study_report` (study.html: its
sections read by `study_reader`, its charts in `study_charts`), the watch's `watch_index`,
`market_page` (with `market_trade`) and `digest_page`, rendered together by `watch_report`
on what `watch_reader` and `evidence` share, and `workbook` (study.xlsx). Shared pieces:
`catalogue` (every table shown to readers: source, columns, header labels, units, sort),
built from `columns`; `parameters` (the one reader of the run, study and watch
parameters); `published` (select-only reads); `metadata` (every page's footer); `page`
(templates, stylesheet, context); `formatting` (numbers and dates); `texts` (the messages,
read from `messages/<lang>.toml`); `charts` (inline SVG); `atomic` (writes); `filenames`;
`manifest`. `render` and `i18n` keep former import paths working.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from observatory.config import PriorityConfig
from observatory.report import navigation, parameters
from observatory.report.afcfta_page import render_afcfta_pages
from observatory.report.fabric_page import render_fabric_page
from observatory.report.filenames import STUDY_WORKBOOK_FILES
from observatory.report.index_page import render_report
from observatory.report.product_fiche import FicheSet, load_fiches, render_product_fiches
from observatory.report.published import PublishedTables
from observatory.report.search_page import render_search_page
from observatory.report.sector_fiche import render_sector_fiches
from observatory.report.study_report import render_study_report
from observatory.report.watch_report import render_watch_reports
from observatory.report.workbook import write_study_workbook

__all__ = ["render_all"]


def render_all(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    langs: Iterable[str],
    *,
    top_n: int,
    top_markets: int,
    top_opportunities: int,
    markets: list[str] | None = None,
    priority: PriorityConfig | None = None,
    product_fiches: bool = True,
) -> list[Path]:
    """Render every report the published database holds into `out_dir`, per language: the
    index (`top_n` products, `top_markets` markets), the study workbook and report
    (`top_opportunities` rows per ranked table) when it holds a study refresh, and the
    watch pages when it holds a watch refresh, the product and sector fiches (`priority`:
    the weights of the sectors' priority matrix, the configuration's defaults when None)
    and the search page (all three only with `product_fiches`; without them the pages link
    no search). With `markets`, only those markets' watch pages (and the watch index and
    digest). Returns the paths written."""
    out_dir = Path(out_dir)
    paths: list[Path] = []
    if markets:
        for lang in langs:
            paths += render_watch_reports(con, out_dir, lang, markets=markets)
        return paths
    tables = PublishedTables(con, "report")
    has_study, has_watch = parameters.has_study(tables), parameters.has_watch(tables)
    # The product fiches' rows, read once for both languages (product_fiche.py).
    fiches = (load_fiches(tables, parameters.run_parameters(tables).home_iso3)
              if product_fiches else None)
    left_out = navigation.LEFT_OUT.set(frozenset() if product_fiches else frozenset({"search"}))
    try:
        for lang in langs:
            paths += _render_language(con, out_dir, lang, fiches, priority, top_n=top_n,
                                      top_markets=top_markets,
                                      top_opportunities=top_opportunities,
                                      has_study=has_study, has_watch=has_watch)
    finally:
        navigation.LEFT_OUT.reset(left_out)
    return paths


def _render_language(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    lang: str,
    fiches: FicheSet | None,
    priority: PriorityConfig | None,
    *,
    top_n: int,
    top_markets: int,
    top_opportunities: int,
    has_study: bool,
    has_watch: bool,
) -> list[Path]:
    """Every report of one language (render_all)."""
    paths: list[Path] = []
    paths.append(render_report(con, out_dir, lang=lang, top_n=top_n, top_markets=top_markets))
    if has_study:
        book = STUDY_WORKBOOK_FILES[lang]
        paths.append(write_study_workbook(con, out_dir / book, lang))
        paths.append(
            render_study_report(con, out_dir, lang, top_n=top_opportunities, workbook_name=book)
        )
    if has_watch:
        paths += render_watch_reports(con, out_dir, lang)
    # The AfCFTA pages, when the study holds margins or doors (afcfta_page.py).
    paths += render_afcfta_pages(con, out_dir, lang)
    # The exporter fabric's page, when the published database holds its cells.
    paths += render_fabric_page(con, out_dir, lang)
    # A fiche per product (product-<code>.html) and the search page finding them.
    if fiches is not None:
        paths += render_product_fiches(con, out_dir, lang, found=fiches)
        paths += render_sector_fiches(con, out_dir, lang, fiches, priority)
        if fiches.fiches or has_study or has_watch:
            paths += render_search_page(con, out_dir, lang, fiches)
    return paths
