"""Eurostat Comext: the dissemination API's address and key, and the two file layouts.

Dataset DS-045409 ("EU trade since 1988 by HS2-4-6 and CN8") of the Comext dissemination
API answers SDMX-CSV 1.0: one observation per line, `indicators` VALUE_IN_EUROS (euros) or
QUANTITY_IN_100KG (hundreds of kilograms), `TIME_PERIOD` YYYY-MM (monthly) or YYYY (annual),
`flow` 1 imports and 2 exports, two-letter country codes (Greece GR), the aggregate partner
WORLD, `LAST UPDATE` as dd/mm/yy hh:mm:ss. Its series key is
freq.reporter.partner.product.flow.indicators, `+` between values, an empty position for all.

The bulk files `full_v2_YYYYMM.7z` (and `full_v2_YYYY52.7z`, a year) hold one `.dat` CSV of
every declarant, partner, CN8 product, flow and statistical procedure of the period, with
the header `BULK_COLUMNS`: values in euros (VALUE_EUR) and kilograms (QUANTITY_KG), partner
codes of Eurostat's geonomenclature (ISO alpha-2, plus its own codes for areas: Q* for stores
and provisions, high seas and countries not specified, XC Ceuta, XL Melilla), products CN8
or, where the CN8 is confidential, the chapter padded with X (`39XXXXXX`). Sources: the
real answers in `shared/data/real/comext-ds045409-sdmx-csv/` (API) and the layout, code
domains and sizes observed on `full_v2_202512.7z` as reported in public project notes (no
real bulk sample is public).

Code lists that the staging view applies (the aliases EL, XI, XU and the areas above) are in
`sql/staging/085_stg_comext_lines.sql`, where the codes are read.
"""

from __future__ import annotations

SOURCE = "comext"
PROFILE = "comext"  # `observatory ingest file PATH --profile comext`
DATASET = "DS-045409"
# The dataset's data URL; the series key and `?format=SDMX-CSV&startPeriod=…` follow.
BASE_URL = f"https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1/data/{DATASET}"

# The first line of an SDMX-CSV 1.0 answer of the dataset.
API_COLUMNS = ("DATAFLOW", "LAST UPDATE", "freq", "reporter", "partner", "product", "flow",
               "indicators", "TIME_PERIOD", "OBS_VALUE")
VALUE = "VALUE_IN_EUROS"
QUANTITY = "QUANTITY_IN_100KG"
INDICATORS = (VALUE, QUANTITY)
WORLD = "WORLD"

# The first line of a bulk file's .dat, and the DuckDB types it is read with (the columns
# not loaded into raw are still typed, as text, so that a short line is an error).
BULK_COLUMNS: dict[str, str] = {
    "REPORTER": "VARCHAR", "PARTNER": "VARCHAR", "TRADE_TYPE": "VARCHAR",
    "PRODUCT_NC": "VARCHAR", "PRODUCT_SITC": "VARCHAR", "PRODUCT_CPA21": "VARCHAR",
    "PRODUCT_CPA22": "VARCHAR", "PRODUCT_BEC": "VARCHAR", "PRODUCT_BEC5": "VARCHAR",
    "PRODUCT_SECTION": "VARCHAR", "FLOW": "VARCHAR", "STAT_PROCEDURE": "VARCHAR",
    "SUPPL_UNIT": "VARCHAR", "PERIOD": "VARCHAR", "VALUE_EUR": "DOUBLE", "VALUE_NAC": "VARCHAR",
    "QUANTITY_KG": "DOUBLE", "QUANTITY_SUPPL_UNIT": "VARCHAR",
}
SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"

# The configuration's flows (as the other trade sources name them) to the dataset's codes.
FLOW_CODES = {"M": "1", "X": "2"}
FREQUENCIES = ("M", "A")

# Retries: exponential backoff from this base; a server asking for a longer wait fails the
# request rather than holding the run.
MAX_WAIT_SECONDS = 300.0
# An answer of more product codes than this names them in the outcome only by count.
NAMED_CODES = 8
