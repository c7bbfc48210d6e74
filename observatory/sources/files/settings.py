"""Profiles: how to read an analyst's trade file.

A profile maps a file's columns onto the observatory's fields and says which codes, units,
flow direction, encoding and number format it uses. Profiles are declared in the
configuration (`[profiles.<name>]`); `baci` and `comtrade` are built in. Every key and its
meaning is in `PROFILE_KEYS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from observatory.errors import ConfigError

FORMATS = ("auto", "csv", "xlsx", "parquet")
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp1252", "latin-1")
CODE_SCHEMES = ("iso3", "iso2", "comtrade", "iso_numeric", "baci", "name")
FLOWS = ("export", "import", "column")
REPORTED_BY = ("auto", "reconciled")
QUANTITY_UNITS = ("t", "kg")
COLUMN_STYLES = ("as_is", "comtrade")
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
    "classification": "HS revision of the codes (HS92 … HS22) when no column gives it",
    "classification_column": "column holding the HS revision (e.g. Comtrade's H5)",
    "reporter": "ISO3 of the reporter when the whole file is one reporter's",
    "reporter_column": "column of the reporting country",
    "reporter_codes": "codes of the reporter column: iso3, iso2, comtrade, iso_numeric, "
                      "baci or name",
    "partner_column": "column of the partner; absent: the file holds world totals",
    "partner_codes": "codes of the partner column (as reporter_codes)",
    "product_column": "column of the HS code (HS2, HS4 or HS6; the level is kept)",
    "year_column": "column of the year (or of a YYYYMM period)",
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
    year_column: str
    value_column: str
    format: str = "auto"
    encoding: str = "auto"
    delimiter: str = ","
    decimal: str = "."
    thousands: str = ""
    sheet: str = ""
    skip_rows: int = 0
    column_style: str = "as_is"
    classification: str = "HS22"
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
        "classification": "HS17", "classification_column": "classification_code",
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
    for key in ("product_column", "year_column", "value_column"):
        if not body.get(key):
            raise ConfigError(f"{key_prefix}.{key}: missing")
    choices = {"format": FORMATS, "encoding": ENCODINGS, "reporter_codes": CODE_SCHEMES,
               "partner_codes": CODE_SCHEMES, "flow": FLOWS, "reported_by": REPORTED_BY,
               "quantity_unit": QUANTITY_UNITS, "column_style": COLUMN_STYLES,
               "kind": ("trade", "tariffs")}
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
    if "optional_columns" in body:
        body = {**body, "optional_columns": tuple(body["optional_columns"])}
    try:
        return Profile(name=name, **body)
    except TypeError as exc:
        raise ConfigError(f"{key_prefix}: {exc}") from exc


def built_in_profile(name: str) -> Profile:
    return make_profile(name, dict(BUILT_IN[name]), key_prefix=f"profiles.{name}")
