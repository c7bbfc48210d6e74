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

from observatory.report import parameters
from observatory.report.filenames import STUDY_WORKBOOK_FILES
from observatory.report.index_page import render_report
from observatory.report.published import PublishedTables
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
) -> list[Path]:
    """Render every report the published database holds into `out_dir`, per language: the
    index (`top_n` products, `top_markets` markets), the study workbook and report
    (`top_opportunities` rows per ranked table) when it holds a study refresh, and the
    watch pages when it holds a watch refresh. With `markets`, only those markets' watch
    pages (and the watch index and digest). Returns the paths written."""
    out_dir = Path(out_dir)
    paths: list[Path] = []
    if markets:
        for lang in langs:
            paths += render_watch_reports(con, out_dir, lang, markets=markets)
        return paths
    tables = PublishedTables(con, "report")
    has_study, has_watch = parameters.has_study(tables), parameters.has_watch(tables)
    for lang in langs:
        paths.append(render_report(con, out_dir, lang=lang, top_n=top_n, top_markets=top_markets))
        if has_study:
            book = STUDY_WORKBOOK_FILES[lang]
            paths.append(write_study_workbook(con, out_dir / book, lang))
            paths.append(
                render_study_report(con, out_dir, lang, top_n=top_opportunities, workbook_name=book)
            )
        if has_watch:
            paths += render_watch_reports(con, out_dir, lang)
    return paths
