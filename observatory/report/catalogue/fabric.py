"""The tables of the exporter fabric's page (fabric.html, observatory/report/fabric_page.py).

Only disclosed aggregates of the published `mart.fabric_*` tables reach the page. A row
whose status is "c" (suppressed by disclosure control) shows "c", with the rule, in every
measure: the measures are `custom` columns, drawn by `fabric.html.j2` ("c" for a
suppressed row, the value in its unit otherwise).
"""

from __future__ import annotations

from observatory.report.columns import (
    INTEGER,
    PLAIN,
    TEXT,
    USD,
    YEAR,
    Column,
    Table,
    Unit,
    decimal,
    percent,
)

C = Column

SHARE = percent(1)
RATIO = decimal(2)


def measure(key: str, label: str, unit: Unit) -> Column:
    """A disclosed measure: "c" when its row is suppressed, else its value in `unit`."""
    return Column(key, label, unit, custom=True)


# All the home country's exporters, one row per year.
FABRIC_TOTALS = Table(
    "fabric-totals",
    "mart.fabric_indicators",
    (
        C("year", "fabric_col_year", YEAR),
        measure("n_exporters", "fabric_col_exporters", INTEGER),
        measure("exports_usd", "fabric_col_exports", USD),
        measure("mean_usd", "fabric_col_mean", USD),
        measure("median_usd", "fabric_col_median", USD),
        measure("entry_rate", "fabric_col_entry", SHARE),
        measure("exit_rate", "fabric_col_exit", SHARE),
        measure("survival_1y", "fabric_col_survival1", SHARE),
        measure("survival_2y", "fabric_col_survival2", SHARE),
        measure("survival_3y", "fabric_col_survival3", SHARE),
        measure("top1_share", "fabric_col_top1", SHARE),
        measure("top5_share", "fabric_col_top5", SHARE),
        measure("hhi", "fabric_col_hhi", RATIO),
        measure("products_per_exporter", "fabric_col_products", RATIO),
        measure("destinations_per_exporter", "fabric_col_destinations", RATIO),
        measure("new_relationships", "fabric_col_new_rel", INTEGER),
    ),
    order=("year",),
)

# One breakdown (sector, region...) of the last year, one row per cell; the page draws one
# table per breakdown (its id: fabric-<dimension>).
FABRIC_BREAKDOWN = Table(
    "fabric-breakdown",
    "mart.fabric_indicators",
    (
        C("cell", "fabric_col_cell", TEXT, custom=True),  # the parent cell, then the cell
        measure("n_exporters", "fabric_col_exporters", INTEGER),
        measure("exports_usd", "fabric_col_exports", USD),
        measure("mean_usd", "fabric_col_mean", USD),
        measure("entry_rate", "fabric_col_entry", SHARE),
        measure("exit_rate", "fabric_col_exit", SHARE),
        measure("survival_1y", "fabric_col_survival1", SHARE),
        measure("hhi", "fabric_col_hhi", RATIO),
        measure("new_relationships", "fabric_col_new_rel", INTEGER),
    ),
    order=("exports_usd desc nulls last", "cell"),
)

# The HS6 codes of the last year with their number of exporters (disclosed ones only).
FABRIC_PRODUCTS = Table(
    "fabric-products",
    "mart.fabric_products",
    (
        C("hs6", "fabric_col_hs6", TEXT, custom=True),  # the code and its description
        measure("n_exporters", "fabric_col_exporters", INTEGER),
        measure("exports_usd", "fabric_col_exports", USD),
        measure("hhi", "fabric_col_hhi", RATIO),
    ),
    order=("exports_usd desc",),
)

# The export support program: beneficiaries against matched comparison firms, by cohort.
FABRIC_PROGRAM = Table(
    "fabric-program",
    "mart.fabric_program",
    (
        C("cohort", "fabric_col_cohort", PLAIN),
        C("group_name", "fabric_col_group", TEXT, custom=True),  # fabric_group_<group>
        measure("n_beneficiaries", "fabric_col_beneficiaries", INTEGER),
        measure("n_comparison", "fabric_col_comparison", INTEGER),
        measure("growth_beneficiaries", "fabric_col_growth_b", SHARE),
        measure("growth_comparison", "fabric_col_growth_c", SHARE),
        measure("survival_beneficiaries", "fabric_col_survival_b", SHARE),
        measure("survival_comparison", "fabric_col_survival_c", SHARE),
        measure("new_markets_beneficiaries", "fabric_col_new_markets_b", RATIO),
        measure("new_markets_comparison", "fabric_col_new_markets_c", RATIO),
        measure("did_log_exports", "fabric_col_did", decimal(3)),  # with its standard error
    ),
    order=("cohort", "group_name = 'all' desc", "group_name"),
)
