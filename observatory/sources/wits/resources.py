"""Parse WITS SDMX-JSON tariff answers into rows of `core.tariffs`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from observatory.errors import SourceError
from observatory.reference.codes import match_code
from observatory.sources.base import Resource
from observatory.sources.wits import settings

TARIFFS = Resource(
    table="core.tariffs",
    primary_key=("source", "importer_iso3", "partner_iso3", "regime", "year", "classification",
                 "product_code"),
    load_mode="replace_partition",
    partition=("source", "importer_iso3", "year"),
)

COLUMNS = ["importer_iso3", "partner_iso3", "regime", "year", "classification", "hs_level",
           "product_code", "ad_valorem_pct", "is_ad_valorem", "duty_text", "measure",
           "tariff_lines", "min_rate_pct", "max_rate_pct", "datatype"]


def parse_tariffs(text: str, label: str) -> pd.DataFrame:
    """One row per (series, period) of a WITS tariff answer.

    The series key is read by the dimension ids the answer declares (not by position: a
    known client swaps two positions), each observation's attributes are resolved through
    their value lists, WITS numeric country codes (840, 000 World) become ISO3 (W00 for the
    World), and the nomenclature code (H5) becomes the HS revision (HS17). The value is a
    simple average ad valorem rate in percent; `aveestimated` answers are flagged.
    """
    stripped = text.lstrip()
    if stripped.startswith("<"):
        message = _xml_message(stripped)
        raise SourceError(f"{label}: WITS answered with an XML message, not data: {message}")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{label}: not valid JSON (line {exc.lineno}, column {exc.colno}): "
                          f"{exc.msg}") from exc
    try:
        structure = doc["structure"]
        series_dims = structure["dimensions"]["series"]
        obs_dims = structure["dimensions"]["observation"]
        obs_attrs = structure.get("attributes", {}).get("observation", [])
        datasets = doc["dataSets"]
    except (KeyError, TypeError) as exc:
        raise SourceError(f"{label}: not an SDMX-JSON data message (missing {exc})") from exc
    dim_ids = [d["id"] for d in series_dims]
    for needed in ("REPORTER", "PARTNER", "PRODUCTCODE"):
        if needed not in dim_ids:
            raise SourceError(f"{label}: series dimension {needed} missing")
    periods = [v["id"] for v in obs_dims[0]["values"]] if obs_dims else []
    rows = []
    for dataset in datasets:
        for key, series in (dataset.get("series") or {}).items():
            indices = [int(i) for i in key.split(":")]
            dims = {dim_ids[pos]: series_dims[pos]["values"][idx]["id"]
                    for pos, idx in enumerate(indices)}
            for obs_key, observation in (series.get("observations") or {}).items():
                rows.append(_row(dims, periods[int(obs_key.split(":")[0])], observation,
                                 obs_attrs, label, key))
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(dims: Mapping[str, str], period: str, observation: list[Any],
         attributes: list[dict[str, Any]], label: str, key: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for position, value_index in enumerate(observation[1:]):
        if position < len(attributes) and value_index is not None:
            values = attributes[position].get("values", [])
            if isinstance(value_index, int) and value_index < len(values):
                attrs[attributes[position]["id"]] = values[value_index].get("id")
    importer = _country(dims["REPORTER"], label, key, "REPORTER")
    partner = _country(dims["PARTNER"], label, key, "PARTNER")
    product = str(dims["PRODUCTCODE"]).strip()
    value = observation[0] if observation else None
    rate = None if value in (None, "") else float(value)
    nomenclature = attrs.get("NOMENCODE")
    datatype = str(dims.get("DATATYPE", "reported")).lower()
    return {
        "importer_iso3": importer,
        "partner_iso3": partner,
        "regime": (attrs.get("TARIFFTYPE") or ("MFN" if partner == "W00" else "PRF")).upper(),
        "year": int(period),
        "classification": settings.NOMENCLATURES.get(str(nomenclature), nomenclature),
        "hs_level": len(product),
        "product_code": product,
        "ad_valorem_pct": rate,
        "is_ad_valorem": datatype != "aveestimated",
        "duty_text": None if datatype != "aveestimated" else
        "ad valorem equivalent estimated by WITS",
        "measure": attrs.get("OBS_VALUE_MEASURE"),
        "tariff_lines": _int(attrs.get("TOTALNOOFLINES")),
        "min_rate_pct": _float(attrs.get("MIN_RATE")),
        "max_rate_pct": _float(attrs.get("MAX_RATE")),
        "datatype": datatype,
    }


def _country(code: str, label: str, key: str, dimension: str) -> str:
    text = str(code).strip()
    if text in ("000", "0", "WLD"):
        return "W00"
    match = match_code(text, "iso_numeric" if text.isdigit() else "iso3")
    if match.label is None:
        raise SourceError(f"{label}: series {key}: {dimension} {text!r} is not a known country")
    return match.label


def _int(value: Any) -> int | None:
    try:
        return None if value in (None, "") else int(float(value))
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def _xml_message(text: str) -> str:
    import re

    found = re.search(r'key="([^"]+)"', text)
    return found.group(1) if found else text[:120].replace("\n", " ")
