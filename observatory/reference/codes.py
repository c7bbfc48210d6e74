"""Map the country codes found in source files to ISO3 labels, whatever scheme they use."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from observatory.reference.countries import (
    baci_special_codes,
    build_countries,
    match_country_name,
)

WORLD = "W00"
SCHEMES = ("iso3", "iso2", "comtrade", "iso_numeric", "baci", "name")
WORLD_WORDS = {"w00", "wld", "world", "monde", "total", "all", "tous pays"}


@dataclass(frozen=True)
class CodeMatch:
    label: str | None  # ISO3, or a non-country label such as S19; None = unknown
    is_world: bool = False


@cache
def comtrade_special_codes() -> pd.DataFrame:
    text = resources.files("observatory.reference").joinpath(
        "data", "comtrade_special_codes.csv").read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), dtype={"label": str})


@cache
def _lookup(scheme: str) -> dict[str, str]:
    countries = build_countries()
    specials = comtrade_special_codes()
    baci = baci_special_codes()
    if scheme == "iso3":
        table = dict(zip(countries["iso3"], countries["iso3"], strict=True))
        table |= {label: label for label in specials["label"]}
        return table | {label: label for label in baci["label"]}
    if scheme == "iso2":
        return dict(zip(countries["iso2"], countries["iso3"], strict=True))
    if scheme in ("comtrade", "iso_numeric", "baci"):
        column = {"comtrade": "comtrade_code", "iso_numeric": "iso_numeric",
                  "baci": "baci_code"}[scheme]
        table = {str(code): iso3 for code, iso3 in zip(countries[column], countries["iso3"],
                                                        strict=True)}
        if scheme == "comtrade":
            table |= {str(c): label for c, label in zip(specials["comtrade_code"],
                                                        specials["label"], strict=True)}
        if scheme == "baci":
            table |= {str(c): label for c, label in zip(baci["baci_code"], baci["label"],
                                                        strict=True)}
        return table
    raise ValueError(f"unknown code scheme {scheme!r}; one of {', '.join(SCHEMES)}")


def match_code(value: str | None, scheme: str) -> CodeMatch:
    """One code or name → its label; World (W00, code 0, "World", "Monde") is flagged."""
    if value is None:
        return CodeMatch(None)
    text = str(value).strip()
    if text.lower() in WORLD_WORDS or (scheme == "comtrade" and text == "0"):
        return CodeMatch(WORLD, is_world=True)
    if scheme == "name":
        iso3 = match_country_name(text)
        return CodeMatch(iso3)
    if scheme in ("comtrade", "iso_numeric", "baci"):
        text = text.lstrip("0") or "0"
        if text.endswith(".0"):
            text = text[:-2]
    if scheme in ("iso3", "iso2"):
        text = text.upper()
    return CodeMatch(_lookup(scheme).get(text))


def map_codes(values: Iterable[str | None], scheme: str) -> dict[str, CodeMatch]:
    """Map the distinct values of a column (files hold few distinct countries)."""
    return {str(v): match_code(v, scheme) for v in set(values) if v is not None}
