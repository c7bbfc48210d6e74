"""CEPII BACI bulk archives: file names, columns and conventions.

An archive (e.g. `BACI_HS22_V202601.zip`) holds one CSV per year `BACI_HS22_Y2024_V202601.csv`
with columns `t,i,j,k,v,q` (year, exporter, importer, HS6, value in thousands of current USD,
quantity in metric tons, `NA` where unknown), plus `country_codes_V202601.csv` and
`product_codes_HS22_V202601.csv`. Older releases name the product column `hs6`.
Source: CEPII BACI documentation (Gaulier & Zignago 2010) and the archives' readme.
"""

from __future__ import annotations

import re

SOURCE = "baci"
YEAR_MEMBER = re.compile(r"^(?:.*/)?BACI_(HS\d{2})_Y(\d{4})_V(\w+)\.csv$")
COUNTRY_MEMBER = re.compile(r"^(?:.*/)?country_codes_V(\w+)\.csv$")
PRODUCT_MEMBER = re.compile(r"^(?:.*/)?product_codes_(HS\d{2})_V(\w+)\.csv$")
README_MEMBER = re.compile(r"^(?:.*/)?readme\.txt$", re.IGNORECASE)
TRADE_COLUMNS = ("t", "i", "j", "k", "v", "q")
# Older releases call the product column hs6.
COLUMN_ALIASES = {"hs6": "k"}
# BACI values are in thousands of USD.
VALUE_MULTIPLIER_TO_USD = 1000

