"""The tables of the watch pages (watch.html, market-<ISO3>.html, digest.html)."""

from __future__ import annotations

from observatory.report.columns import (
    CODE,
    DATE,
    DATETIME,
    INTEGER,
    PLAIN,
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
    signed,
    sql_list,
)

C = Column


# --- the watch pages (watch.html, market-<ISO3>.html, digest.html) ---------------------------

ALERT_RULES = (
    "share_drop",
    "competitor_gain",
    "demand_contraction",
    "new_notification",
    "deadline",
    "rasff_spike",
)
ALERT_COUNTS = Table(
    "alert-counts",
    "ops.alerts",
    (
        C("name", "col_market", TEXT, row_header=True, custom=True),  # a link to its page
        *(C(rule, f"rule_{rule}", INTEGER, field=f"open_{rule}") for rule in ALERT_RULES),
        C("alerts_total", "total", INTEGER),
    ),
    css="data watch alert-counts",
)
SHARE_MOVES = Table(
    "moves",  # one table per level: moves-hs6, moves-hs4, moves-sector, moves-rolling12
    "mart.watch_market_shares",
    (
        C("code", "col_code", CODE),
        C("description", "col_description", TEXT),
        C("market_imports_usd", "col_market_imports", USD),
        C("home_exports_usd", "col_home_exports_market", USD),
        C("home_share_prev", "col_home_share_prev", percent(2)),
        C("home_share", "col_home_share", percent(2)),
        C("share_change_pts", "col_share_change_pts", signed(2)),
        C("home_rank", "col_home_rank", PLAIN, custom=True),  # previous → latest
        C("suppliers", "col_suppliers", INTEGER),
        C("mirror_flag", "col_mirror_flag", label("mirror", default="none")),  # HS6 only
    ),
    order=("abs(share_change_pts) desc nulls last", "home_exports_usd desc nulls last", "code"),
    css="data watch moves",
)
SUPPLIERS = Table(
    "suppliers",
    "mart.watch_competitors",
    (
        C("name", "col_supplier", TEXT, row_header=True, custom=True),  # name and code
        C("role", "col_role", label("role")),
        C("exports_usd", "col_exports", USD),
        C("share_prev", "col_share_prev", percent(2)),
        C("share", "col_share", percent(2)),
        C("change_pts", "col_share_change_pts", signed(2)),
        C("gains_products", "col_gains_products", INTEGER, custom=True),  # not for home
    ),
    css="data watch suppliers",
)
GAINS = Table(
    "gains",
    "mart.watch_competitors",
    (
        C("code", "col_hs6", CODE),
        C("description", "col_description", TEXT),
        C("name", "col_competitor", TEXT, derived=True),
        C("share", "col_competitor_share", percent(2)),
        C("share_change_pts", "col_competitor_gain_pts", signed(2)),
        C("home_share", "col_home_share", percent(2)),
        C("home_change_pts", "col_home_change_pts", signed(2)),
    ),
    order=("c.share_change_pts desc nulls last", "c.code", "c.supplier_iso3"),
    css="data watch gains",
)
DEMAND = Table(
    "demand",  # demand-sectors, demand-products
    "mart.watch_demand",
    (
        C("code", "col_code", CODE),
        C("description", "col_description", TEXT, derived=True),
        C("imports_usd", "col_market_imports", USD),
        C("imports_prev_usd", "col_imports_prev", USD),
        C("growth_pct", "col_growth", rate(1)),
        C("trend_cagr_pct", "col_trend_cagr", rate(1)),
    ),
    order=("imports_usd desc nulls last", "code"),
    css="data watch demand",
)
UNIT_VALUES = Table(
    "unit-values",
    "mart.watch_unit_values",
    (
        C("hs6", "col_hs6", CODE, custom=True),  # one header cell per product
        C("name", "col_supplier", TEXT, derived=True),
        C("value_usd", "col_value", USD),
        C("quantity_t", "col_quantity_t", INTEGER),
        C("unit_value_usd_per_t", "col_unit_value", INTEGER),
        C("relative_to_home", "col_relative_home", decimal(2)),
        C("relative_to_market", "col_relative_market", decimal(2)),
    ),
    order=(
        "r.home_usd desc nulls last",
        "u.hs6",
        "case u.role when 'home' then 0 when 'competitor' then 1 else 2 end",
        "u.unit_value_usd_per_t",
        "u.supplier_iso3",
    ),
    css="data watch unit-values",
)
TARIFF_MARGINS = Table(
    "tariff-margins",
    "mart.watch_tariff_margins",
    (
        C("hs6", "col_hs6", CODE),
        C("tariff_year", "col_tariff_year", YEAR),
        C("mfn_pct", "col_mfn", rate(1)),
        C("home_tariff_pct", "col_home_tariff", rate(1)),
        C("name", "col_competitor", TEXT, derived=True),
        C("competitor_tariff_pct", "col_competitor_tariff", rate(1)),
        C("margin_pts", "col_margin_pts", signed(1)),
    ),
    order=("hs6", "margin_pts nulls last", "competitor_iso3"),
    css="data watch tariffs",
)
MIRROR_FLAGS = ("consistent", "mirror_higher", "mirror_lower", "exporter_only", "mirror_only")
MIRROR = Table(
    "mirror-flags",
    "mart.watch_market_shares",
    (
        C("flag", "col_mirror_flag", label("mirror", default="none"), row_header=True),
        C("products", "col_products_hs6", INTEGER),
        C("home_exports_usd", "col_home_exports_market", USD),
    ),
    css="data watch mirror",
)
NOTIFICATIONS = Table(
    "notifications",
    "mart.regulatory_exposure",
    (
        C("priority_rank", "col_priority", PLAIN),
        C("symbol", "col_symbol", CODE, custom=True),  # a link to ePing
        C("area", "col_area", TEXT),
        C("title", "col_notification_title", TEXT, custom=True),  # tagged for top products
        C("hs_codes", "col_hs_codes", CODE, custom=True),  # every code of the notification
        C("home_exports_usd", "col_value_at_stake", USD),
        C("home_share_of_market_exports", "col_share_of_exports", percent(2)),
        C("distribution_date", "col_distributed", DATE),
        C("comment_deadline", "col_deadline", DATE),
        C("days_left", "col_days_left", INTEGER, custom=True),  # or "passed"
    ),
    order=("priority_rank nulls last", "notification_id", "hs_code"),
    css="data watch notifications",
)
EU_SCOPES = Table(
    "eu-scopes",
    "mart.regulatory_exposure",
    (
        C("source", "col_regulation", label("scope"), row_header=True),
        C("hs_code", "col_hs6", CODE),
        C("home_exports_usd", "col_value_at_stake", USD),
        C("home_share_of_market_exports", "col_share_of_exports", percent(2)),
    ),
    order=("source", "home_exports_usd desc", "hs_code"),
    css="data watch scopes",
)
RASFF = Table(
    "rasff-intensity",
    "mart.rasff_intensity",
    (
        C("product_group", "col_product_group", TEXT),
        C("year", "col_year", YEAR),
        C("name", "col_origin", TEXT, derived=True),
        C("notifications", "col_notifications", INTEGER),
        C("exports_to_eu_usd", "col_exports_to_eu", USD, custom=True),  # and their year
        C("per_100m_usd", "col_per_100m", decimal(2)),
        C("prev_years_avg", "col_prev_years_avg", decimal(1)),
    ),
    css="data watch rasff",
)
ALERTS = Table(
    "alerts",  # alerts-open (a market's page), alerts-raised, alerts-cleared (the digest)
    "ops.alerts",
    (
        C("rule", "col_alert_rule", label("rule"), row_header=True),
        C("market", "col_market", TEXT, custom=True),  # a link to the market's page
        C("product", "col_alert_product", CODE, derived=True),
        C("period", "col_alert_period", TEXT),
        C("title", "col_alert_title", TEXT),
        C("severity", "col_severity", decimal(2)),
        C("raised", "col_raised", DATETIME, custom=True),  # when and by which run
        C("cleared_at", "col_cleared", DATETIME),
        C("evidence", "col_evidence", TEXT, custom=True, css="evidence-cell"),
    ),
    order=(
        f"list_position({sql_list(ALERT_RULES)}, rule) nulls last",
        "severity desc nulls last",
        "market_iso3",
        "product_code",
        "alert_id",
    ),
    css="data watch alerts",
)
DIGEST_SECTIONS = ("vintage", "notification", "alert_raised", "alert_cleared", "move")
# The digest's `value` column in its section's unit: rows of a new vintage, the value at
# stake of a notification, a move in share points; an alert's severity otherwise.
DIGEST_VALUE_UNITS: dict[str, Unit] = {
    "vintage": INTEGER,
    "notification": USD,
    "move": signed(2),
}


def digest_table(section: str) -> Table:
    """The digest's table of one section (its value column's header and unit vary)."""
    return Table(
        f"digest-{section}",
        "mart.watch_digest",
        (
            C("rank", "col_rank", PLAIN),
            C("market", "col_market", TEXT, custom=True),  # a link to the market's page
            C("code", "col_code", CODE),
            C("title", "col_digest_item", TEXT),
            C(
                "value",
                f"digest_value_{section}",
                DIGEST_VALUE_UNITS.get(section, decimal(2)),
                css="num",
            ),
            C("detail", "col_detail", TEXT),
        ),
        order=(
            f"list_position({sql_list(DIGEST_SECTIONS)}, section) nulls last",
            "section",
            "rank nulls last",
            "market_iso3",
            "code",
        ),
        css="data watch digest",
    )
