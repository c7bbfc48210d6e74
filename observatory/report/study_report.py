"""The exportable-offer study report (`study.html`, `study.en.html`), beside the nightly
report's `index.html`.

It reads the study's parameters (required: no study refresh, no report), `ops.study_versions`,
`ops.study_vintages`, the run metadata and the study marts listed in `STUDY_MARTS`. A mart
that is missing or empty turns its section into a "no data" sentence naming the table;
every table caption names its mart, and every table and chart states under it the sources
and releases of its rows (`source_lines`). The section on the data sources ends with what
fed the indicators and what was left out (`mart.input_coverage`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb

from observatory.report import catalogue, fabric_page, parameters, study_charts
from observatory.report.filenames import STUDY_REPORT_FILES
from observatory.report.formatting import Formatter, check_language, format_decimal
from observatory.report.metadata import load_run_metadata
from observatory.report.page import page_context, render_page
from observatory.report.parameters import StudyParameters
from observatory.report.published import PublishedTables, Record
from observatory.report.study_reader import StudyReader
from observatory.report.texts import code_label

__all__ = ["STUDY_REPORT_FILES", "render_study_report"]

TEMPLATE = "study_report.html.j2"
# The study marts the report reads, in the order of its sections (footer row counts).
STUDY_MARTS = (
    "mart.product_competitiveness",
    "mart.market_indicators",
    "mart.home_concentration",
    "mart.cms_decomposition",
    "mart.complexity_countries",
    "mart.complexity_products",
    "mart.home_product_space",
    "mart.diversification_opportunities",
    "mart.export_potential",
    "mart.afcfta_openings",
    "mart.study_changes",
    "mart.input_coverage",
)


def render_study_report(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    lang: str = "fr",
    top_n: int = 25,
    *,
    generated_at: datetime | None = None,
    workbook_name: str | None = None,
) -> Path:
    """Write the exportable-offer study report (`study.html` in French, `study.en.html` in
    English) into `out_dir`; returns the path of the written page.

    `top_n` rows in every ranked table (and bubbles in the positioning chart);
    `workbook_name`, when given, is the file name of the study workbook written beside the
    page (the summary links to it). Raises ValueError for an unknown language or a bad
    count, WarehouseError when the database has no study parameters or cannot be read.
    """
    check_language(lang)
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise ValueError(f"top_n must be a positive integer, got {top_n!r}")
    generated_at = generated_at or datetime.now(UTC)

    tables = PublishedTables(con, "study report")
    params = parameters.required_study_parameters(tables)
    meta = load_run_metadata(
        tables.with_reader("report"),
        lang=lang,
        generated_at=generated_at,
        counted=[table for table in STUDY_MARTS if tables.has(table)],
    )
    context = page_context(lang, meta)
    t: dict[str, str] = context["t"]
    fmt: Formatter = context["fmt"]
    reader = StudyReader(tables, params, t, lang, top_n)
    year = reader.year

    summary = reader.summary()
    products = reader.top_products()
    window_start = next(
        (p["window_start_year"] for p in products if p["window_start_year"] is not None),
        None if year is None else max(params.first_year, year - params.growth_window),
    )
    positioning_title = t["positioning_chart_title"].format(
        n=len(products), start=window_start, year=year
    )
    sectors = reader.sector_table()
    sector_products = reader.sector_products(sectors)
    # The exporter fabric beside the products (columns absent without the fabric's marts).
    fabric_columns = reader.fabric_products(sector_products)
    market_year, markets = reader.markets()
    markets_title = t["markets_share_chart_title"].format(year=market_year)
    cms = reader.cms()
    cms_years = (params.cms_base_year, params.cms_end_year)
    if cms:
        cms_years = (cms[0]["base_year"], cms[0]["end_year"])
    cms_title = t["cms_chart_title"].format(base=cms_years[0], end=cms_years[1])
    level = reader.complexity_level()
    eci = reader.eci(level)
    space_year, space, space_total = reader.product_space()
    space_title = t["pci_chart_title"].format(year=space_year)
    potential_markets = reader.potential_markets()
    diversification = reader.diversification()
    version = reader.version()
    changes = reader.changes(version)
    coverage, coverage_total = reader.coverage()
    threshold_text = format_decimal(params.rca_threshold, lang, 2)

    context.update(
        params=params,
        home_name=reader.country(params.home_iso3),
        year=year,
        threshold_text=threshold_text,
        top_n=top_n,
        code_label=partial(code_label, messages=t),
        workbook_name=workbook_name,
        summary=summary,
        eci_latest=eci[-1] if eci else None,
        products=products,
        products_charted=sum(1 for p in products if study_charts.has_position(p)),
        window_start=window_start,
        positioning_title=positioning_title,
        positioning_chart=study_charts.positioning_chart(products, positioning_title, t, lang),
        quadrants=reader.quadrants(summary["total_exports_usd"] if summary else None),
        sectors=sectors,
        sector_products=sector_products,
        sector_products_table=(
            catalogue.SECTOR_PRODUCTS
            if fabric_columns
            else catalogue.SECTOR_PRODUCTS.without(*catalogue.FABRIC_PRODUCT_COLUMNS)
        ),
        fabric_columns=fabric_columns,
        fabric_rules=reader.fabric_rules(),
        fabric_totals=reader.fabric_totals(),
        fabric_file=fabric_page.FILES[lang],
        market_year=market_year,
        markets=markets,
        markets_title=markets_title,
        markets_chart=study_charts.markets_chart(markets, markets_title, lang),
        concentration=reader.concentration(),
        cms=cms,
        cms_years=cms_years,
        cms_title=cms_title,
        cms_chart=study_charts.cms_chart(cms, cms_title, t, lang),
        cms_total=next((r["value_usd"] for r in cms if r["effect"] == "total"), None),
        complexity_level=level,
        eci=eci,
        space_year=space_year,
        space_shown=len(space),
        space_total=space_total,
        space_title=space_title,
        space_chart=study_charts.product_space_chart(space, space_title, t, lang),
        diversification=diversification,
        potential_markets=potential_markets,
        potential_top=reader.potential_top(),
        neutral_markets=[m for m in potential_markets if m["neutral_products"]],
        afcfta=reader.afcfta(),
        changes=changes,
        version=version,
        vintages=reader.vintages(version),
        coverage=coverage,
        coverage_total=coverage_total,
        lines=source_lines(
            reader,
            year=year,
            market_year=market_year,
            markets=[m["market_iso3"] for m in markets],
            cms_years=cms_years,
            level=level,
            eci_years=[r["year"] for r in eci],
            space_year=space_year,
            diversification_years=[r["year"] for r in diversification if r["year"]],
            changes=changes["rows"],
        ),
        method=_method_values(params, fmt, cms_years, level, threshold_text),
    )
    return render_page(TEMPLATE, context, Path(out_dir) / STUDY_REPORT_FILES[lang])


def source_lines(
    reader: StudyReader,
    *,
    year: int | None,
    market_year: int | None,
    markets: list[str],
    cms_years: tuple[int, int],
    level: int | None,
    eci_years: list[int],
    space_year: int | None,
    diversification_years: list[int],
    changes: list[Record],
) -> dict[str, str]:
    """The source line of each table and chart, from the rows it shows: the marts that
    carry their rows' source give it; the others are read from what fed them."""
    prov = reader.provenance
    competitiveness = "mart.product_competitiveness"
    products = prov.rows(competitiveness, "level = 'hs6' and year = ?", [year]) if year else []
    markets_origins = []
    if market_year is not None:
        markets_origins = [
            *prov.rows(competitiveness, "level = 'hs6' and year = ?", [market_year]),
            *prov.rows(
                "mart.market_product_shares",
                "level = 'hs6' and year = ? and market_iso3 in (select unnest(?::varchar[]))",
                [market_year, markets],
            ),
        ]
    potential = prov.export_potential()
    untapped = any(r["change"] == "untapped" for r in changes)
    return {
        "products": prov.line(products),
        "sectors": prov.line(
            prov.rows(competitiveness, "level = 'sector' and year = ?", [year]) if year else []
        ),
        "markets": prov.line(markets_origins),
        "concentration": prov.line(prov.rows("mart.home_concentration")),
        "cms": prov.line(prov.reconciled(cms_years)),
        "eci": prov.line(prov.exporter_side(eci_years, [level]) if level else []),
        "space": prov.line(prov.exporter_side([space_year]) if space_year else []),
        "diversification": prov.line(prov.exporter_side(diversification_years)),
        "potential": prov.line(potential),
        "afcfta": prov.line(prov.afcfta_openings()),
        "changes": prov.line(products, potential if untapped else []),
    }


def _method_values(
    params: StudyParameters,
    fmt: Formatter,
    cms_years: tuple[int, int],
    level: int | None,
    threshold_text: str,
) -> dict[str, Any]:
    """The parameters the method notes quote, formatted in the report's language."""
    return {
        "threshold": threshold_text,
        "window": params.growth_window,
        "horizon": params.horizon_years,
        "home_growth": fmt.percent(params.home_growth, 1),
        "world_growth": fmt.percent(params.world_growth, 1),
        "cap": fmt.percent(params.demand_growth_cap, 1),
        "elasticity": fmt.decimal(params.tariff_elasticity, 2, trim=True),
        "actual_years": params.actual_years,
        "demand_trend": params.demand_growth == "trend",
        "base": cms_years[0],
        "end": cms_years[1],
        "level": level or 6,
    }
