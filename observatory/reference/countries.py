"""Countries: codes, names, regions and groups, from well-kept packages.

- `country_converter`'s bundled `country_data.tsv`: ISO2, ISO3, ISO numeric, UN (M49) code,
  continent and UN sub-region, EU27 membership. We read the file ourselves:
  `coco.CountryConverter()` fails under pandas 3, because Namibia's ISO2 "NA" is parsed as a
  missing value unless `keep_default_na=False`.
- `pycountry`: French names through its gettext catalogue of ISO 3166-1.
- `data/numeric_code_exceptions.csv`: the codes BACI and UN Comtrade use where they differ
  from ISO numeric (France 251, USA 842, India 699, Switzerland 757, Norway 579).
- `data/ldc.csv`, `data/afcfta_state_parties.csv`: groups no package carries (see
  `data/README.md` for their sources and dates).
"""

from __future__ import annotations

import gettext
import io
import re
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import pycountry

from observatory.errors import ReferenceDataError

COLUMNS = ["iso3", "iso2", "iso_numeric", "m49", "baci_code", "comtrade_code", "name_en",
           "name_fr", "region", "sub_region", "eu_member", "afcfta_state_party", "ldc"]

# UN M49 regions of the sub-regions (country_converter's "continent" column is not M49's:
# it puts Christmas Island and the Cocos Islands in Asia, for instance).
_REGIONS = {
    "Northern Africa": "Africa", "Eastern Africa": "Africa", "Middle Africa": "Africa",
    "Southern Africa": "Africa", "Western Africa": "Africa",
    "Caribbean": "Americas", "Central America": "Americas", "South America": "Americas",
    "Northern America": "Americas",
    "Central Asia": "Asia", "Eastern Asia": "Asia", "South-eastern Asia": "Asia",
    "Southern Asia": "Asia", "Western Asia": "Asia",
    "Eastern Europe": "Europe", "Northern Europe": "Europe", "Southern Europe": "Europe",
    "Western Europe": "Europe",
    "Australia and New Zealand": "Oceania", "Melanesia": "Oceania", "Micronesia": "Oceania",
    "Polynesia": "Oceania", "Antarctica": "Antarctica",
}


def _data_file(name: str) -> str:
    return resources.files("observatory.reference").joinpath("data", name).read_text(
        encoding="utf-8")


def _coco_table() -> pd.DataFrame:
    text = resources.files("country_converter").joinpath("country_data.tsv").read_text(
        encoding="utf-8")
    table = pd.read_csv(io.StringIO(text), sep="\t", keep_default_na=False, dtype=str)
    # Entities that no longer exist (Soviet Union, Netherlands Antilles...) are not countries
    # of today's trade statistics; BACI's historic codes are in baci_special_codes().
    return table[(table["obsolete"] == "") & (table["ISOnumeric"] != "")]


def _french_names() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    except OSError as exc:
        raise ReferenceDataError(f"pycountry has no French catalogue: {exc}") from exc


def _iso_set(name: str) -> set[str]:
    frame = pd.read_csv(io.StringIO(_data_file(name)), dtype=str, comment="#")
    return set(frame["iso3"])


