"""RASFF notifications into three tables: notifications, their origins, their HS prefixes.

- `core.rasff_notifications` (key `reference`, merge): one row per notification.
- `core.rasff_origins` (key `reference, origin_name`; replaced per notification): the
  countries of origin, one row each, with ISO3.
- `core.rasff_hs` (key `reference, hs_prefix`; replaced per notification): the HS prefixes
  a notification is mapped to, with the confidence and the rule that matched.

Everything here is plain pandas and runs without Prefect or the warehouse.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources as package_files
from pathlib import Path

import pandas as pd

from observatory.errors import ConfigError, ReferenceDataError
from observatory.reference.countries import known_iso3, match_country_name
from observatory.sources.base import Resource
from observatory.sources.rasff import client, settings

NOTIFICATIONS = Resource(table="core.rasff_notifications", primary_key=("reference",),
                         load_mode="merge")
ORIGINS = Resource(table="core.rasff_origins", primary_key=("reference", "origin_name"),
                   load_mode="replace_partition", partition=("reference",))
HS_MAPPING = Resource(table="core.rasff_hs", primary_key=("reference", "hs_prefix"),
                      load_mode="replace_partition", partition=("reference",))

NOTIFICATION_COLUMNS = ["reference", "notification_date", "year", "week", "category",
                        "product_type", "subject", "classification", "risk_decision",
                        "notifying_country", "notifying_iso3", "hazards", "operator",
                        "distribution", "for_attention", "for_follow_up", "line_number"]
ORIGIN_COLUMNS = ["reference", "origin_name", "origin_iso3"]
HS_COLUMNS = ["reference", "hs_prefix", "confidence", "rule"]


@dataclass
class RasffBatch:
    """A normalised export: the tables and what was repaired or could not be mapped."""

    notifications: pd.DataFrame
    origins: pd.DataFrame
    rows_read: int
    duplicates_dropped: int  # rows dropped: rows_read - len(notifications)
    unmapped_origins: list[str]
    notes: list[str] = field(default_factory=list)
    repeated_references: int = 0  # notifications found on more than one row

    def counts(self) -> str:
        """What was kept of the rows read, for the run summary: "8,386 notifications (27
        exported twice, loaded once)" (the rows read are said beside it)."""
        text = f"{len(self.notifications):,} notifications"
        if not self.duplicates_dropped:
            return text
        if self.duplicates_dropped == self.repeated_references:
            return f"{text} ({self.repeated_references:,} exported twice, loaded once)"
        return (f"{text} ({self.repeated_references:,} exported more than once, in "
                f"{self.duplicates_dropped:,} extra rows, loaded once)")


def _clean_text(value: str) -> str:
    return " ".join(value.split())


def _split_list(value: str) -> list[str]:
    seen: list[str] = []
    for part in value.split(","):
        name = _clean_text(part)
        if name and name not in seen:
            seen.append(name)
    return seen


def country_iso3(name: str) -> str | None:
    """ISO3 of a country as RASFF names it (RASFF aliases first, then the reference names);
    None for placeholders ("unknown origin", "INFOSAN") and unknown names."""
    folded = name.strip().lower()
    if folded in settings.NOT_COUNTRIES:
        return None
    if folded in settings.COUNTRY_ALIASES:
        return settings.COUNTRY_ALIASES[folded]
    return match_country_name(name)


def _classification(label: str) -> str:
    folded = _clean_text(label).lower()
    if folded in settings.CLASSIFICATIONS:
        return settings.CLASSIFICATIONS[folded]
    return folded.removesuffix(" notification")


