"""WTO ePing API: URL, parameters, limits, field names, member-id pattern.

Source: `shared/reference/trade-intelligence.md` C5, itself read in seven third-party clients
(the official portal documentation was not read). Names marked "unverified" below are the
reference notes' hypotheses; nothing in the pipeline depends on them being right.
"""

from __future__ import annotations

SOURCE = "eping"
BASE_URL = "https://api.wto.org/eping"
SEARCH_PATH = "/notifications/search"
MEMBERS_PATH = "/members"
API_KEY_ENV = "EPING_API_KEY"
# The gateway also accepts a `subscription-key` query parameter; we never use it because it
# would put the secret into URLs, logs and proxies.
KEY_HEADER = "Ocp-Apim-Subscription-Key"

LANGUAGE_ENGLISH = 1
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 100
# A runaway pager (a server ignoring `page`) stops here instead of looping forever.
MAX_PAGES = 1000
MAX_WAIT_SECONDS = 300.0
INITIAL_LOOKBACK_DAYS = 365  # a first run fetches this far back

# Search parameters, in the order they appear in the URL (stable URLs, stable logs).
SEARCH_PARAMS = (
    "language", "domainIds", "countryIds", "hs", "freeText",
    "distributionDateFrom", "distributionDateTo", "page", "pageSize",
)
# Where clients find the item list of a search answer, in the order they probe.
ITEM_LIST_KEYS = ("items", "notifications", "data", "results")
TOTAL_COUNT_KEYS = ("totalCount", "total", "count")

# `domainIds`: one client says 1=TBT, 2=SPS, another disagrees. Unverified: we never filter
# on it by default and classify with the item's `area` (or its symbol) instead.
DOMAIN_IDS_UNVERIFIED = {"TBT": 1, "SPS": 2}
AREAS = ("SPS", "TBT")

# Member ids: "C" + ISO 3166 numeric, zero-padded to three digits (C156 China, C840 USA;
# C504 Morocco by the same pattern). The European Union is U918. Unverified pattern.
COUNTRY_ID_PREFIX = "C"
EU_MEMBER_ID = "U918"
EU_NAMES = ("european union", "european communities", "eu")
EU_ISO3 = "EUR"  # our code for the EU as a notifying member (not an ISO 3166 code)

DOCUMENT_SYMBOL_PREFIXES = {"G/SPS/": "SPS", "G/TBT/": "TBT"}

# The normalised notification (`raw.eping_notifications`), with its DuckDB types.
NOTIFICATION_COLUMNS: dict[str, str] = {
    "notification_id": "bigint",
    "symbol": "varchar",
    "base_symbol": "varchar",
    "parent_symbol": "varchar",  # the document this one amends (symbol minus last suffix)
    "revision_kind": "varchar",   # null | addendum | corrigendum | revision
    "revision_number": "integer",
    "area": "varchar",
    "notification_type": "varchar",
    "notifying_member": "varchar",
    "notifying_iso3": "varchar",
    "distribution_date": "date",
    "comment_deadline": "date",
    "entry_into_force": "date",
    "title": "varchar",
    "description": "varchar",
    "products_text": "varchar",
    "hs_codes": "varchar[]",
    "objectives": "varchar[]",
    "keywords": "varchar[]",
    "document_links": "varchar[]",
    "link": "varchar",
    "is_open_for_comments": "boolean",
}
PRODUCT_COLUMNS: dict[str, str] = {
    "notification_id": "bigint",
    "symbol": "varchar",
    "hs_code": "varchar",
    "hs_level": "integer",
}
