"""Schedules, agreement tariffs and rules of origin from text rows to raw rows; the
phase-down paths of the AfCFTA modalities; the kinds of a rule of origin.

- `core.tariff_schedules` (key `agreement, party_code, beneficiary, national_line, year`;
  a batch replaces its (agreement, party) partitions): every line of a schedule with its
  base rate, category and the rate of each year, as the file gives it (`path_from`
  `schedule`) or derived from the modalities (`modalities`).
- `core.rules_of_origin` (key `agreement, hs_code`; a batch replaces its agreements): each
  product-specific rule with its kinds parsed from the text and its status.

Everything here is plain pandas and runs without Prefect or the warehouse.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from observatory.reference.countries import build_countries, match_country_name
from observatory.sources.afcfta import settings
from observatory.sources.afcfta.client import Table, fold
from observatory.sources.base import Resource

SCHEDULES = Resource("core.tariff_schedules",
                     ("agreement", "party_code", "beneficiary_iso3", "national_line", "year"),
                     "replace_partition", ("agreement", "party_code"))
RULES = Resource("core.rules_of_origin", ("agreement", "hs_code"), "replace_partition",
                 ("agreement",))

LINE_COLUMNS = ["line_number", "file_kind", "agreement", "party_text", "party_code",
                "party_kind", "members", "beneficiary_text", "beneficiary_iso3", "hs_text",
                "hs6", "hs_revision", "national_line", "description", "category_text",
                "category", "base_rate_text", "base_rate_pct", "timetable_text", "timetable",
                "path_from", "problem_field", "problem", "record"]
RATE_COLUMNS = ["line_number", "field", "year", "rate_text", "rate_pct"]
RULE_COLUMNS = ["line_number", "agreement", "hs_text", "hs_code", "hs_level", "description",
                "rule_text", "rule_kinds", "max_non_originating_pct", "status", "record"]

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")
FREE = {"free", "0", "exempt", "ex", "nil", "duty free", "exonéré", "exonere"}


def phase_down(base_pct: float, category: str, timetable: str, start_year: int,
               years: int = settings.PATH_YEARS) -> dict[int, float]:
    """The AfCFTA rate of each year from `start_year` (year 1) for `years` years, by the
    modalities of tariff liberalisation (AfCFTA Secretariat, "The Schedules of Tariff
    Concessions"; tralac, comparative analysis of tariff offers):

    - category A (non-sensitive): linear elimination in equal annual cuts of base / N, the
      first in year 1: rate in year t = base x (1 - min(t, N) / N), N = 5 (non-LDC) or 10
      (LDC); duty free from year N;
    - category B (sensitive): base rate in years 1-5 (standstill), then equal annual cuts
      of base / (N - 5) from year 6: rate in year t = base x (1 - min(max(t - 5, 0), N - 5)
      / (N - 5)), N = 10 (non-LDC) or 13 (LDC); duty free from year N;
    - category C (excluded): the base rate every year.

    Raises ValueError for a negative or non-finite base, an unknown category or timetable.
    """
    if not isinstance(base_pct, (int, float)) or not math.isfinite(base_pct) or base_pct < 0:
        raise ValueError(f"base rate {base_pct!r} must be a finite number >= 0")
    if category not in settings.CATEGORIES:
        raise ValueError(f"category {category!r} is not one of A, B, C")
    if timetable not in settings.TIMETABLES:
        raise ValueError(f"timetable {timetable!r} is not one of ldc, non_ldc")
    if category == "C":
        return {start_year + t - 1: float(base_pct) for t in range(1, years + 1)}
    standstill, end = settings.PHASE_DOWN[(category, timetable)]
    steps = end - standstill
    path = {}
    for t in range(1, years + 1):
        cuts = min(max(t - standstill, 0), steps)
        path[start_year + t - 1] = round(base_pct * (1 - cuts / steps), 6)
    return path


def parse_rate(text: str) -> float | None:
    """A rate in percent as schedules write it: `20`, `20 %`, `12,5`, `free`; None when it
    is not one (a specific duty, a typo)."""
    cleaned = text.strip().lower().replace("\u00a0", " ")
    if cleaned in FREE:
        return 0.0
    cleaned = cleaned.removesuffix("%").strip()
    if not _NUMBER.match(cleaned):
        return None
    value = float(cleaned.replace(",", "."))
    return value if math.isfinite(value) else None


def hs6_of(text: str) -> tuple[str | None, bool]:
    """The HS6 code of a cell (`0702.00`, `070200`, `0702.00.10.00` -> `070200`) and
    whether a lost leading zero was restored (a workbook number `70200`)."""
    digits = re.sub(r"[.\s]", "", text)
    if not digits.isdigit():
        return None, False
    if len(digits) == 5:
        return "0" + digits, True
    if len(digits) < 6:
        return None, False
    return digits[:6], False


@cache
def _countries() -> pd.DataFrame:
    return build_countries().set_index("iso3")


def country_code(text: str) -> str | None:
    """ISO3 of a country written as ISO3, ISO2 or its English or French name."""
    stripped = text.strip()
    frame = _countries()
    if stripped.upper() in frame.index:
        return stripped.upper()
    if len(stripped) == 2:
        hits = frame.index[frame["iso2"] == stripped.upper()]
        if len(hits) == 1:
            return str(hits[0])
    return match_country_name(stripped) if stripped else None


def state_parties() -> frozenset[str]:
    frame = _countries()
    return frozenset(frame.index[frame["afcfta_state_party"]])


UNION_NAMES = {"ecowas": "ECOWAS", "cedeao": "ECOWAS",
               "economiccommunityofwestafricanstates": "ECOWAS",
               "eac": "EAC", "eastafricancommunity": "EAC",
               "sacu": "SACU", "southernafricancustomsunion": "SACU",
               "cemac": "CEMAC", "eu": "EU", "eur": "EU", "eu27": "EU",
               "europeanunion": "EU", "unioneuropeenne": "EU"}


def party(text: str, agreement: str) -> tuple[str | None, str | None, list[str]]:
    """(code, kind, members) of the party applying a schedule: a country (ISO3) or a
    customs union (its members; under AfCFTA only those that are State Parties). AfCFTA
    schedules must be a State Party's or a customs union's; None when unknown."""
    union = UNION_NAMES.get(fold(text))
    frame = _countries()
    if union == "EU":
        return (None, None, []) if agreement == settings.AFCFTA else (
            "EU", "customs_union", sorted(frame.index[frame["eu_member"]]))
    if union:
        members = list(settings.CUSTOMS_UNIONS[union])
        if agreement == settings.AFCFTA:
            members = [m for m in members if m in state_parties()]
        return union, "customs_union", members
    iso3 = country_code(text)
    if iso3 is None or (agreement == settings.AFCFTA and iso3 not in state_parties()):
        return None, None, []
    return iso3, "country", [iso3]


@dataclass
class ScheduleBatch:
    lines: pd.DataFrame
    rates: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def schedule_rows(table: Table, file_name: str, file_kind: str, start_year: int
                  ) -> ScheduleBatch:
    """Text rows of a schedule (`file_kind` `afcfta`: an e-Tariff Book export; `agreement`:
    another agreement's tariff schedule) into the lines and the rates of each year. A value
    that cannot be read is kept as text with the typed value left empty, for the gate to
    reject with its line and field; paths are derived from the modalities only for AfCFTA
    lines without year rates and with a known category, base rate and timetable."""
    cols = table.columns
    lines: list[dict[str, Any]] = []
    rates: list[dict[str, Any]] = []
    padded = 0
    ldc = _countries()["ldc"]
    for line_number, cells in table.rows:
        def cell(name: str, cells: dict[str, str] = cells) -> str:
            return cells.get(cols[name], "") if name in cols else ""

        agreement = (settings.AFCFTA if file_kind == "afcfta"
                     else cell("agreement").strip().upper() or None)
        code, kind, members = party(cell("party"), agreement or "")
        beneficiary_text = cell("beneficiary")
        beneficiary = country_code(beneficiary_text) if beneficiary_text else None
        hs6, was_padded = hs6_of(cell("hs_code"))
        padded += was_padded
        category_text = cell("category")
        category = settings.CATEGORY_ALIASES.get(fold(category_text.split(" - ")[0])) \
            or settings.CATEGORY_ALIASES.get(fold(category_text)) \
            or (category_text.strip().upper() or None)
        base_text = cell("base_rate")
        base = parse_rate(base_text) if base_text else None
        timetable_text = cell("timetable")
        timetable = settings.TIMETABLE_ALIASES.get(fold(timetable_text), "?")
        if timetable == "" and file_kind == "afcfta" and kind == "country" and code:
            timetable = "ldc" if bool(ldc.get(code, False)) else "non_ldc"
        given = {year: cell_text for year, header in table.years.items()
                 if (cell_text := cells.get(header, "").strip())}
        problem_field = problem = None
        path_from = "schedule" if given else None
        if given:
            for year, header in table.years.items():
                text = cells.get(header, "").strip()
                rates.append({"line_number": line_number, "field": header, "year": year,
                              "rate_text": text, "rate_pct": parse_rate(text) if text
                              else None})
        elif file_kind != "afcfta":
            problem_field, problem = "year columns", "no rate for any year: an agreement's " \
                "schedule gives the rate of each year"
        elif timetable in settings.TIMETABLES and category in settings.CATEGORIES \
                and base is not None and base >= 0:
            path_from = "modalities"
            for year, rate in phase_down(base, category, timetable, start_year).items():
                rates.append({"line_number": line_number, "field": "derived", "year": year,
                              "rate_text": None, "rate_pct": rate})
        elif timetable not in settings.TIMETABLES and code is not None:
            problem_field = cols.get("timetable", "LDC Timetable")
            problem = (f"timetable {timetable_text!r} is neither LDC nor Non-LDC"
                       if timetable_text else "no LDC or Non-LDC timetable for a customs "
                       "union's line without year rates (the path cannot be derived)")
        lines.append({
            "line_number": line_number, "file_kind": file_kind, "agreement": agreement,
            "party_text": cell("party"), "party_code": code, "party_kind": kind,
            "members": members, "beneficiary_text": beneficiary_text or None,
            "beneficiary_iso3": beneficiary, "hs_text": cell("hs_code"), "hs6": hs6,
            "hs_revision": _revision(cell("hs_revision")),
            "national_line": (cell("national_line") or cell("hs_code")).strip(),
            "description": cell("description") or None,
            "category_text": category_text or None,
            "category": category if file_kind == "afcfta" or category_text else None,
            "base_rate_text": base_text, "base_rate_pct": base,
            "timetable_text": timetable_text or None,
            "timetable": (timetable if file_kind == "afcfta"
                          and timetable in settings.TIMETABLES else None),
            "path_from": path_from, "problem_field": problem_field, "problem": problem,
            "record": " | ".join(v for v in cells.values()),
        })
    notes = [f"{padded:,} HS code(s) of 5 digits padded to 6"] if padded else []
    return ScheduleBatch(pd.DataFrame(lines, columns=LINE_COLUMNS),
                         pd.DataFrame(rates, columns=RATE_COLUMNS), notes)


def _revision(text: str) -> str:
    """HS2017, HS 2017, H5, 2017 -> HS17 (e-Tariff Book schedules are in HS 2017)."""
    digits = re.sub(r"\D", "", text)
    known = {"2022": "HS22", "22": "HS22", "2017": "HS17", "17": "HS17", "2012": "HS12",
             "12": "HS12", "6": "HS22", "5": "HS17", "4": "HS12"}
    return known.get(digits, "HS17" if not text.strip() else text.strip().upper())


# --------------------------------------------------------------------- rules of origin

_MAX_SHARE = re.compile(
    r"(?:max(?:imum)?\s*(?:nom|non[- ]originating[^0-9%]*)|"
    r"value of (?:all )?(?:the )?non[- ]originating materials[^0-9%]*?(?:not )?exceed[^0-9%]*?)"
    r"\s*(\d+(?:[.,]\d+)?)\s*%", re.IGNORECASE)


def rule_kinds(text: str) -> tuple[list[str], float | None, str]:
    """The kinds of a product-specific rule (Annex 2, Appendix IV wording), its maximum
    share of non-originating materials (percent of the ex-works price) and its status:

    - `wholly_obtained`: "wholly obtained" (WO);
    - `change_of_chapter` / `change_of_heading` / `change_of_subheading`: CC, CTH, CTSH, or
      "manufacture from materials of any heading/chapter/subheading, except …";
    - `max_non_originating`: "MaxNOM 60 % (EXW)", "the value of all the non-originating
      materials used does not exceed 60 % of the ex-works price";
    - `specific_process`: a named process (spinning, weaving, refining, dyeing, chemical
      reaction, assembly…);
    - status `under_negotiation` when the text says the rule is yet to be agreed (or is in
      square brackets, the negotiators' notation), else `agreed`.
    """
    lower = " ".join(text.lower().split())
    status = "under_negotiation" if (
        any(m in lower for m in settings.PENDING_MARKERS)) else "agreed"
    kinds = []
    if "wholly obtained" in lower or re.search(r"\bwo\b", lower):
        kinds.append("wholly_obtained")
    if re.search(r"\bcc\b|change (?:of|in) (?:tariff )?chapter|materials of any chapter",
                 lower):
        kinds.append("change_of_chapter")
    if re.search(r"\bcth\b|change (?:of|in) (?:tariff )?heading|materials of any heading",
                 lower):
        kinds.append("change_of_heading")
    if re.search(r"\bctsh\b|change (?:of|in) (?:tariff )?sub-?heading"
                 r"|materials of any sub-?heading", lower):
        kinds.append("change_of_subheading")
    share = _MAX_SHARE.search(text)
    max_pct = float(share.group(1).replace(",", ".")) if share else None
    if max_pct is not None:
        kinds.append("max_non_originating")
    if re.search(r"spinning|weaving|knitting|refin|dyeing|printing|chemical reaction|"
                 r"purification|distillation|assembly|fermentation|roasting|smelting",
                 lower):
        kinds.append("specific_process")
    return kinds, max_pct, status


def rule_rows(table: Table, default_agreement: str) -> pd.DataFrame:
    """Text rows of a rules file into raw rows (HS code as digits, its level 2, 4 or 6)."""
    cols = table.columns
    rows = []
    for line_number, cells in table.rows:
        def cell(name: str, cells: dict[str, str] = cells) -> str:
            return cells.get(cols[name], "") if name in cols else ""

        hs_text = cell("hs_code")
        digits = re.sub(r"[.\s]", "", hs_text.lower().removeprefix("ex").strip())
        rule_text = " ".join(cell("rule_text").split())
        kinds, max_pct, status = rule_kinds(rule_text)
        if fold(cell("status")) in ("undernegotiation", "pending", "tobeagreed",
                                    "notagreed", "outstanding") or not rule_text:
            status = "under_negotiation"
        rows.append({
            "line_number": line_number,
            "agreement": (cell("agreement").strip().upper() or default_agreement),
            "hs_text": hs_text, "hs_code": digits or None,
            "hs_level": len(digits) if digits.isdigit() else None,
            "description": cell("description") or None, "rule_text": rule_text or None,
            "rule_kinds": kinds, "max_non_originating_pct": max_pct, "status": status,
            "record": " | ".join(cells.values()),
        })
    return pd.DataFrame(rows, columns=RULE_COLUMNS)