def normalise(raw: pd.DataFrame, file_name: str) -> RasffBatch:
    """The notifications and origins tables of a raw export (`client.read_export`).

    Duplicates: the weekly export sometimes carries a notification twice under one
    reference (in the real 2024-2025 file, 25 notifications of 30-31 December 2024 appear
    once with microsecond timestamps and once without, and 2 were re-exported after an
    update). One row is kept per reference: the latest version (latest timestamp, then the
    one naming more countries in its lists, then the later line), whose content is the most
    complete; its `notification_date` is the EARLIEST timestamp of the reference, the day
    the notification was made. `year` and `week` are that date's ISO 8601 year and week, a
    consistent pair (30 December 2024 is in 2025-W01, 3 January 2021 in 2020-W53); the
    export's own columns are not used: they pair the calendar year with the ISO week, and
    disagree on the duplicated rows. The calendar year is `year(notification_date)`.
    """
    notes: list[str] = []
    frame = raw.copy()
    frame["reference"] = [
        client.repair_reference(r, f"{file_name}: line {n}")
        for r, n in zip(frame["reference"], frame["line_number"], strict=True)
    ]
    frame["timestamp"] = client.parse_timestamps(frame["date"], frame["line_number"],
                                                 file_name)
    lists = {target: frame[source].map(_split_list)
             for source, target in settings.LIST_COLUMNS.items()}
    for target, values in lists.items():
        frame[target] = values
    frame["_list_size"] = sum(values.map(len) for values in lists.values())
    first_seen = frame.groupby("reference")["timestamp"].min()
    frame = frame.sort_values(["reference", "timestamp", "_list_size", "line_number"])
    kept = frame.drop_duplicates("reference", keep="last").copy()
    # Said by the caller with the counts (`rows_read`, `duplicates_dropped`), not in notes.
    duplicates = len(frame) - len(kept)
    kept["notification_date"] = kept["reference"].map(first_seen)
    iso = kept["notification_date"].dt.isocalendar()
    kept["year"] = iso.year.astype("int64")
    kept["week"] = iso.week.astype("int64")
    kept["category"] = kept["category"].map(_clean_text).str.lower()
    kept["product_type"] = kept["type"].map(_clean_text).str.lower()
    kept["subject"] = kept["subject"].map(_clean_text)
    kept["classification"] = kept["classification"].map(_classification)
    kept["risk_decision"] = kept["risk_decision"].map(_clean_text).str.lower()
    kept["notifying_country"] = kept["notifying_country"].map(_clean_text)
    kept["notifying_iso3"] = kept["notifying_country"].map(country_iso3)
    kept["hazards"] = kept["hazards"].map(lambda v: ", ".join(_split_list(v)))
    for column in ("risk_decision", "hazards", "category", "product_type", "classification"):
        kept[column] = kept[column].replace("", None)
    unknown = sorted(set(kept["classification"].dropna()) - set(settings.CLASSIFICATIONS
                                                                 .values()))
    if unknown:
        notes.append(f"{file_name}: classification(s) not in the known list: {unknown}")
    unmapped_notifying = sorted(set(kept.loc[kept["notifying_iso3"].isna(),
                                             "notifying_country"]) - {""})
    if unmapped_notifying:
        notes.append(f"{file_name}: notifying countries without ISO3: {unmapped_notifying}")
    notifications = (kept.sort_values("reference")[NOTIFICATION_COLUMNS]
                     .reset_index(drop=True))
    origins = _origins(kept)
    unmapped = sorted({n for n, iso in zip(origins["origin_name"], origins["origin_iso3"],
                                           strict=True)
                       if iso is None and n.lower() not in settings.NOT_COUNTRIES})
    if unmapped:
        notes.append(f"{file_name}: origin names without ISO3: {unmapped}")
    repeated = int((frame["reference"].value_counts() > 1).sum())
    return RasffBatch(notifications=notifications, origins=origins, rows_read=len(raw),
                      duplicates_dropped=duplicates, unmapped_origins=unmapped, notes=notes,
                      repeated_references=repeated)


def _origins(kept: pd.DataFrame) -> pd.DataFrame:
    rows = [(reference, name)
            for reference, value in zip(kept["reference"], kept["origin"], strict=True)
            for name in _split_list(value)]
    origins = pd.DataFrame(rows, columns=["reference", "origin_name"])
    names = {n: country_iso3(n) for n in origins["origin_name"].unique()}
    origins["origin_iso3"] = origins["origin_name"].map(names).astype(object)
    origins["origin_iso3"] = origins["origin_iso3"].where(origins["origin_iso3"].notna(), None)
    return origins.sort_values(ORIGIN_COLUMNS[:2]).reset_index(drop=True)[ORIGIN_COLUMNS]


def read_notifications(path: Path) -> RasffBatch:
    """Read and normalise one RASFF export file (CSV or XLSX)."""
    return normalise(client.read_export(path), path.name)


def notifications_for_origin(notifications: pd.DataFrame, origins: pd.DataFrame,
                             iso3: str) -> pd.DataFrame:
    """The notifications attributed to a country.

    Rule: a notification is attributed to country X exactly when X is among its countries
    of ORIGIN (the `origins` table, one notification may name several). Being the notifying
    country, a country of distribution, for attention or follow-up, an operator's country,
    or being named in the subject ("... from Morocco") does not attribute it: RASFF's
    origin is the country where the product was produced, the subject is free text written
    by the notifying authority and sometimes names a transit or packing country.
    """
    code = iso3.strip().upper()
    if code not in known_iso3():
        raise ConfigError(f"rasff: {iso3!r} is not a known ISO3 country code")
    references = set(origins.loc[origins["origin_iso3"] == code, "reference"])
    chosen = notifications[notifications["reference"].isin(references)]
    return chosen.reset_index(drop=True)


# --- HS mapping -----------------------------------------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@cache
def _hs_codes() -> frozenset[str]:
    from observatory.reference.hs import build_hs_nomenclature

    return frozenset(build_hs_nomenclature()["hs_code"])


