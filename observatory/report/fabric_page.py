"""The exporter fabric's page (`fabric.html`, `fabric.en.html`): exporter dynamics by year
and breakdown, the HS6 codes carried by few exporters, and the program follow-up, from the
published `mart.fabric_*` tables only (disclosed aggregates: a suppressed cell shows "c",
the rule stated on the page). Its tables are declared in
observatory/report/catalogue/fabric.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from observatory.report.catalogue.fabric import (
    FABRIC_BREAKDOWN,
    FABRIC_PRODUCTS,
    FABRIC_PROGRAM,
    FABRIC_TOTALS,
)
from observatory.report.filenames import REPORT_FILES
from observatory.report.formatting import check_language
from observatory.report.metadata import load_run_metadata
from observatory.report.page import page_context, render_page
from observatory.report.published import PublishedTables, Record

TEMPLATE = "fabric.html.j2"
FILES = {"fr": "fabric.html", "en": "fabric.en.html"}
TABLES = ("mart.fabric_indicators", "mart.fabric_products", "mart.fabric_program",
          "mart.fabric_disclosure")
BREAKDOWNS = ("sector", "region", "legal_form", "size_class", "hs_section",
              "priority_markets", "destination")
TOP_PRODUCTS = 25


def has_fabric(tables: PublishedTables) -> bool:
    return tables.has("mart.fabric_indicators") and tables.has_rows("mart.fabric_indicators")


def _rows(tables: PublishedTables, sql: str, params: list[object] | None = None
          ) -> list[Record]:
    return tables.records(sql, params or [])


def render_fabric_page(con: duckdb.DuckDBPyConnection, out_dir: Path, lang: str, *,
                       generated_at: datetime | None = None) -> list[Path]:
    """Write the page in `lang` (none when the published database has no fabric cells)."""
    check_language(lang)
    tables = PublishedTables(con, "report")
    if not has_fabric(tables):
        return []
    meta = load_run_metadata(tables, lang=lang, generated_at=generated_at or datetime.now(UTC),
                             counted=list(TABLES))
    last = tables.value("select max(year) from mart.fabric_indicators")
    rules = tables.records("select min_exporters, dominance_share, min_exporters_quantiles "
                           "from mart.fabric_disclosure limit 1")
    context = page_context(lang, meta)
    context.update(
        home_file=REPORT_FILES[lang],
        last_year=last,
        rules=rules[0] if rules else None,
        totals=_rows(tables, "select * from mart.fabric_indicators where dimension = 'total'"
                             + FABRIC_TOTALS.order_by()),
        breakdowns=[(dim, _rows(tables, "select * from mart.fabric_indicators where "
                                        "dimension = ? and year = ? and (dimension <> "
                                        "'destination' or is_priority_market)"
                                        + FABRIC_BREAKDOWN.order_by(),
                                [dim, last]))
                    for dim in BREAKDOWNS],
        products=_rows(tables, "select * from mart.fabric_products where year = ? "
                               "and status = 'ok'" + FABRIC_PRODUCTS.order_by() + " limit ?",
                       [last, TOP_PRODUCTS]),
        fragile=tables.value("select count(*) from mart.fabric_products where year = ? "
                             "and fragile", [last]),
        products_total=tables.value("select count(*) from mart.fabric_products "
                                    "where year = ?", [last]),
        program=_rows(tables, "select * from mart.fabric_program" + FABRIC_PROGRAM.order_by()),
        suppressed=tables.value("select count(*) from mart.fabric_indicators "
                                "where status = 'c'"),
    )
    return [render_page(TEMPLATE, context, Path(out_dir) / FILES[lang])]
