"""The tables of the study report (study.html)."""

from __future__ import annotations

from observatory.report.columns import (
    CODE,
    INTEGER,
    PLAIN,
    TEXT,
    USD,
    YEAR,
    Column,
    Table,
    decimal,
    label,
    percent,
    rate,
    sql_list,
)

C = Column


# --- the study report (study.html) ----------------------------------------------------------

# The four quadrants of the positioning chart, in the order of its table and legend.
QUADRANTS = ("champion", "losing_ground", "declining_winner", "declining_loser")
QUADRANT_SUMMARY = Table(
    "positioning-quadrants",
    "mart.product_competitiveness",
    (
        C("quadrant", "col_quadrant", label("quadrant"), row_header=True),
        C("definition", "col_definition", label("quadrant_desc"), field="quadrant"),
        C("products", "col_products_hs6", INTEGER),
        C("exports_usd", "col_exports", USD),
        C("share", "col_share_home_exports", percent(1)),
        C("examples", "col_main_products", TEXT, custom=True),
    ),
    css="data study quadrants",
)
SECTORS = Table(
    "sector-summary",
    "mart.product_competitiveness",
    (
        C("name", "col_sector", TEXT, row_header=True),
        C("home_exports_usd", "col_exports", USD),
        C("share_of_exports", "col_share_home_exports", percent(1)),
        C("world_market_share", "col_world_share_pct", percent(2)),
        C("world_market_share_change_pts", "col_share_change_pts", decimal(2)),
        C("rca", "col_rca", decimal(2)),
        C("trade_balance_index", "col_tbi", decimal(2)),
        C("market_penetration", "col_penetration", percent(1)),
        C("home_exports_cagr", "col_home_cagr", percent(1)),
        C("world_demand_cagr", "col_demand_cagr", percent(1)),
        C("quadrant", "col_quadrant", label("quadrant")),
    ),
    order=("home_exports_usd desc nulls last", "code"),
    css="data study competitiveness",
)
SECTOR_PRODUCTS = Table(
    "sector-products",  # one table per sector: sector-products-1, -2...
    "mart.product_competitiveness",
    (
        C("code", "col_hs6", CODE),
        C("description", "col_description", TEXT),
        C("home_exports_usd", "col_exports", USD),
        C("world_market_share", "col_world_share_pct", percent(2)),
        C("world_market_share_change_pts", "col_share_change_pts", decimal(2)),
        C("rca", "col_rca", decimal(2)),
        C("rsca", "col_rsca", decimal(2)),
        C("trade_balance_index", "col_tbi", decimal(2)),
        C("market_penetration", "col_penetration", percent(1)),
        C("home_exports_cagr", "col_home_cagr", percent(1)),
        C("quadrant", "col_quadrant", label("quadrant")),
        # The exporter fabric (mart.fabric_products, the same year), drawn by the template:
        # "c" for a suppressed cell; absent when the published database has no fabric.
        C("fabric_exporters", "col_fabric_exporters", INTEGER, custom=True, derived=True),
        C("fabric_fragile", "col_fabric_fragile", TEXT, custom=True, derived=True),
    ),
    order=("sector", "home_exports_usd desc", "code"),
    css="data study products sector-products",
)
FABRIC_PRODUCT_COLUMNS = ("fabric_exporters", "fabric_fragile")
MARKET_INDICATORS = Table(
    "market-indicators",
    "mart.market_indicators",
    (
        C("name", "col_market", TEXT, row_header=True),
        C("market_iso3", "col_iso3", CODE),
        C("market_imports_usd", "col_market_imports", USD),
        C("home_exports_usd", "col_home_exports_market", USD),
        C("home_share", "col_home_share", percent(2)),
        C("trade_complementarity", "col_complementarity", decimal(1)),
        C("trade_intensity", "col_intensity", decimal(2)),
        C("products_exported", "col_products_exported", INTEGER),
        C("export_hhi", "col_export_hhi", decimal(3)),
    ),
    order=("home_exports_usd desc nulls last", "market_iso3"),
    css="data study markets",
)
CONCENTRATION = Table(
    "concentration-table",
    "mart.home_concentration",
    (
        C("dimension", "col_dimension", label("dimension")),
        C("year", "col_year", YEAR),
        C("n_items", "col_n_items", INTEGER),
        C("hhi", "col_hhi", decimal(3)),
        C("normalized_hhi", "col_normalized_hhi", decimal(3)),
        C("equivalent_number", "col_equivalent_number", decimal(1)),
    ),
    order=(
        "case dimension when 'product' then 0 when 'market' then 1 else 2 end",
        "dimension",
        "year",
    ),
    css="data study concentration",
)
CMS_EFFECTS = ("world_growth", "commodity_composition", "market_distribution", "competitiveness")
CMS = Table(
    "cms-table",
    "mart.cms_decomposition",
    (
        C("effect", "col_effect", label("effect"), row_header=True),
        C("value_usd", "col_amount_usd", USD),
        C("share_of_change", "col_share_of_change", percent(1)),
    ),
    order=(f"list_position({sql_list((*CMS_EFFECTS, 'total'))}, effect) nulls last", "effect"),
    css="data study cms",
)
ECI = Table(
    "eci-table",
    "mart.complexity_countries",
    (
        C("year", "col_year", YEAR),
        C("eci", "col_eci", decimal(2)),
        C("eci_rank", "col_eci_rank", INTEGER),
        C("countries", "col_countries_ranked", INTEGER),
        C("diversity", "col_diversity", INTEGER),
        C("coi", "col_coi", decimal(2)),
    ),
    order=("year",),
    css="data study eci",
)
DIVERSIFICATION = Table(
    "diversification-table",
    "mart.diversification_opportunities",
    (
        C("opportunity_rank", "col_rank", INTEGER),
        C("hs6", "col_hs6", CODE),
        C("description", "col_description", TEXT),
        C("sector_name", "col_sector", TEXT, derived=True),
        C("rca", "col_rca", decimal(2)),
        C("density", "col_density", decimal(3)),
        C("pci", "col_pci", decimal(2)),
        C("cog", "col_cog", decimal(2)),
        C("world_imports_usd", "col_world_imports", USD),
        C("world_demand_cagr", "col_demand_cagr", percent(1)),
        C("top_importers", "col_top_importers", CODE),
        C("opportunity_score", "col_score", decimal(3)),
    ),
    order=("opportunity_rank nulls last", "hs6"),
    css="data study opportunities",
)
POTENTIAL_MARKETS = Table(
    "potential-markets",
    "mart.export_potential",
    (
        C("name", "col_market", TEXT, row_header=True, derived=True),
        C("market_iso3", "col_iso3", CODE),
        C("products", "col_products_hs6", INTEGER, derived=True),
        C("potential_usd", "col_potential", USD),
        C("actual_usd", "col_actual", USD),
        C("untapped_usd", "col_untapped", USD),
        C("realised_share", "col_realised", percent(1), derived=True),
        C("tariff_products", "col_tariff_products", INTEGER, derived=True),
    ),
    order=("untapped_usd desc nulls last", "market_iso3"),
    css="data study potential-markets",
)
POTENTIAL_TOP = Table(
    "potential-top",
    "mart.export_potential",
    (
        C("rank", "col_rank", PLAIN, derived=True),
        C("name", "col_market", TEXT, derived=True),
        C("hs6", "col_hs6", CODE),
        C("description", "col_description", TEXT),
        C("potential_usd", "col_potential", USD),
        C("actual_usd", "col_actual", USD),
        C("untapped_usd", "col_untapped", USD),
        C("realised_share", "col_realised", percent(1)),
        C("market_access_term", "col_market_access", label("access")),
        C("home_tariff_pct", "col_home_tariff", rate(1)),
        C("average_tariff_pct", "col_average_tariff", rate(1)),
    ),
    order=("untapped_usd desc", "market_iso3", "hs6"),
    css="data study potential",
)
AFCFTA = Table(
    "afcfta-table",
    "mart.afcfta_openings",
    (
        C("rank", "col_rank", PLAIN, derived=True),
        C("name", "col_importer", TEXT, derived=True),
        C("hs6", "col_hs6", CODE),
        C("description", "col_description", TEXT),
        C("opening_usd", "col_opening", USD),
        # From mart.export_potential (same market and HS6): the table's sort.
        C("untapped_usd", "col_untapped", USD),
        C("outside_share", "col_outside_share", percent(1)),
        C("top_outside_supplier_iso3", "col_top_outside", CODE),
        C("home_share", "col_home_share", percent(2)),
        C("home_rca", "col_rca", decimal(2)),
        C("mfn_pct", "col_mfn", rate(1)),
        C("afcfta_pct", "col_preferential", rate(1)),
        C("tariff_margin_pts", "col_margin_pts", decimal(1)),
        # From mart.afcfta_margins (same importer and HS6); "never" when the schedule is
        # loaded but the margin never opens (afcfta_study_cell in the study template).
        C("margin_opens_year", "col_afcfta_margin_opens", YEAR, custom=True),
    ),
    # Openings without a potential (a market outside the priority markets) sort last.
    order=("untapped_usd desc nulls last", "opening_usd desc nulls last", "importer_iso3", "hs6"),
    css="data study afcfta",
)
CHANGE_ORDER = (
    "new_advantage",
    "lost_advantage",
    "new_export",
    "dropped_export",
    "quadrant",
    "rca",
    "untapped",
)
CHANGES = Table(
    "changes-table",
    "mart.study_changes",
    (
        C("hs6", "col_hs6", CODE),
        C("description", "col_description", TEXT),
        C("change", "col_change", label("change")),
        # Before and after are written in the unit of the change (dollars or an index).
        C("before", "col_before", TEXT, css="num", derived=True),
        C("after", "col_after", TEXT, css="num", derived=True),
    ),
    order=(f"list_position({sql_list(CHANGE_ORDER)}, change) nulls last", "change", "hs6"),
    css="data study changes",
)
VINTAGES = Table(
    "vintages-table",
    "ops.study_vintages",
    (
        C("source", "col_source", TEXT),  # its display name (the reader's)
        C("vintage", "col_vintage", TEXT),
        C("detail", "col_detail", TEXT),
        C("n_rows", "col_rows", INTEGER),
    ),
    order=("source", "vintage"),
    css="data study vintages",
)
COVERAGE = Table(
    "coverage-table",
    "mart.input_coverage",
    (
        C("side", "col_side", label("side"), row_header=True),
        C("input", "col_input", label("input")),
        C("source_text", "col_source", TEXT),  # the source and its releases, in words
        C("years", "col_years", TEXT),
        C("levels", "col_levels", TEXT),
        C("markets", "col_markets", TEXT),
        C("n_rows", "col_coverage_rows", INTEGER),
        C("value_usd", "col_coverage_value", USD),
        C("use", "col_use", TEXT),  # what it feeds, or why it was left out
    ),
    order=(
        f"list_position({sql_list(('exporter', 'market', 'left_out'))}, side) nulls last",
        "not used",
        "input",
        "source",
    ),
    css="data study coverage",
)
