"""AfCFTA e-Tariff Book exports, Annex 2 Appendix IV rules of origin, and agreement tariff
schedules: column names, code lists and the liberalisation timetable.

Sources: AfCFTA Secretariat, "The Schedules of Tariff Concessions" (au-afcfta.org, the
modalities adopted for tariff liberalisation: 90 % of tariff lines liberalised linearly over
5 years for non-LDCs and 10 years for LDCs from 1 January 2021; sensitive products, at most
7 % of lines, liberalised from the 6th year, within 10 years for non-LDCs and 13 years for
LDCs; an exclusion list of at most 3 % of lines); tralac, "Comparative analysis of tariff
offers" (base rates are the applied MFN rates, or the applied common external tariff of a
customs union); AfCFTA Annex 2 on Rules of Origin, Appendix IV (product-specific rules).
The e-Tariff Book publishes no API: its searches are downloaded as CSV or Excel, one row
per tariff line with its base rate, category and the rate of each year.
"""

from __future__ import annotations

import re

AFCFTA = "AFCFTA"

# Canonical columns -> header spellings seen in e-Tariff Book downloads and analysts' copies
# (compared folded: lower case, letters and digits only).
SCHEDULE_COLUMNS: dict[str, tuple[str, ...]] = {
    "party": ("State Party", "State Party / Customs Union", "Customs Union", "Party",
              "Country", "Reporter", "Importing State Party", "Importer"),
    "agreement": ("Agreement", "Trade Agreement", "Regime"),
    "beneficiary": ("Beneficiary", "Partner", "Exporter", "Beneficiary Country"),
    "hs_code": ("HS Code", "HS6", "HS 6", "HS Subheading", "Subheading", "Product Code",
                "HS 2017 Code", "HS 2022 Code", "Commodity Code"),
    "national_line": ("National Tariff Line", "National Line", "Tariff Line", "NTL",
                      "Tariff Line Code"),
    "description": ("Description", "Product Description", "Designation"),
    "category": ("Category", "Tariff Category", "Schedule Category", "Product Category"),
    "base_rate": ("Base Rate", "Base Rate (%)", "Base Rate %", "MFN Base Rate",
                  "Base Duty Rate"),
    "timetable": ("LDC Timetable", "Timetable", "LDC", "LDC Status", "Modality"),
    "hs_revision": ("HS Version", "HS Nomenclature", "Nomenclature", "HS Revision"),
}
SCHEDULE_REQUIRED = ("party", "hs_code", "category", "base_rate")
AGREEMENT_REQUIRED = ("party", "agreement", "beneficiary", "hs_code", "base_rate")
# A year column: "2021", "Year 1 (2021)", "Y2021", "Rate 2021".
YEAR_HEADER = re.compile(r"^(?:year\s*\d+\s*\(\s*|y|rate\s*)?((?:19|20)\d{2})\s*\)?$",
                         re.IGNORECASE)

RULE_COLUMNS: dict[str, tuple[str, ...]] = {
    "agreement": ("Agreement", "Trade Agreement", "Regime"),
    "hs_code": ("HS Code", "HS Heading", "Heading", "Subheading", "HS Heading/Subheading",
                "Heading/Subheading", "Tariff Heading"),
    "description": ("Description", "Product Description", "Description of Product"),
    "rule_text": ("Rule", "Product Specific Rule", "Product-Specific Rule",
                  "Rule of Origin", "Working or processing"),
    "status": ("Status", "Negotiation Status"),
}
RULE_REQUIRED = ("hs_code", "rule_text")

# Categories of the schedules (modalities): A non-sensitive, B sensitive, C excluded.
CATEGORIES = ("A", "B", "C")
CATEGORY_ALIASES = {"a": "A", "nonsensitive": "A", "nonsensitiveproducts": "A",
                    "b": "B", "sensitive": "B", "sensitiveproducts": "B",
                    "c": "C", "excluded": "C", "exclusion": "C", "exclusionlist": "C"}
TIMETABLES = ("ldc", "non_ldc")
TIMETABLE_ALIASES = {"ldc": "ldc", "yes": "ldc", "y": "ldc", "true": "ldc",
                     "nonldc": "non_ldc", "no": "non_ldc", "n": "non_ldc", "false": "non_ldc",
                     "": ""}

# Years of each timetable, counted from sources.afcfta.start_year (year 1):
#   category A: linear elimination in equal annual cuts, the first in year 1, over 5 years
#     (non-LDC: duty free in year 5) or 10 years (LDC: duty free in year 10);
#   category B: base rate held for years 1-5 (the standstill), then linear elimination in
#     equal annual cuts from year 6, duty free in year 10 (non-LDC) or 13 (LDC);
#   category C: the base rate every year (excluded; reviewed every five years).
PHASE_DOWN = {("A", "non_ldc"): (0, 5), ("A", "ldc"): (0, 10),
              ("B", "non_ldc"): (5, 10), ("B", "ldc"): (5, 13)}
# Derived paths run to the end of the longest timetable (LDC sensitive: year 13).
PATH_YEARS = 13

# Customs unions whose schedule is submitted jointly: the members it applies to (their
# AfCFTA State Parties, per ref.countries, receive the union's rates). ECOWAS's schedule
# is its common external tariff's.
CUSTOMS_UNIONS: dict[str, tuple[str, ...]] = {
    "ECOWAS": ("BEN", "BFA", "CIV", "CPV", "GHA", "GIN", "GMB", "GNB", "LBR", "MLI", "NER",
               "NGA", "SEN", "SLE", "TGO"),
    "EAC": ("BDI", "COD", "KEN", "RWA", "SSD", "TZA", "UGA"),
    "SACU": ("BWA", "LSO", "NAM", "SWZ", "ZAF"),
    "CEMAC": ("CAF", "CMR", "COG", "GAB", "GNQ", "TCD"),
}

# Rules of origin: kinds recognised in a rule's text (several may apply: "CTH or MaxNOM 60
# % (EXW)"), in the order they are tried.
RULE_KINDS = ("wholly_obtained", "change_of_chapter", "change_of_heading",
              "change_of_subheading", "max_non_originating", "specific_process")
RULE_STATUSES = ("agreed", "under_negotiation")
PENDING_MARKERS = ("yet to be agreed", "under negotiation", "pending", "not agreed",
                   "outstanding", "[", "bracketed")
