"""The tables of the product fiches (products/<code>.html) and of the search page."""

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
    percent,
    rate,
)

C = Column

# One row per year of the product's series (mart.product_competitiveness).
PRODUCT_SERIES = Table(
    "product-series",
    "mart.product_competitiveness",
    (
        C("year", "col_year", YEAR, row_header=True),
        C("home_exports_usd", "pf_col_home_exports", USD),
        C("world_exports_usd", "pf_col_world_demand", USD),
        C("world_market_share", "pf_col_world_share", percent(2)),
        C("rca", "pf_col_rca", decimal(2)),
    ),
)

# One row per market: the product's place there and its potential.
PRODUCT_MARKETS = Table(
    "product-markets",
    "mart.market_product_shares, mart.export_potential, mart.watch_tariff_margins",
    (
        C("market", "pf_col_market", TEXT, row_header=True, custom=True),  # name, link
        C("market_imports_usd", "pf_col_market_imports", USD),
        C("imports_cagr", "pf_col_imports_growth", percent(1)),
        C("home_exports_usd", "pf_col_home_exports", USD),
        C("home_share", "pf_col_home_share", percent(1)),
        C("home_rank", "pf_col_home_rank", PLAIN),
        C("leader", "pf_col_leader", TEXT, custom=True),  # leading supplier and its share
        C("home_tariff_pct", "pf_col_tariff", rate(1)),
        C("margin_pts", "pf_col_margin", decimal(1)),
        C("potential_usd", "pf_col_potential", USD),
        C("untapped_usd", "pf_col_untapped", USD),
    ),
)

# The leading suppliers of the product in the watched markets (mart.watch_competitors).
PRODUCT_COMPETITORS = Table(
    "product-competitors",
    "mart.watch_competitors",
    (
        C("market", "pf_col_market", TEXT, row_header=True),
        C("rank", "pf_col_rank", PLAIN),
        C("supplier", "pf_col_supplier", TEXT),
        C("exports_usd", "pf_col_supplier_exports", USD),
        C("share", "pf_col_share", percent(1)),
        C("period", "pf_col_period", TEXT),
    ),
)

# AfCFTA state parties importing the product from outside Africa (mart.afcfta_openings).
PRODUCT_AFCFTA = Table(
    "product-afcfta",
    "mart.afcfta_openings",
    (
        C("market", "pf_col_market", TEXT, row_header=True),
        C("importer_imports_usd", "pf_col_market_imports", USD),
        C("outside_share", "pf_col_outside_share", percent(1)),
        C("mfn_pct", "pf_col_mfn", rate(1)),
        C("afcfta_pct", "pf_col_afcfta", rate(1)),
        C("tariff_margin_pts", "pf_col_margin", decimal(1)),
        C("opening_usd", "pf_col_opening", USD),
    ),
)

# Regulatory notifications (WTO ePing, EU measures) on the product (mart.regulatory_exposure).
PRODUCT_NOTIFICATIONS = Table(
    "product-notifications",
    "mart.regulatory_exposure",
    (
        C("symbol", "pf_col_symbol", CODE, custom=True),  # a link to its page when safe
        C("market", "pf_col_market", TEXT),
        C("hs_code", "pf_col_hs", CODE),
        C("title", "pf_col_title", TEXT, css="desc"),
        C("distribution_date", "pf_col_date", TEXT),
        C("comment_deadline", "pf_col_deadline", TEXT),
    ),
)

# EU RASFF notifications on the home country's products of the same HS heading.
PRODUCT_RASFF = Table(
    "product-rasff",
    "core.rasff_notifications",
    (
        C("reference", "pf_col_reference", CODE),
        C("notification_date", "pf_col_date", TEXT),
        C("hs_prefix", "pf_col_hs", CODE),
        C("category", "pf_col_category", TEXT),
        C("subject", "pf_col_subject", TEXT, css="desc"),
    ),
)

# The HS6 lines of an HS4 heading (its own fiches).
PRODUCT_LINES = Table(
    "product-lines",
    "mart.product_competitiveness",
    (
        C("code", "pf_col_code", CODE, custom=True),  # a link to the line's fiche
        C("description", "pf_col_description", TEXT, css="desc"),
        C("home_exports_usd", "pf_col_home_exports", USD),
        C("rca", "pf_col_rca", decimal(2)),
        C("markets_served", "pf_col_markets_served", INTEGER),
    ),
)


# --- sector fiches (sector-<code>.html) --------------------------------------------------------

# The sector's champion products: exported with an advantage, by decreasing exports.
SECTOR_CHAMPIONS = Table(
    "sector-champions",
    "mart.product_competitiveness",
    (
        C("code", "pf_col_code", CODE, custom=True),  # a link to the product's fiche
        C("description", "pf_col_description", TEXT, css="desc"),
        C("home_exports_usd", "pf_col_home_exports", USD),
        C("rca", "pf_col_rca", decimal(2)),
        C("world_market_share", "pf_col_world_share", percent(2)),
        C("quadrant", "pf_kf_position", TEXT),
    ),
)

# The priority matrix, flattened: (market, product) pairs by composite score.
SECTOR_PRIORITY = Table(
    "sector-priority",
    "mart.export_potential, mart.regulatory_exposure, core.rasff_notifications",
    (
        C("rank", "pf_col_rank", PLAIN, row_header=True),
        C("code", "pf_col_code", CODE, custom=True),  # a link to the product's fiche
        C("description", "pf_col_description", TEXT, css="desc"),
        C("market", "pf_col_market", TEXT, custom=True),  # a link to the market's page
        C("untapped_usd", "pf_col_untapped", USD),
        C("growth", "sf_col_growth", percent(1)),
        C("margin", "pf_col_margin", decimal(1)),
        C("risk", "sf_col_risk", INTEGER),
        C("score", "sf_col_score", decimal(3)),
        C("stability", "sf_col_stability", percent(0)),
    ),
)
