"""The tables of the study workbook (study.xlsx): its README's tables, then one sheet per
study mart, in the workbook's order (study_changes and input_coverage only when the table
exists)."""

from __future__ import annotations

from observatory.report.columns import (
    CODE,
    FEEDS,
    INTEGER,
    REASON,
    SOURCE,
    TEXT,
    USD,
    YEAR,
    Column,
    Table,
    Unit,
    decimal,
    label,
    percent,
    rate,
)
from observatory.report.texts import COLUMN_PREFIX

C = Column

# --- the study workbook (study.xlsx): its README's tables, then one sheet per mart ----------

README_PARAMETERS = Table(
    "parameters",
    "parameters.study_parameters",  # read through the parameters module
    (C("name", "wb_parameter", CODE), C("value", "wb_value", TEXT)),
)
README_MARKETS = Table(
    "markets",
    "parameters.study_markets",
    (C("iso3", "wb_iso3", CODE), C("role", "wb_role", TEXT)),
)
README_VINTAGES = Table(
    "vintages",
    "ops.study_vintages",
    (
        C("source", "col_source", CODE),
        C("vintage", "col_vintage", TEXT),
        C("detail", "col_detail", TEXT),
        C("n_rows", "col_rows", INTEGER),
    ),
    order=("source", "vintage"),
)
README_SHEETS = Table(
    "sheets",
    "(the sheets this workbook holds)",
    (
        C("sheet", "wb_sheet", CODE),
        C("table", "col_table", CODE),
        C("rows", "wb_rows", INTEGER),
        C("note", "wb_note", TEXT),
    ),
)


def sheet_column(name: str, unit: Unit, *, wide: bool = False, derived: bool = False) -> Column:
    """A column of a sheet: the mart's column `name`, headed by the message wb_col_<name>."""
    return Column(name, COLUMN_PREFIX + name, unit, wide=wide, derived=derived)


def sheet(name: str, columns: tuple[Column, ...], order: tuple[str, ...] = ()) -> Table:
    """The sheet `name`, showing the mart of the same name."""
    return Table(name, f"mart.{name}", columns, order=order)


S = sheet_column

# Where a mart's rows come from: its input, source and release (the last three columns of
# the marts that carry them).
ORIGIN_COLUMNS = (S("input", label("input")), S("source", SOURCE), S("vintage", TEXT))

