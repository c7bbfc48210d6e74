"""The index page of the nightly job (`index.html`, `index.en.html`): the home country's
products by revealed comparative advantage and its main markets, from the marts
`home_rca_hs6` and `home_top_markets`, with links to the study report and the watch when
the published database holds them; every table and chart states the sources of its rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import duckdb

from observatory.report import catalogue, parameters
from observatory.report.afcfta_page import INDEX_FILES, has_afcfta
from observatory.report.charts import bar_chart_svg
from observatory.report.filenames import REPORT_FILES, STUDY_REPORT_FILES, WATCH_REPORT_FILES
from observatory.report.formatting import check_language, format_decimal, format_percent
from observatory.report.metadata import load_run_metadata
from observatory.report.page import page_context, render_page
from observatory.report.parameters import RunParameters
from observatory.report.provenance import Provenance
from observatory.report.published import PublishedTables

TEMPLATE = "rca_report.html.j2"
CHART_PRODUCTS = 15
MARKETS_CHART_WIDTH = 480  # drawn beside the markets table on wide screens


@dataclass(frozen=True)
class ProductRow:
    rank: int
    hs6: str
    description: str | None
    sector: str | None
    exports_usd: float
    rca: float
    world_market_share: float | None


@dataclass(frozen=True)
class MarketRow:
    rank: int
    iso3: str
    name: str
    exports_usd: float
    share: float | None


@dataclass(frozen=True)
class KeyFigures:
    total_exports_usd: float | None
    products_exported: int
    products_with_rca: int
    share_with_rca: float | None


def load_reference_year(tables: PublishedTables, run: RunParameters) -> int | None:
    """The last study year in which the home country exports anything (None if none)."""
    year = tables.value(
        "select max(year) from mart.home_rca_hs6 "
        "where home_exports_usd > 0 and year between ? and ?",
        [run.first_year, run.last_year],
    )
    return None if year is None else int(year)


def load_top_products(
    tables: PublishedTables, year: int, lang: str, top_n: int
) -> list[ProductRow]:
    """The `top_n` products the home country exports in `year`, by decreasing RCA."""
    rows = tables.rows(
        f"""
        select hs6, description,
               case when ? = 'fr' then sector_name_fr else sector_name_en end,
               home_exports_usd, rca, world_market_share
        from {catalogue.TOP_PRODUCTS.source}
        where year = ? and home_exports_usd > 0 and rca is not null
        {catalogue.TOP_PRODUCTS.order_by()}
        limit ?
        """,
        [lang, year, top_n],
    )
    return [ProductRow(rank, *row) for rank, row in enumerate(rows, start=1)]


def load_key_figures(tables: PublishedTables, year: int, threshold: float) -> KeyFigures:
    rows = tables.rows(
        """
        select max(home_total_exports_usd),
               count(*) filter (where home_exports_usd > 0),
               count(*) filter (where home_exports_usd > 0 and rca >= ?),
               sum(home_exports_usd) filter (where home_exports_usd > 0 and rca >= ?)
        from mart.home_rca_hs6
        where year = ?
        """,
        [threshold, threshold, year],
    )
    total, exported, with_rca, exports_with_rca = rows[0]
    share = (exports_with_rca or 0.0) / total if total else None
    return KeyFigures(total, exported, with_rca, share)


def load_top_markets(tables: PublishedTables, year: int, lang: str, top_n: int) -> list[MarketRow]:
    rows = tables.rows(
        f"""
        select m.rank, m.importer_iso3,
               coalesce(case when ? = 'fr' then c.name_fr else c.name_en end, m.importer_iso3),
               m.exports_usd, m.share_of_home_exports
        from {catalogue.TOP_MARKETS.source} as m
        left join ref.countries as c on c.iso3 = m.importer_iso3
        where m.year = ?
        {catalogue.TOP_MARKETS.order_by()}
        limit ?
        """,
        [lang, year, top_n],
    )
    return [MarketRow(*row) for row in rows]


def render_report(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    *,
    lang: str = "fr",
    top_n: int = 25,
    top_markets: int = 10,
    generated_at: datetime | None = None,
) -> Path:
    """Write the exportable-supply report (`index.html` in French, `index.en.html` in English).

    Reads the run parameters, ledger, validation results and the marts `home_rca_hs6` and
    `home_top_markets` of the published database; returns the path of the written page.
    Raises ValueError for an unknown language or a bad count, WarehouseError when the
    database lacks what the report reads.
    """
    check_language(lang)
    for name, count in (("top_n", top_n), ("top_markets", top_markets)):
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"{name} must be a positive integer, got {count!r}")
    generated_at = generated_at or datetime.now(UTC)

    tables = PublishedTables(con, "report")
    meta = load_run_metadata(
        tables,
        lang=lang,
        generated_at=generated_at,
        counted=[catalogue.TOP_PRODUCTS.source, catalogue.TOP_MARKETS.source],
    )
    run = meta.parameters
    year = load_reference_year(tables, run)
    products: list[ProductRow] = []
    markets: list[MarketRow] = []
    figures: KeyFigures | None = None
    if year is not None:
        products = load_top_products(tables, year, lang, top_n)
        markets = load_top_markets(tables, year, lang, top_markets)
        figures = load_key_figures(tables, year, run.rca_threshold)

    context = page_context(lang, meta)
    messages = context["t"]
    threshold_text = format_decimal(run.rca_threshold, lang, 2)
    charted = products[:CHART_PRODUCTS]
    rca_chart_title = messages["chart_rca_title"].format(n=len(charted), year=year)
    markets_chart_title = messages["chart_markets_title"].format(n=len(markets), year=year)
    rca_chart = (
        bar_chart_svg(
            [(f"{p.hs6} {p.description or ''}".strip(), p.rca) for p in charted],
            title=rca_chart_title,
            reference_line=run.rca_threshold,
            reference_label=messages["chart_threshold"].format(threshold=threshold_text),
            value_format=partial(format_decimal, lang=lang, decimals=2),
            tick_format=partial(format_decimal, lang=lang, decimals=2, trim=True),
            chart_id="chart-rca",
            css_class="bar-chart chart-rca",
        )
        if charted
        else None
    )
    markets_chart = (
        bar_chart_svg(
            [(m.name, m.share) for m in markets if m.share is not None],
            title=markets_chart_title,
            value_format=partial(format_percent, lang=lang, decimals=1),
            tick_format=partial(format_percent, lang=lang, decimals=2, trim=True),
            width=MARKETS_CHART_WIDTH,
            chart_id="chart-markets",
            css_class="bar-chart chart-markets",
        )
        if markets and all(m.share is not None for m in markets)
        else None
    )
    provenance = Provenance(tables, messages, lang)
    lines = {"products": "", "markets": ""}
    if year is not None:
        lines = {
            "products": provenance.line(
                provenance.rows(catalogue.TOP_PRODUCTS.source, "year = ?", [year])
            ),
            # The home country's markets come from reconciled bilateral flows only.
            "markets": provenance.line(provenance.reconciled([year])),
        }
    context.update(
        lines=lines,
        year=year,
        threshold_text=threshold_text,
        products=products,
        markets=markets,
        figures=figures,
        rca_chart=rca_chart,
        rca_chart_title=rca_chart_title,
        markets_chart=markets_chart,
        markets_chart_title=markets_chart_title,
        top_n=top_n,
        study_link=STUDY_REPORT_FILES[lang] if parameters.has_study(tables) else None,
        watch_link=WATCH_REPORT_FILES[lang] if parameters.has_watch(tables) else None,
        afcfta_link=INDEX_FILES[lang] if has_afcfta(tables) else None,
    )
    return render_page(TEMPLATE, context, Path(out_dir) / REPORT_FILES[lang])