@cache
def _countries() -> pd.DataFrame:
    table = _coco_table()
    french = _french_names()
    exceptions = pd.read_csv(io.StringIO(_data_file("numeric_code_exceptions.csv")),
                             dtype={"iso3": str, "baci_code": "Int64",
                                    "comtrade_code": "Int64"})
    baci = dict(zip(exceptions["iso3"], exceptions["baci_code"], strict=True))
    comtrade = dict(zip(exceptions["iso3"], exceptions["comtrade_code"], strict=True))
    ldc = _iso_set("ldc.csv")
    afcfta = _iso_set("afcfta_state_parties.csv")
    rows = []
    for rec in table.itertuples(index=False):
        iso3 = rec.ISO3
        iso_numeric = int(rec.ISOnumeric)
        official = pycountry.countries.get(alpha_3=iso3)
        name_fr = french.gettext(official.name) if official is not None else rec.name_short
        # A few ISO2 cells of country_converter are regular expressions (^GB$|^UK$).
        iso2 = re.findall(r"[A-Z]{2}", rec.ISO2)[0] if rec.ISO2 else None
        rows.append({
            "iso3": iso3,
            "iso2": iso2,
            "iso_numeric": iso_numeric,
            "m49": int(rec.UNcode) if rec.UNcode else iso_numeric,
            "baci_code": baci.get(iso3, iso_numeric),
            "comtrade_code": comtrade.get(iso3, iso_numeric),
            "name_en": rec.name_short,
            "name_fr": name_fr,
            "region": _REGIONS.get(rec.UNregion),
            "sub_region": rec.UNregion or None,
            "eu_member": rec.EU27 == "EU27",
            "afcfta_state_party": iso3 in afcfta,
            "ldc": iso3 in ldc,
        })
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("baci_code", "comtrade_code"):
        frame[column] = frame[column].astype("Int64")
    missing = (ldc | afcfta) - set(frame["iso3"])
    if missing:
        raise ReferenceDataError(f"group lists name unknown ISO3 codes: {sorted(missing)}")
    for column in ("iso3", "baci_code", "comtrade_code"):
        values = frame[column].dropna()
        duplicated = values[values.duplicated()]
        if not duplicated.empty:
            raise ReferenceDataError(f"countries: {column} not unique: {list(duplicated)}")
    return frame.sort_values("iso3").reset_index(drop=True)


def build_countries() -> pd.DataFrame:
    """One row per country or territory with its codes, names, region and groups."""
    return _countries().copy()


@cache
def known_iso3() -> frozenset[str]:
    return frozenset(_countries()["iso3"])


@cache
def baci_code_to_iso3() -> dict[int, str]:
    frame = _countries().dropna(subset=["baci_code"])
    return {int(c): iso for c, iso in zip(frame["baci_code"], frame["iso3"], strict=True)}


@cache
def comtrade_code_to_iso3() -> dict[int, str]:
    frame = _countries().dropna(subset=["comtrade_code"])
    return {int(c): iso for c, iso in zip(frame["comtrade_code"], frame["iso3"], strict=True)}


def baci_special_codes() -> pd.DataFrame:
    """BACI codes that are not today's countries: historic unions and "nes" areas
    (`baci_code, label, name, successor_iso3`). Known, so not rejected as unknown codes."""
    frame = pd.read_csv(io.StringIO(_data_file("baci_special_codes.csv")),
                        dtype={"label": str, "name": str, "successor_iso3": str})
    clash = set(frame["baci_code"]) & set(_countries()["baci_code"].dropna())
    if clash:
        raise ReferenceDataError(f"special BACI codes are also country codes: {sorted(clash)}")
    return frame


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c))
                    .lower().replace("’", "'").split())


@cache
def _name_index() -> tuple[dict[str, str], list[tuple[Any, str]]]:
    import re

    exact: dict[str, str] = {}
    french = _french_names()
    for rec in _coco_table().itertuples(index=False):
        names = {rec.name_short, rec.name_official}
        official = pycountry.countries.get(alpha_3=rec.ISO3)
        if official is not None:
            names |= {official.name, french.gettext(official.name),
                      getattr(official, "common_name", official.name),
                      getattr(official, "official_name", official.name)}
        for name in names:
            exact.setdefault(_fold(name), rec.ISO3)
    patterns = [(re.compile(rec.regex, re.IGNORECASE), rec.ISO3)
                for rec in _coco_table().itertuples(index=False) if rec.regex]
    return exact, patterns


def match_country_name(name: str) -> str | None:
    """ISO3 of a country named in English or French ("Türkiye", "Maroc", "Côte d'Ivoire",
    "United States of America"…): an exact match on the names of country_converter and
    pycountry (accents and case folded), else country_converter's regular expressions when
    exactly one country matches. None when unknown or ambiguous."""
    exact, patterns = _name_index()
    folded = _fold(name)
    if not folded:
        return None
    if folded in exact:
        return exact[folded]
    hits = {iso3 for pattern, iso3 in patterns if pattern.search(folded)}
    return hits.pop() if len(hits) == 1 else None