SHEETS: tuple[Table, ...] = (
    sheet(
        "product_competitiveness",
        (
            S("year", YEAR),
            S("level", TEXT),
            S("code", CODE),
            S("description", TEXT, wide=True),
            S("description_fr", TEXT, wide=True),
            S("sector", TEXT),
            S("home_exports_usd", USD),
            S("home_imports_usd", USD),
            S("world_exports_usd", USD),
            S("home_total_exports_usd", USD),
            S("world_total_exports_usd", USD),
            S("world_market_share", percent(2)),
            S("world_market_share_change_pts", decimal(2)),
            S("rca", decimal(2)),
            S("rsca", decimal(3)),
            S("trade_balance_index", decimal(3)),
            S("markets_served", INTEGER),
            S("markets_importing", INTEGER),
            S("market_penetration", percent(2)),
            S("window_start_year", YEAR),
            S("home_exports_cagr", percent(2)),
            S("world_demand_cagr", percent(2)),
            S("world_total_cagr", percent(2)),
            S("quadrant", label("quadrant")),
            *ORIGIN_COLUMNS,
        ),
        order=("year desc", "level", "home_exports_usd desc", "code"),
    ),
    # HS6 rows only (the other levels stay in the database): the note row says so.
    sheet(
        "market_product_shares",
        (
            S("year", YEAR),
            S("market_iso3", CODE),
            S("level", TEXT),
            S("hs_level", INTEGER),
            S("code", CODE),
            S("hs6", CODE),
            S("market_imports_usd", USD),
            S("home_exports_usd", USD),
            S("home_share", percent(2)),
            S("partners_complete", TEXT),
            S("home_rank", INTEGER),
            S("suppliers", INTEGER),
            S("top_supplier_iso3", CODE),
            S("top_supplier_share", percent(2)),
            S("total_from", label("total_from")),
            *ORIGIN_COLUMNS,
        ),
        order=("market_iso3", "year desc", "market_imports_usd desc", "code"),
    ),
    sheet(
        "market_indicators",
        (
            S("year", YEAR),
            S("market_iso3", CODE),
            S("market_name_en", TEXT, wide=True),
            S("market_name_fr", TEXT, wide=True),
            S("market_imports_usd", USD),
            S("home_exports_usd", USD),
            S("home_share", percent(2)),
            S("trade_complementarity", decimal(1)),
            S("trade_intensity", decimal(2)),
            S("products_exported", INTEGER),
            S("export_hhi", decimal(3)),
        ),
        order=("year desc", "home_exports_usd desc", "market_iso3"),
    ),
    sheet(
        "home_concentration",
        (
            S("year", YEAR),
            S("dimension", label("dimension")),
            S("n_items", INTEGER),
            S("hhi", decimal(3)),
            S("normalized_hhi", decimal(3)),
            S("equivalent_number", decimal(1)),
            *ORIGIN_COLUMNS,
        ),
        order=("dimension desc", "year"),
    ),
    sheet(
        "cms_decomposition",
        (
            S("base_year", YEAR),
            S("end_year", YEAR),
            S("scope", TEXT),
            S("effect", label("effect")),
            S("value_usd", USD),
            S("share_of_change", percent(2)),
        ),
        order=("scope", "effect"),
    ),
    # The home country and the countries ranked first by ECI, with their name and rank.
    sheet(
        "complexity_countries",
        (
            S("year", YEAR),
            S("level", INTEGER),
            S("iso3", CODE),
            S("country_name", TEXT, wide=True, derived=True),  # when ref.countries is there
            S("eci_rank", INTEGER, derived=True),
            S("diversity", INTEGER),
            S("eci", decimal(3)),
            S("coi", decimal(3)),
        ),
        order=("year desc", "level desc", "eci_rank", "iso3"),
    ),
    sheet(
        "home_product_space",
        (
            S("year", YEAR),
            S("level", INTEGER),
            S("product_code", CODE),
            S("rca", decimal(2)),
            S("m", INTEGER),
            S("density", decimal(3)),
            S("cog", decimal(3)),
            S("distance", decimal(3)),
            S("pci", decimal(3), derived=True),  # from mart.complexity_products, when there
        ),
        order=("year desc", "level desc", "product_code"),
    ),
    sheet(
        "diversification_opportunities",
        (
            S("hs6", CODE),
            S("description", TEXT, wide=True),
            S("sector", TEXT),
            S("year", YEAR),
            S("rca", decimal(2)),
            S("density", decimal(3)),
            S("distance", decimal(3)),
            S("pci", decimal(3)),
            S("cog", decimal(3)),
            S("world_imports_usd", USD),
            S("world_demand_cagr", percent(2)),
            S("top_importers", CODE),
            S("top_importers_share", percent(2)),
            S("feasibility_pct", percent(2)),  # percentile ranks in [0, 1], not percents
            S("desirability_pct", percent(2)),
            S("opportunity_score", decimal(3)),
            S("opportunity_rank", INTEGER),
        ),
        order=("opportunity_rank", "hs6"),
    ),
    sheet(
        "export_potential",
        (
            S("market_iso3", CODE),
            S("hs6", CODE),
            S("description", TEXT, wide=True),
            S("sector", TEXT),
            S("supply_share", percent(2)),
            S("net_exporter_factor", decimal(3)),
            S("supply_growth_factor", decimal(3)),
            S("market_imports_usd", USD),
            S("demand_growth_rate", percent(2)),
            S("projected_demand_usd", USD),
            S("home_tariff_pct", rate(2)),
            S("average_tariff_pct", rate(2)),
            S("market_access_factor", decimal(3)),
            S("market_access_term", label("access")),
            S("ease_of_trade", decimal(3)),
            S("potential_usd", USD),
            S("actual_usd", USD),
            S("untapped_usd", USD),
            S("realised_share", percent(2)),
            S("reference_year", YEAR),
            S("years_averaged", INTEGER),
        ),
        order=("market_iso3", "untapped_usd desc", "hs6"),
    ),
    sheet(
        "afcfta_openings",
        (
            S("importer_iso3", CODE),
            S("importer_name_en", TEXT, wide=True),
            S("importer_name_fr", TEXT, wide=True),
            S("hs6", CODE),
            S("description", TEXT, wide=True),
            S("sector", TEXT),
            S("importer_imports_usd", USD),
            S("from_africa_usd", USD),
            S("from_outside_africa_usd", USD),
            S("outside_share", percent(2)),
            S("top_outside_supplier_iso3", CODE),
            S("home_exports_usd", USD),
            S("home_share", percent(2)),
            S("home_rca", decimal(2)),
            S("mfn_pct", rate(2)),
            S("afcfta_pct", rate(2)),
            S("tariff_margin_pts", decimal(2)),
            S("tariff_data", TEXT),
            S("opening_usd", USD),
            S("reference_year", YEAR),
            S("years_averaged", INTEGER),
        ),
        order=("opening_usd desc", "importer_iso3", "hs6"),
    ),
    # Only when the table exists (from the second study version on).
    sheet(
        "study_changes",
        (
            S("hs6", CODE),
            S("description", TEXT, wide=True),
            S("sector", TEXT),
            S("previous_study_id", CODE),
            S("study_id", CODE),
            S("change", label("change")),
            S("previous_value", decimal(3)),
            S("current_value", decimal(3)),
            S("detail", TEXT, wide=True),
        ),
        order=("change", "hs6"),
    ),
    # What fed the indicators and what was left out (only when the table exists).
    sheet(
        "input_coverage",
        (
            S("side", label("side")),
            S("input", label("input")),
            S("source", SOURCE),
            S("release", TEXT),
            S("year", YEAR),
            S("hs_level", INTEGER),
            S("market_iso3", CODE),
            S("units", INTEGER),
            S("n_rows", INTEGER),
            S("value_usd", USD),
            S("used", TEXT),
            S("reason", REASON, wide=True),
            S("feeds", FEEDS, wide=True),
        ),
        order=("side", "year", "hs_level desc", "input", "source", "market_iso3"),
    ),
)
# Sheets written only when their table exists (a database published before them).
OPTIONAL_SHEETS = ("study_changes", "input_coverage")
README_TABLES = (README_PARAMETERS, README_MARKETS, README_VINTAGES, README_SHEETS)
