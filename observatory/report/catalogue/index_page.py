"""The tables of the index page (index.html) and of the footer of every page."""

from __future__ import annotations

from observatory.report.columns import (
    CODE,
    INTEGER,
    PLAIN,
    TEXT,
    USD,
    Column,
    Table,
    decimal,
    percent,
)

C = Column


# --- the index page (index.html) ------------------------------------------------------------

TOP_PRODUCTS = Table(
    "top-products",
    "mart.home_rca_hs6",
    (
        C("rank", "col_rank", PLAIN),
        C("hs6", "col_hs6", CODE),
        C("description", "col_description", TEXT),
        C("sector", "col_sector", TEXT),
        C("exports_usd", "col_exports", USD),
        C("rca", "col_rca", decimal(2)),
        C("world_market_share", "col_world_share", percent(1)),
    ),
    order=("rca desc", "hs6"),
    css="data products",
)
TOP_MARKETS = Table(
    "top-markets",
    "mart.home_top_markets",
    (
        C("rank", "col_rank", PLAIN),
        C("name", "col_market", TEXT),
        C("iso3", "col_iso3", CODE),
        C("exports_usd", "col_exports", USD),
        C("share", "col_market_share", percent(1)),
    ),
    order=("m.rank", "m.importer_iso3"),
    css="data markets",
)

# --- the footer of every page ---------------------------------------------------------------

SOURCES = Table(
    "sources",
    "ops.load_ledger",
    (
        C("source", "col_source", TEXT, custom=True),  # its display name
        C("release", "col_release", TEXT),
        C("file_name", "col_file", TEXT, css="file"),
        C("file_sha256", "col_sha256", CODE, custom=True),  # shortened, in full on hover
        C("rows_read", "col_rows_read", INTEGER),
        C("rows_loaded", "col_rows_loaded", INTEGER),
        C("rows_rejected", "col_rows_rejected", INTEGER),
        C("status", "col_status", TEXT, custom=True),  # translated, with tags
    ),
    order=("source", "release", "file_name"),
    css="data sources",
)
ROW_COUNTS = Table(
    "row-counts",
    "ops.load_ledger",
    (
        C("table", "col_table", TEXT, custom=True),
        C("rows", "col_rows", INTEGER),
    ),
    css="data counts",
)
VALIDATION = Table(
    "validation",
    "ops.validation_results",
    (
        C("suite", "col_suite", TEXT),
        C("passed", "col_passed", INTEGER),
        C("failed", "col_failed", INTEGER),
    ),
    order=("suite",),
    css="data validation",
)
VALIDATION_FAILURES = Table(
    "validation-failures",
    "ops.validation_results",
    (
        C("suite", "col_suite", TEXT),
        C("batch_id", "col_batch", CODE, custom=True),
        C("expectation", "col_expectation", CODE, custom=True),
        C("column_name", "col_column", CODE, custom=True),
        C("unexpected_count", "col_unexpected", INTEGER),
        C("element_count", "col_checked", INTEGER),
        C("sample", "col_sample", TEXT, css="sample"),
    ),
    order=("suite", "batch_id", "expectation", "column_name"),
    css="data failures",
)
