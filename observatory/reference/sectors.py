"""Sectors of the home country's trade statistics, by HS prefix (see data/sectors.toml)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from observatory.errors import ReferenceDataError

DEFAULT_SECTOR = "other"


@cache
def _definitions() -> list[dict[str, Any]]:
    text = resources.files("observatory.reference").joinpath("data", "sectors.toml").read_text(
        encoding="utf-8")
    sectors: list[dict[str, Any]] = tomllib.loads(text)["sector"]
    if DEFAULT_SECTOR not in {s["code"] for s in sectors}:
        raise ReferenceDataError("sectors.toml: the 'other' sector is missing")
    return sectors


@cache
def _prefixes() -> dict[str, str]:
    owner: dict[str, str] = {}
    for sector in _definitions():
        for prefix in sector["prefixes"]:
            if prefix in owner:
                raise ReferenceDataError(
                    f"sectors.toml: prefix {prefix} is in {owner[prefix]} and {sector['code']}")
            owner[prefix] = sector["code"]
    return owner


def sector_of(hs6: str) -> str:
    """The sector of an HS6 code: the one whose longest prefix matches it."""
    prefixes = _prefixes()
    for length in (6, 4, 2):
        sector = prefixes.get(hs6[:length])
        if sector is not None:
            return sector
    return DEFAULT_SECTOR


def sectors() -> pd.DataFrame:
    """`sector, sector_name_fr, sector_name_en, sort_order`."""
    return pd.DataFrame(
        [{"sector": s["code"], "sector_name_fr": s["name_fr"], "sector_name_en": s["name_en"],
          "sort_order": i + 1} for i, s in enumerate(_definitions())]
    )


def build_sector_map(hs6_codes: list[str]) -> pd.DataFrame:
    """`hs6, sector, sector_name_fr, sector_name_en` for each code."""
    frame = pd.DataFrame({"hs6": list(hs6_codes)})
    frame["sector"] = [sector_of(code) for code in frame["hs6"]]
    names = sectors().drop(columns="sort_order")
    return frame.merge(names, on="sector", how="left")
