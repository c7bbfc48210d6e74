"""EU RASFF (Rapid Alert System for Food and Feed): export-file columns and code lists.

The RASFF Window portal exports notifications as CSV or XLSX with the columns in `COLUMNS`
(the weekly European Commission export, as in `../shared/data/real/rasff/`). Names of
countries are English short names ("Türkiye", "Vietnam", "Northern Ireland"); list-valued
fields (origin, distribution, forAttention, forFollowUp, operator) are comma-separated.
Source: European Commission, RASFF Window; reuse with attribution (Decision 2011/833/EU).
"""

from __future__ import annotations

import re

SOURCE = "rasff"
COLUMNS = ("reference", "category", "type", "subject", "date", "notifying_country",
           "classification", "risk_decision", "distribution", "forAttention", "forFollowUp",
           "operator", "origin", "hazards", "year", "week")
# Without these a notification cannot be identified, dated, attributed or mapped to HS.
REQUIRED_COLUMNS = ("reference", "category", "type", "subject", "date", "notifying_country",
                    "classification", "risk_decision", "origin", "hazards")
LIST_COLUMNS = {"distribution": "distribution", "forAttention": "for_attention",
                "forFollowUp": "for_follow_up", "operator": "operator"}

# "YYYY.NNNN"; the export stored it as a float, so trailing zeros of NNNN are lost
# (2024.0010 -> 2024.001, 2024.1000 -> 2024.1). See client.repair_reference.
RAW_REFERENCE = re.compile(r"^(\d{4})(?:\.(\d{0,4}))?$")
REFERENCE_DIGITS = 4

# Timestamp formats seen in exports: the weekly export writes both ISO with microseconds and
# ISO without (the same notification exported twice); the portal API writes dd-mm-yyyy.
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y",
                "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")

# Export labels -> normalised lower-case classification. Unknown labels are kept lower-cased
# with a trailing " notification" removed, and named in the batch notes.
CLASSIFICATIONS = {
    "alert notification": "alert",
    "border rejection notification": "border rejection",
    "information notification for attention": "information notification for attention",
    "information notification for follow-up": "information notification for follow-up",
    "non-compliance notification": "non-compliance",
    "news": "news",
}
RISK_DECISIONS = ("serious", "potentially serious", "potential risk", "not serious",
                  "no risk", "undecided")
PRODUCT_TYPES = ("food", "feed", "food contact material")

# Names RASFF uses that observatory.reference.countries does not match.
COUNTRY_ALIASES = {
    "northern ireland": "GBR",
    "united kingdom (northern ireland)": "GBR",
    "sint eustatius and saba": "BES",
}
# Entries of country lists that are not countries: kept (origin_iso3 empty) but not reported
# as unmapped names.
NOT_COUNTRIES = frozenset({"unknown origin", "infosan", "european commission", "efsa member"})

CATEGORY_HS_MAP = "category_hs_map.csv"
CONFIDENCES = ("high", "medium", "low")
KEYWORD_PREFIX = "keyword:"