def load_category_hs_map(path: Path | None = None) -> pd.DataFrame:
    """The editable mapping table (`data/category_hs_map.csv`, documented in its header).

    Rows whose `category` starts with `keyword:` are subject keywords; the others are RASFF
    product categories. An empty `hs_prefix` records a category deliberately left unmapped.
    Every prefix must be an HS 2022 chapter, heading or subheading; confidence high, medium
    or low. Raises ReferenceDataError naming the line otherwise.
    """
    if path is None:
        text = (package_files.files("observatory.sources.rasff")
                .joinpath("data", settings.CATEGORY_HS_MAP).read_text(encoding="utf-8"))
        name = settings.CATEGORY_HS_MAP
    else:
        text, name = path.read_text(encoding="utf-8"), path.name
    lines = text.splitlines()
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, comment="#")
    expected = ["category", "hs_prefix", "confidence", "note"]
    if list(table.columns) != expected:
        raise ReferenceDataError(f"{name}: columns must be {','.join(expected)}")
    # Line numbers for messages: data lines are the non-comment lines after the header.
    data_lines = [i + 1 for i, line in enumerate(lines)
                  if line.strip() and not line.lstrip().startswith("#")][1:]
    table["line_number"] = data_lines[: len(table)]
    codes = _hs_codes()
    for line, category, prefix, confidence in zip(
            table["line_number"], table["category"].astype(str), table["hs_prefix"].astype(str),
            table["confidence"].astype(str), strict=True):
        where = f"{name}: line {line}"
        if not category.strip():
            raise ReferenceDataError(f"{where}: category: empty")
        if prefix and prefix not in codes:
            raise ReferenceDataError(f"{where}: hs_prefix: {prefix!r} is not an HS "
                                     "2022 chapter, heading or subheading")
        if prefix and confidence not in settings.CONFIDENCES:
            raise ReferenceDataError(f"{where}: confidence: {confidence!r} is not one of "
                                     f"{', '.join(settings.CONFIDENCES)}")
    table["category"] = table["category"].str.strip().str.lower()
    return table


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    # "tomato" matches tomato, tomatoes; "strawberr*" matches any word starting so.
    word = _fold(keyword.strip())
    if word.endswith("*"):
        return re.compile(r"\b" + re.escape(word[:-1]) + r"\w*")
    return re.compile(r"\b" + re.escape(word) + r"(?:s|es)?\b")


def _product_part(folded_subject: str) -> str:
    # Subjects read "<hazard> in <product> from <country>": keywords are searched after the
    # first " in " so that a hazard naming a food ("undeclared almonds in thyme") does not
    # map the notification to that food. Without " in ", the whole subject is searched.
    _, found, after = folded_subject.partition(" in ")
    return after if found else folded_subject


def map_to_hs(notifications: pd.DataFrame, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """HS prefixes of each notification: `reference, hs_prefix, confidence, rule`.

    RASFF carries no HS codes. Subject keywords are more specific than product categories,
    so when any keyword of the table matches the subject's product part (the text after
    its first " in ", else the whole subject; accents and case folded, whole
    word with an optional plural s/es, or a prefix for keywords ending in '*'), the
    notification gets the prefixes of every matching keyword and its category is not used;
    otherwise it gets its category's prefixes. `rule` is "keyword:<word>" or
    "category:<category>". A notification whose category is unmapped and whose subject
    matches no keyword has no row. When two rules give one prefix, the higher confidence
    is kept.
    """
    mapping = load_category_hs_map() if table is None else table
    mapping = mapping[mapping["hs_prefix"] != ""]
    is_keyword = mapping["category"].str.startswith(settings.KEYWORD_PREFIX)
    keywords = mapping[is_keyword]
    categories = mapping[~is_keyword]
    patterns = {k: _keyword_pattern(k.removeprefix(settings.KEYWORD_PREFIX))
                for k in keywords["category"].unique()}
    by_category = {c: list(zip(g["hs_prefix"], g["confidence"], strict=True))
                   for c, g in categories.groupby("category")}
    by_keyword = {k: list(zip(g["hs_prefix"], g["confidence"], strict=True))
                  for k, g in keywords.groupby("category")}
    rank = {c: i for i, c in enumerate(settings.CONFIDENCES)}
    rows: list[tuple[str, str, str, str]] = []
    for reference, subject, category in zip(notifications["reference"],
                                            notifications["subject"],
                                            notifications["category"], strict=True):
        folded = _product_part(_fold(subject or ""))
        hits = [k for k, pattern in patterns.items() if pattern.search(folded)]
        found: dict[str, tuple[str, str]] = {}
        rules = ([(k, by_keyword[k]) for k in hits] if hits
                 else [(f"category:{category}", by_category.get(category or "", []))])
        for rule, prefixes in rules:
            for prefix, confidence in prefixes:
                if prefix not in found or rank[confidence] < rank[found[prefix][0]]:
                    found[prefix] = (confidence, rule)
        rows += [(reference, p, c, r) for p, (c, r) in sorted(found.items())]
    return pd.DataFrame(rows, columns=HS_COLUMNS)


def unmapped_categories(notifications: pd.DataFrame,
                        table: pd.DataFrame | None = None) -> list[str]:
    """Categories present in the notifications that the mapping table does not list."""
    mapping = load_category_hs_map() if table is None else table
    listed = set(mapping["category"])
    return sorted(set(notifications["category"].dropna()) - listed)
