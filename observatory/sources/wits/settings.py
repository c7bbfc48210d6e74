"""WITS SDMX REST API: URL template, dimensions and attributes of tariff answers.

Tariff series dimensions are FREQ, REPORTER, PARTNER, PRODUCTCODE, DATATYPE with the
observation dimension TIME_PERIOD; observation attributes include NOMENCODE (e.g. H5),
TARIFFTYPE (MFN, PRF…), OBS_VALUE_MEASURE (SimpleAverage), TOTALNOOFLINES, NBR_PREF_LINES,
NBR_MFN_LINES, NBR_NA_LINES, MIN_RATE, MAX_RATE. MFN rates come with partner 000 (World);
partner-specific rows exist only where a preferential agreement does. Errors come back as
XML (`<wits:message id="150" key="…">`). Source: WITS API documentation and the
world_trade_data client's fixtures (see the reference notes, section C4).
"""

from __future__ import annotations

BASE_URL = "http://wits.worldbank.org/API/V1/SDMX/V21/datasource/trn"
TARIFF_PATH = ("/reporter/{reporter}/partner/{partner}/product/{product}/year/{year}"
               "/datatype/{datatype}")
DATATYPES = ("reported", "aveestimated")
WORLD_PARTNER = "000"
NOMENCLATURES = {"H0": "HS92", "H1": "HS96", "H2": "HS02", "H3": "HS07", "H4": "HS12",
                 "H5": "HS17", "H6": "HS22"}
