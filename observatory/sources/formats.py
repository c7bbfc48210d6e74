"""File formats more than one source reads.

UN Comtrade's column names: the fields of the API's final-data records, and the spellings
of the same fields in CSV and bulk downloads (PascalCase, snake_case, known typos). The
Comtrade API client and analysts' files with `column_style = "comtrade"` both read them.
"""

from __future__ import annotations

import re

import pandas as pd

from observatory.errors import SourceError

# The 47 fields of a final-data record, as the JSON API names them, and our snake_case names
# (units in the names: the API's values are in US dollars and kilograms).
FIELD_NAMES: dict[str, str] = {
    "typeCode": "type_code",
    "freqCode": "freq",
    "refPeriodId": "ref_period_id",
    "refYear": "ref_year",
    "refMonth": "ref_month",
    "period": "period",
    "reporterCode": "reporter_code",
    "reporterISO": "reporter_iso",
    "reporterDesc": "reporter_desc",
    "flowCode": "flow_code",
    "flowDesc": "flow_desc",
    "partnerCode": "partner_code",
    "partnerISO": "partner_iso",
    "partnerDesc": "partner_desc",
    "partner2Code": "partner2_code",
    "partner2ISO": "partner2_iso",
    "partner2Desc": "partner2_desc",
    "classificationCode": "classification_code",
    "classificationSearchCode": "classification_search_code",
    "isOriginalClassification": "is_original_classification",
    "cmdCode": "cmd_code",
    "cmdDesc": "cmd_desc",
    "aggrLevel": "aggr_level",
    "isLeaf": "is_leaf",
    "customsCode": "customs_code",
    "customsDesc": "customs_desc",
    "mosCode": "mos_code",
    "motCode": "mot_code",
    "motDesc": "mot_desc",
    "qtyUnitCode": "qty_unit_code",
    "qtyUnitAbbr": "qty_unit_abbr",
    "qty": "qty",
    "isQtyEstimated": "is_qty_estimated",
    "altQtyUnitCode": "alt_qty_unit_code",
    "altQtyUnitAbbr": "alt_qty_unit_abbr",
    "altQty": "alt_qty",
    "isAltQtyEstimated": "is_alt_qty_estimated",
    "netWgt": "net_weight_kg",
    "isNetWgtEstimated": "is_net_weight_estimated",
    "grossWgt": "gross_weight_kg",
    "isGrossWgtEstimated": "is_gross_weight_estimated",
    "cifvalue": "cif_value_usd",
    "fobvalue": "fob_value_usd",
    "primaryValue": "primary_value_usd",
    "legacyEstimationFlag": "legacy_estimation_flag",
    "isReported": "is_reported",
    "isAggregate": "is_aggregate",
}

# Header variants seen in CSV and bulk files, keyed by the name folded to lower-case letters
# and digits (so `ReporterCode`, `reporter_code` and `Reporter Code` are one key). Typos from
# users' column lists and comtradr's mapping table.
HEADER_ALIASES: dict[str, str] = {
    "prtner2code": "partner2_code",
    "atlqty": "alt_qty",
    "primaryvalueusd": "primary_value_usd",
    "tradevalue": "primary_value_usd",
    "tradevalueus": "primary_value_usd",
    "ciftradevalueus": "cif_value_usd",
    "fobtradevalueus": "fob_value_usd",
    "netweightkg": "net_weight_kg",
    "netweight": "net_weight_kg",
    "grossweightkg": "gross_weight_kg",
    "commoditycode": "cmd_code",
    "tradeflowcode": "flow_code",
    "aggregatelevel": "aggr_level",
    "refperiod": "period",
}


def _fold(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


_CANONICAL: dict[str, str] = {_fold(k): v for k, v in FIELD_NAMES.items()}
_CANONICAL.update({_fold(v): v for v in FIELD_NAMES.values()})
_CANONICAL.update(HEADER_ALIASES)


def normalise_column_name(name: str) -> str:
    """Our snake_case name for a Comtrade column, whatever its spelling.

    Known fields and variants (`ReporterCode`, `reporter_code`, `PrimaryValue`, `cifValue`,
    `CIFValue`, `isnetWgtEstimated`, the typos `Prtner2Code` and `AtlQty`) map to the names of
    `FIELD_NAMES`; an unknown name is only converted to snake_case.
    """
    known = _CANONICAL.get(_fold(name))
    if known:
        return known
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name).strip())
    return re.sub(r"[^0-9a-zA-Z]+", "_", snake).strip("_").lower()


def normalise_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename the columns of a CSV/bulk download to our snake_case names (a new frame).

    Two columns that mean the same field (e.g. `cifValue` and `CIFValue`) raise
    `SourceError` rather than one silently shadowing the other.
    """
    names = [normalise_column_name(c) for c in frame.columns]
    seen: dict[str, str] = {}
    for original, name in zip(frame.columns, names, strict=True):
        if name in seen:
            raise SourceError(
                f"columns {seen[name]!r} and {original!r} both mean {name!r}"
            )
        seen[name] = str(original)
    out = frame.copy()
    out.columns = names
    return out
