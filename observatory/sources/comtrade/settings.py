"""UN Comtrade API v1: URLs, limits, totals codes, field names.

Sources (see `shared/reference/trade-intelligence.md` C1 and D): the official client
`comtradeapicall` (paths, parameters, availability endpoints), `comtradr` (URL length, 12
periods per call, 100k rows on the free tier, totals filtering, header variants) and issue
threads (error texts). Paths are `{typeCode}/{freqCode}/{clCode}`: C/S, A/M, HS/S1..S4/B4...
"""

from __future__ import annotations

import re

# The final-data record's fields and the header spellings of downloads are shared with
# analysts' files (`column_style = "comtrade"`): observatory/sources/formats.py.
from observatory.sources.formats import FIELD_NAMES, HEADER_ALIASES  # noqa: F401

SOURCE = "comtrade"
BASE_URL = "https://comtradeapi.un.org"
API_KEY_ENV = "COMTRADE_API_KEY"
# comtradr sends the key as this header; a `subscription-key` query parameter also works
# but would put the secret into URLs, logs and proxies.
KEY_HEADER = "Ocp-Apim-Subscription-Key"

PREVIEW_PATH = "/public/v1/preview/{type_code}/{freq}/{classification}"
DATA_PATH = "/data/v1/get/{type_code}/{freq}/{classification}"
# Data availability (one record per reporter and period, with `datasetChecksum`). The official
# client spells it `getDa`; the path is kept as documented in our reference notes.
PUBLIC_AVAILABILITY_PATH = "/public/v1/getDA/{type_code}/{freq}/{classification}"
DATA_AVAILABILITY_PATH = "/data/v1/getDA/{type_code}/{freq}/{classification}"
# Bulk file list (premium): one record per file, with `publicationDate` and `timestamp`.
BULK_AVAILABILITY_PATH = "/bulk/v1/get/{type_code}/{freq}/{classification}"

ENDPOINTS = ("preview", "data")
FREQUENCIES = ("A", "M")
PREVIEW_ROW_CAP = 500
FREE_TIER_ROW_CAP = 100_000
PREMIUM_ROW_CAP = 250_000
MAX_PERIODS = {"preview": 1, "data": 12}
MAX_URL_LENGTH = 4096

# Always ask for totals, and keep only total rows: breakdown rows (by customs procedure, mode
# of transport, second partner) would otherwise be counted twice.
TOTALS = {"partner2Code": "0", "customsCode": "C00", "motCode": "0"}
WORLD_CODE = 0
WORLD_ISO = "W00"

# Parameters in the order they appear in the URL (a stable order gives stable request ids).
PARAM_ORDER = (
    "reporterCode", "period", "partnerCode", "partner2Code", "cmdCode", "flowCode",
    "customsCode", "motCode", "maxRecords", "includeDesc",
)
# When a result comes back at the row cap, split on these lists, in this order.
SPLIT_ORDER = ("period", "reporterCode", "cmdCode", "partnerCode", "flowCode")
# When a URL is too long, only these lists can be long.
URL_SPLIT_PARAMS = ("reporterCode", "cmdCode", "partnerCode")

ANNUAL_PERIOD = re.compile(r"^\d{4}$")
MONTHLY_PERIOD = re.compile(r"^\d{4}(0[1-9]|1[0-2])$")

# Retry policy: exponential backoff base * 2**(attempt-1), never longer than MAX_WAIT_SECONDS;
# a server asking for a longer wait stops the run instead of blocking it for hours.
MAX_WAIT_SECONDS = 300.0
QUOTA_PATTERN = re.compile(r"out of call volume quota", re.IGNORECASE)
REPLENISH_PATTERN = re.compile(r"replenished in (\d{1,3}:\d{2}:\d{2})", re.IGNORECASE)
RATE_LIMIT_PATTERN = re.compile(r"rate limit", re.IGNORECASE)
TRY_AGAIN_PATTERN = re.compile(r"try again in (\d+(?:\.\d+)?) second", re.IGNORECASE)

# The normalised record (`raw.comtrade_records`), with its DuckDB types.
RECORD_COLUMNS: dict[str, str] = {
    "freq": "varchar",
    "ref_year": "integer",
    "ref_month": "integer",  # null for annual data (the API sends 52)
    "period": "varchar",
    "reporter_code": "integer",
    "reporter_iso3": "varchar",
    "partner_code": "integer",
    "partner_iso3": "varchar",  # null for World
    "is_world_partner": "boolean",
    "flow_code": "varchar",
    "cmd_code": "varchar",
    "aggr_level": "integer",
    "classification_code": "varchar",
    "primary_value_usd": "double",
    "cif_value_usd": "double",
    "fob_value_usd": "double",
    "net_weight_kg": "double",
    "qty": "double",
    "qty_unit_code": "integer",
    "is_reported": "boolean",
    "is_aggregate": "boolean",
    "request_id": "varchar",
    "record_index": "integer",  # position in the answer's data array, from 0
}

