"""Every table the reports show readers, declared once: where its rows come from, its
columns in order with the message key of their header and their unit, and its sort.

The page templates draw their tables from these declarations (`_tables.html.j2`, which
reaches them as `catalogue.<NAME>`), the readers select and sort their rows by them, and
the study workbook writes one sheet per `SHEETS` entry. A header is the message `label`
of its column (`messages/<lang>.toml`); a unit says how a value reads in a page and which
number format a workbook cell takes. One module per kind of report: `index_page` (with
the footer of every page), `study`, `watch`, `workbook`, `fabric` (the exporter fabric's
page), `afcfta` (the AfCFTA pages).
"""

from observatory.report.catalogue import afcfta, fabric, index_page, study, watch
from observatory.report.catalogue.afcfta import (
    AFCFTA_DOORS,
    AFCFTA_MARGINS,
    AFCFTA_MARKETS,
    AFCFTA_PATH,
    AFCFTA_RULES,
)
from observatory.report.catalogue.fabric import (
    FABRIC_BREAKDOWN,
    FABRIC_PRODUCTS,
    FABRIC_PROGRAM,
    FABRIC_TOTALS,
)
from observatory.report.catalogue.index_page import (
    ROW_COUNTS,
    SOURCES,
    TOP_MARKETS,
    TOP_PRODUCTS,
    VALIDATION,
    VALIDATION_FAILURES,
)
from observatory.report.catalogue.study import (
    AFCFTA,
    CHANGE_ORDER,
    CHANGES,
    CMS,
    CMS_EFFECTS,
    CONCENTRATION,
    COVERAGE,
    DIVERSIFICATION,
    ECI,
    FABRIC_PRODUCT_COLUMNS,
    MARKET_INDICATORS,
    POTENTIAL_MARKETS,
    POTENTIAL_TOP,
    QUADRANT_SUMMARY,
    QUADRANTS,
    SECTOR_PRODUCTS,
    SECTORS,
    VINTAGES,
)
from observatory.report.catalogue.watch import (
    ALERT_COUNTS,
    ALERT_RULES,
    ALERTS,
    DEMAND,
    DIGEST_SECTIONS,
    DIGEST_VALUE_UNITS,
    EU_SCOPES,
    GAINS,
    MIRROR,
    MIRROR_FLAGS,
    NOTIFICATIONS,
    RASFF,
    SHARE_MOVES,
    SUPPLIERS,
    TARIFF_MARGINS,
    UNIT_VALUES,
    digest_table,
)
from observatory.report.catalogue.workbook import (
    OPTIONAL_SHEETS,
    README_MARKETS,
    README_PARAMETERS,
    README_SHEETS,
    README_TABLES,
    README_VINTAGES,
    SHEETS,
)
from observatory.report.columns import Table


def _tables_of(*modules: object) -> list[Table]:
    return [
        value for module in modules for value in vars(module).values() if isinstance(value, Table)
    ]


# Every page table, by key (the digest's tables are made per section).
PAGE_TABLES: dict[str, Table] = {
    table.key: table
    for table in (
        *_tables_of(index_page, study, watch, fabric, afcfta),
        *(digest_table(section) for section in DIGEST_SECTIONS),
    )
}

__all__ = [
    "AFCFTA",
    "AFCFTA_DOORS",
    "AFCFTA_MARGINS",
    "AFCFTA_MARKETS",
    "AFCFTA_PATH",
    "AFCFTA_RULES",
    "ALERTS",
    "ALERT_COUNTS",
    "ALERT_RULES",
    "CHANGES",
    "CHANGE_ORDER",
    "CMS",
    "CMS_EFFECTS",
    "CONCENTRATION",
    "COVERAGE",
    "DEMAND",
    "DIGEST_SECTIONS",
    "DIGEST_VALUE_UNITS",
    "DIVERSIFICATION",
    "ECI",
    "EU_SCOPES",
    "FABRIC_BREAKDOWN",
    "FABRIC_PRODUCT_COLUMNS",
    "FABRIC_PRODUCTS",
    "FABRIC_PROGRAM",
    "FABRIC_TOTALS",
    "GAINS",
    "MARKET_INDICATORS",
    "MIRROR",
    "MIRROR_FLAGS",
    "NOTIFICATIONS",
    "OPTIONAL_SHEETS",
    "PAGE_TABLES",
    "POTENTIAL_MARKETS",
    "POTENTIAL_TOP",
    "QUADRANTS",
    "QUADRANT_SUMMARY",
    "RASFF",
    "README_MARKETS",
    "README_PARAMETERS",
    "README_SHEETS",
    "README_TABLES",
    "README_VINTAGES",
    "ROW_COUNTS",
    "SECTORS",
    "SECTOR_PRODUCTS",
    "SHARE_MOVES",
    "SHEETS",
    "SOURCES",
    "SUPPLIERS",
    "TARIFF_MARGINS",
    "TOP_MARKETS",
    "TOP_PRODUCTS",
    "UNIT_VALUES",
    "VALIDATION",
    "VALIDATION_FAILURES",
    "VINTAGES",
    "digest_table",
]
