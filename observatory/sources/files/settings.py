"""Profiles: how to read an analyst's trade file.

A profile maps a file's columns onto the observatory's fields and says which codes, units,
flow direction, encoding and number format it uses. Profiles are declared in the
configuration (`[profiles.<name>]`); `baci` and `comtrade` are built in. Every key and its
meaning is in `PROFILE_KEYS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

from observatory.classification import HS_REVISIONS
from observatory.errors import ConfigError
from observatory.validation.suites import FIRST_TRADE_YEAR, this_year

FORMATS = ("auto", "csv", "xlsx", "parquet")
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp1252", "latin-1")
CODE_SCHEMES = ("iso3", "iso2", "comtrade", "iso_numeric", "baci", "name")
FLOWS = ("export", "import", "column")
REPORTED_BY = ("auto", "reconciled")
QUANTITY_UNITS = ("t", "kg")
COLUMN_STYLES = ("as_is", "comtrade")
BLANK_VALUES = ("reject", "no_data")
# The HS revision in force in a year (observatory.classification) labels rows whose
# revision neither a column nor the profile gives.
# Values a flow column may hold, folded to lower case.
FLOW_WORDS = {
    "export": ("x", "export", "exports", "exportation", "exportations", "1", "rx"),
    "import": ("m", "import", "imports", "importation", "importations", "2", "rm"),
}
# Names that mean "the world" in a partner column: such rows are world totals.
WORLD_PARTNERS = ("w00", "wld", "0", "world", "monde", "total", "all", "tous pays")

PROFILE_KEYS: dict[str, str] = {
    "format": "csv, xlsx or parquet; auto = from the file's extension",
    "encoding": "auto (UTF-8, with or without BOM, else cp1252), utf-8, utf-8-sig, cp1252 "
                "or latin-1",
    "delimiter": "CSV field separator",
    "decimal": "decimal separator of numbers ('.' or ',')",
    "thousands": "thousands separator of numbers ('' for none)",
    "sheet": "XLSX sheet name ('' = the first sheet)",
    "skip_rows": "lines to skip before the header",
    "column_style": "as_is, or comtrade: normalise Comtrade header spellings first",
    "classification": "HS revision of the codes (HS92 … HS22) when no column gives it; "
                      "'' = the revision in force in the row's year",
    "classification_column": "column holding the HS revision (e.g. Comtrade's H5)",
    "reporter": "ISO3 of the reporter when the whole file is one reporter's",
    "reporter_column": "column of the reporting country",
    "reporter_codes": "codes of the reporter column: iso3, iso2, comtrade, iso_numeric, "
                      "baci or name",
    "partner_column": "column of the partner; absent: the file holds world totals",
    "partner_codes": "codes of the partner column (as reporter_codes)",
    "product_column": "column of the HS code (HS2, HS4 or HS6; the level is kept)",
    "year_column": "column of the year (or of a YYYYMM period)",
    "year": "the year of every row, for a file without a year column (e.g. 2017)",
    "year_from_filename": "a regular expression with one group that finds the year of "
                          "every row in the file's name, for a file without a year column",
    "blank_values": "reject (a blank value is an error) or no_data (a blank value means "
                    "no trade: the row is not loaded, and the blanks are counted)",
    "month_column": "column of the month for monthly data ('' = annual)",
    "flow": "export or import for the whole file, or column",
    "flow_column": "column of the flow (X/M, Export/Import, Exportations/Importations)",
    "value_column": "column of the value",
    "value_multiplier": "multiply values by this to get USD (e.g. 1000 for thousands)",
    "quantity_column": "column of the quantity ('' for none)",
    "quantity_unit": "t or kg",
    "reported_by": "auto (the reporter's own declaration) or reconciled (e.g. BACI)",
    "totals_only": "keep only rows whose mot_code, customs_code and partner2_code are totals",
    "optional_columns": "columns of this profile that a file may lack (read as empty)",
    "kind": "trade (flows) or tariffs (rates: the reporter is the importer, the value column "
            "holds the rate)",
    "regime": "for tariff files: the regime of every rate (e.g. MFN, AFCFTA); empty: MFN "
              "for partner World, PRF otherwise",
    "allow_deletions": "true: a file of this profile may delete rows of the partitions it "
                       "replaces beyond validation.max_deleted_share (the partition rule)",
}


@dataclass(frozen=True)
class Profile:
    name: str
    product_column: str
    value_column: str
    year_column: str = ""
    year: int = 0
    year_from_filename: str = ""
    blank_values: str = "reject"
    format: str = "auto"
    encoding: str = "auto"
    delimiter: str = ","
    decimal: str = "."
    thousands: str = ""
    sheet: str = ""
    skip_rows: int = 0
    column_style: str = "as_is"
    classification: str = ""
    classification_column: str = ""
    reporter: str = ""
    reporter_column: str = ""
    reporter_codes: str = "iso3"
    partner_column: str = ""
    partner_codes: str = "iso3"
    month_column: str = ""
    flow: str = "export"
    flow_column: str = ""
    value_multiplier: float = 1.0
    quantity_column: str = ""
    quantity_unit: str = "t"
    reported_by: str = "auto"
    totals_only: bool = False
    optional_columns: tuple[str, ...] = ()
    kind: str = "trade"
    regime: str = ""
    allow_deletions: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def source_columns(self) -> list[str]:
        names = [self.reporter_column, self.partner_column, self.product_column,
                 self.year_column, self.month_column, self.flow_column, self.value_column,
                 self.quantity_column, self.classification_column]
        return [n for n in names if n]


BUILT_IN: dict[str, dict[str, Any]] = {
    # A CEPII BACI yearly CSV on its own (an archive goes through sources.baci).
    "baci": {
        "format": "csv", "reporter_column": "i", "reporter_codes": "baci",
        "partner_column": "j", "partner_codes": "baci", "product_column": "k",
        "year_column": "t", "value_column": "v", "value_multiplier": 1000.0,
        "quantity_column": "q", "quantity_unit": "t", "flow": "export",
        "reported_by": "reconciled", "classification": "HS22",
    },
    # A UN Comtrade CSV or bulk download (any header spelling: PascalCase, snake_case…).
    "comtrade": {
        "format": "csv", "column_style": "comtrade", "reporter_column": "reporter_iso",
        "reporter_codes": "iso3", "partner_column": "partner_iso", "partner_codes": "iso3",
        "product_column": "cmd_code", "year_column": "ref_year", "flow": "column",
        "flow_column": "flow_desc", "value_column": "primary_value_usd",
        # Without a classification column, a row's revision is its year's (2022: HS22).
        "classification_column": "classification_code",
        "quantity_column": "net_weight_kg", "quantity_unit": "kg", "totals_only": True,
        "optional_columns": ("classification_code", "net_weight_kg"),
    },
}


def make_profile(name: str, body: dict[str, Any], *, key_prefix: str) -> Profile:
    """A profile from a configuration section; unknown keys or bad values raise ConfigError."""
    known = {f.name for f in fields(Profile)} - {"name", "extra"}
    for key in body:
        if key not in known:
            raise ConfigError(f"{key_prefix}.{key}: unknown profile key")
    for key in ("product_column", "value_column"):
        if not body.get(key):
            raise ConfigError(f"{key_prefix}.{key}: missing")
    _check_year(body, key_prefix)
    choices = {"format": FORMATS, "encoding": ENCODINGS, "reporter_codes": CODE_SCHEMES,
               "partner_codes": CODE_SCHEMES, "flow": FLOWS, "reported_by": REPORTED_BY,
               "quantity_unit": QUANTITY_UNITS, "column_style": COLUMN_STYLES,
               "kind": ("trade", "tariffs"), "blank_values": BLANK_VALUES}
    for key, allowed in choices.items():
        if key in body and body[key] not in allowed:
            raise ConfigError(f"{key_prefix}.{key}: {body[key]!r} is not one of "
                              f"{', '.join(allowed)}")
    if body.get("flow") == "column" and not body.get("flow_column"):
        raise ConfigError(f"{key_prefix}.flow_column: needed when flow = \"column\"")
    if not body.get("reporter") and not body.get("reporter_column"):
        raise ConfigError(f"{key_prefix}.reporter: give the reporter or a reporter_column")
    if body.get("decimal", ".") not in (".", ","):
        raise ConfigError(f"{key_prefix}.decimal: must be '.' or ','")
    if body.get("classification", "") not in ("", *HS_REVISIONS):
        raise ConfigError(f"{key_prefix}.classification: {body['classification']!r} is not "
                          f"one of {', '.join(HS_REVISIONS)} ('' or absent: the revision in "
                          "force in the row's year)")
    if "optional_columns" in body:
        body = {**body, "optional_columns": tuple(body["optional_columns"])}
    try:
        return Profile(name=name, **body)
    except TypeError as exc:
        raise ConfigError(f"{key_prefix}: {exc}") from exc


def _check_year(body: dict[str, Any], key_prefix: str) -> None:
    """Exactly one of year_column, year and year_from_filename; a year is an integer in
    range, a file-name pattern a regular expression with one group."""
    given = [k for k in ("year_column", "year", "year_from_filename")
             if body.get(k) not in (None, "", 0)]
    if not given:
        raise ConfigError(f"{key_prefix}.year_column: missing (a file without a year column "
                          "needs year = 2017 or year_from_filename = \"a regex with one "
                          "group\")")
    if len(given) > 1:
        raise ConfigError(f"{key_prefix}.{given[1]}: give only one of year_column, year and "
                          f"year_from_filename (this profile gives {' and '.join(given)})")
    if "year" in given:
        year = body["year"]
        if isinstance(year, bool) or not isinstance(year, int) \
                or not FIRST_TRADE_YEAR <= year <= this_year():
            raise ConfigError(f"{key_prefix}.year: {year!r} is not a year from "
                              f"{FIRST_TRADE_YEAR} to {this_year()}")
    if "year_from_filename" in given:
        pattern = body["year_from_filename"]
        if not isinstance(pattern, str):
            raise ConfigError(f"{key_prefix}.year_from_filename: expected a regular "
                              f"expression (text), got {pattern!r}")
        try:
            groups = re.compile(pattern).groups
        except re.error as exc:
            raise ConfigError(f"{key_prefix}.year_from_filename: not a regular expression "
                              f"({exc})") from exc
        if groups != 1:
            raise ConfigError(f"{key_prefix}.year_from_filename: {pattern!r} has {groups} "
                              "groups; it needs exactly one, around the year")


def file_year(profile: Profile, file_name: str) -> int | None:
    """The year of every row of `file_name` when the profile gives it (year, or
    year_from_filename: the first match of the pattern in the name); None when a column
    gives it. A name the pattern does not match, or where it finds no year, raises
    ConfigError naming the key."""
    if profile.year:
        return profile.year
    if not profile.year_from_filename:
        return None
    key = f"profiles.{profile.name}.year_from_filename"
    found = re.search(profile.year_from_filename, file_name)
    if found is None:
        raise ConfigError(f"{key}: {profile.year_from_filename!r} does not match the file "
                          f"name {file_name!r}")
    text = (found.group(1) or "").strip()
    if not text.isdigit() or not FIRST_TRADE_YEAR <= int(text) <= this_year():
        raise ConfigError(f"{key}: {profile.year_from_filename!r} finds {text!r} in the file "
                          f"name {file_name!r}, not a year from {FIRST_TRADE_YEAR} to "
                          f"{this_year()}")
    return int(text)


def built_in_profile(name: str) -> Profile:
    return make_profile(name, dict(BUILT_IN[name]), key_prefix=f"profiles.{name}")
