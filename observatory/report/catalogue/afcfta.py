"""The tables of the AfCFTA pages (afcfta.html and afcfta-<ISO3>.html,
observatory/report/afcfta_page.py).

Some headers carry a year (the AfCFTA rate of this year, the best door now and at the
horizon, one column per year of the phase-down): their messages take the page's years,
which `afcfta_page.dated_headers` writes into the page's messages.
"""

from __future__ import annotations

from dataclasses import replace

from observatory.report.columns import (
    CODE,
    INTEGER,
    PLAIN,
    TEXT,
    USD,
    Column,
    Table,
    percent,
    rate,
    signed,
)

C = Column

# The overview: one row per AfCFTA State Party with margins or doors.
AFCFTA_MARKETS = Table(
    "afcfta-markets",
    "mart.afcfta_margins, mart.best_door",
    (
        C("name", "afcfta_col_market", TEXT, custom=True),  # a link to the market's page
        C("products", "afcfta_col_products", INTEGER),
        C("open_now", "afcfta_col_open_now", INTEGER),  # {year}: this year
        C("best_margin_pts", "afcfta_col_best_margin", signed(1)),
        C("imports_usd", "afcfta_col_imports", USD),
    ),
)

# A market's products with comparative advantage: duties and margins (mart.afcfta_margins).
AFCFTA_MARGINS = Table(
    "afcfta-margins",
    "mart.afcfta_margins",
    (
        C("hs6", "afcfta_col_product", CODE, custom=True),  # the code and its description
        C("category", "afcfta_col_category", TEXT, custom=True),  # afcfta_category_<a|b|c>
        C("market_imports_usd", "afcfta_col_imports", USD),
        C("africa_share", "afcfta_col_africa_share", percent(1)),
        C("home_share", "afcfta_col_home_share", percent(1)),
        # The leading supplier from outside Africa, its share and the duty it pays.
        C("top_outside_name", "afcfta_col_outside_supplier", TEXT, custom=True),
        C("mfn_pct", "afcfta_col_mfn", rate(1), custom=True),  # "*": the base rate
        C("afcfta_pct", "afcfta_col_rate_now", rate(1)),  # {year}: this year
        C("margin_vs_mfn_pts", "afcfta_col_margin_mfn", signed(1)),
        # A dash when no supplier from outside Africa is known.
        C("margin_vs_outside_pts", "afcfta_col_margin_outside", signed(1), custom=True),
        C("margin_opens_year", "afcfta_col_opens", PLAIN, custom=True),  # or "never"
        C("phase_down_end_year", "afcfta_col_end", PLAIN),
    ),
    order=("market_imports_usd desc nulls last", "hs6"),
)

# The AfCFTA rate of each product, year by year to the end of the phase-down: the product,
# then one column per year (`path_table`).
AFCFTA_PATH = Table(
    "afcfta-path",
    "mart.afcfta_margin_years",
    (C("hs6", "afcfta_col_product", CODE),),
)


def year_column(year: int) -> Column:
    """The column of one year of the phase-down (its field: the row's record of that year,
    none once the phase-down is over). Its header is the year (`year_header`)."""
    key = f"year_{year}"
    return C(key, year_header(year), rate(1), custom=True)


def year_header(year: int) -> str:
    """The message key of a year column's header, which the page writes (the year)."""
    return f"afcfta_col_year_{year}"


def path_table(years: list[int]) -> Table:
    """AFCFTA_PATH with a column for each of `years`."""
    return replace(
        AFCFTA_PATH, columns=(*AFCFTA_PATH.columns, *(year_column(year) for year in years))
    )


# The best door among the home country's agreements, today and at the horizon (mart.best_door).
AFCFTA_DOORS = Table(
    "afcfta-doors",
    "mart.best_door",
    (
        C("hs6", "afcfta_col_product", CODE, custom=True),  # the code and its description
        C("best_today", "afcfta_col_best_now", TEXT, custom=True),  # {year}: this year
        C("best_horizon", "afcfta_col_best_horizon", TEXT, custom=True),  # {year}: horizon
        C("regimes", "afcfta_col_regimes", TEXT, custom=True),  # each regime's rates
        C("door_rule", "afcfta_col_rule", TEXT, custom=True),  # of the best door at the horizon
    ),
)

# The AfCFTA rule of origin of each product of the market (mart.afcfta_margins).
AFCFTA_RULES = Table(
    "afcfta-rules",
    "mart.afcfta_margins",
    (
        C("hs6", "afcfta_col_product", CODE, custom=True),  # the code and its description
        C("rule_text", "afcfta_col_rule", TEXT, custom=True),  # or "not loaded"
        C("rule_kinds", "afcfta_col_rule_kinds", TEXT, custom=True),  # afcfta_kind_<kind>
        C("rule_status", "afcfta_col_rule_status", TEXT, custom=True),  # afcfta_status_<status>
    ),
)
