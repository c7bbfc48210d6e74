"""How a page names where its figures come from: the display name of a ledger source, of an
indicator input, of a release, of how recent the data are, and the reasons and uses of
`mart.input_coverage`, in the page's language and never as the warehouse's codes.

Every text comes from the messages (`source_<name>`, `input_<name>`, `coverage_*`); a source
or input the messages do not know shows its own code (a source added since). A source line
reads « Source : CEPII BACI (flux bilatéraux réconciliés), version 202601 » or « Sources :
… ; … »: one clause per source and input, its releases and the month (or year) its data run
to. The texts are plain strings: the templates escape them (a profile name in
`file:<profile>` is a user's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from observatory.report.formatting import Formatter

FILE_PREFIX = "file:"
# The inputs of the indicators ([inputs] exporter_side and market_side) and their messages.
INPUTS = ("reconciled", "reported_totals", "reported_flows", "mirror", "declared")
# Sides of mart.input_coverage.
SIDES = ("exporter", "market", "left_out")
# HS levels of the coverage (0: totals without a product; 8: CN8).
LEVEL_KEYS = {0: "coverage_level_total", 2: "level_hs2", 4: "level_hs4", 6: "level_hs6",
              8: "level_cn8"}
# The marts `mart.input_coverage.feeds` names, and their message.
FEEDS = (
    "product_competitiveness",
    "home_rca_hs6",
    "complexity",
    "home_product_space",
    "home_concentration",
    "diversification",
    "market_product_shares",
    "market_indicators",
    "export_potential",
)

_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")
_RELEASE = re.compile(r"V?(\d{6})")  # BACI's releases: 202601 (V202601 in file names)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+)?")
_BULK = re.compile(r"\d{6}@(\d{4})-(\d{2})-(\d{2})")  # Comext bulk: <period>@<file date>


@dataclass(frozen=True, order=True)
class Origin:
    """Where rows come from: the ledger source, its release (`vintage`), the month
    ('YYYY-MM') or year ('YYYY') its data run to (`through`) and the indicator input."""

    source: str
    vintage: str | None = None
    through: str | None = None
    input: str | None = None


def source_name(code: str | None, messages: Mapping[str, str]) -> str:
    """'baci' -> 'CEPII BACI'; 'file:ots' -> the analyst's-file message naming 'ots'."""
    if not code:
        return "—"
    if code.startswith(FILE_PREFIX):
        return messages["source_file"].format(profile=code.removeprefix(FILE_PREFIX))
    return messages.get(f"source_{code}", code)


def input_name(code: str | None, messages: Mapping[str, str]) -> str:
    """'reported_totals' -> 'totaux déclarés vers le Monde' (an unknown input as is)."""
    if not code:
        return "—"
    return messages.get(f"input_{code}", code)


def month_text(value: str | None, fmt: Formatter) -> str:
    """'2026-03' -> 'mars 2026'; a year, or anything else, as it is."""
    return fmt.month(value)


def _when(value: date | datetime | None, fmt: Formatter) -> str:
    return fmt.date_only(value.date() if isinstance(value, datetime) else value)


def vintage_text(
    vintage: str | None,
    messages: Mapping[str, str],
    fmt: Formatter,
    loaded: date | datetime | None = None,
) -> str | None:
    """A release as a reader reads it: 'version 202601' (BACI), 'mise à jour du 29 novembre
    2026' (a dated release: Comext, Comtrade), else the date its file was loaded (`loaded`:
    a release that is only a file's fingerprint), else 'version <release>'; None without one."""
    if not vintage:
        return None
    if _RELEASE.fullmatch(vintage):
        return messages["vintage_release"].format(release=vintage.removeprefix("V"))
    found = _ISO_DATE.fullmatch(vintage) or _BULK.fullmatch(vintage)
    if found:
        try:
            day = date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            day = None
        if day is not None:
            return messages["vintage_updated"].format(date=fmt.date_only(day))
    if loaded is not None:
        return messages["vintage_loaded"].format(date=_when(loaded, fmt))
    return messages["vintage_release"].format(release=vintage)


def through_text(through: str | None, messages: Mapping[str, str], fmt: Formatter) -> str | None:
    """'données jusqu'à mars 2026' (or '… jusqu'à 2024'); None when unknown."""
    if not through:
        return None
    return messages["data_through"].format(when=month_text(through, fmt))


def _recency(value: str) -> str:
    """A sort key of 'YYYY' and 'YYYY-MM' values (a year counts as its December)."""
    return value if _YEAR_MONTH.fullmatch(value) else f"{value}-12"


def _latest(values: Iterable[str | None]) -> str | None:
    """The most recent of 'YYYY' and 'YYYY-MM' values."""
    return max((v for v in values if v), key=_recency, default=None)


def origin_clauses(
    origins: Iterable[Origin],
    messages: Mapping[str, str],
    fmt: Formatter,
    loaded: Mapping[tuple[str, str], date | datetime] | None = None,
) -> list[str]:
    """One clause per source and input: 'Eurostat Comext (importations déclarées par le
    marché), mise à jour du 29 novembre 2026, données jusqu'à octobre 2026'."""
    loaded = loaded or {}
    groups: dict[tuple[str, str | None], list[Origin]] = {}
    for origin in sorted(set(origins), key=lambda o: (o.source, o.input or "", o.vintage or "")):
        groups.setdefault((origin.source, origin.input), []).append(origin)
    clauses = []
    for (source, input_code), members in groups.items():
        name = source_name(source, messages)
        if input_code:
            name = messages["source_with_input"].format(
                source=name, input=input_name(input_code, messages)
            )
        parts = [name]
        for vintage in dict.fromkeys(o.vintage for o in members if o.vintage):
            text = vintage_text(vintage, messages, fmt, loaded.get((source, vintage)))
            if text and text not in parts:
                parts.append(text)
        through = through_text(_latest(o.through for o in members), messages, fmt)
        if through:
            parts.append(through)
        clauses.append(", ".join(parts))
    return clauses


def source_line(
    origins: Iterable[Origin],
    messages: Mapping[str, str],
    fmt: Formatter,
    loaded: Mapping[tuple[str, str], date | datetime] | None = None,
) -> str:
    """« Source : … » (one source) or « Sources : … ; … »; '' when nothing is known."""
    clauses = origin_clauses(origins, messages, fmt, loaded)
    if not clauses:
        return ""
    key = "source_line_one" if len(clauses) == 1 else "source_line_many"
    return messages[key].format(sources=messages["source_separator"].join(clauses))


def recency_line(origins: Iterable[Origin], messages: Mapping[str, str], fmt: Formatter) -> str:
    """« Données jusqu'à octobre 2026 (Eurostat Comext) ; jusqu'à 2024 (CEPII BACI) »: per
    source, the most recent month or year of its rows; '' when none says."""
    latest: dict[str, str] = {}
    for origin in origins:
        if origin.through:
            found = _latest([latest.get(origin.source), origin.through])
            if found:
                latest[origin.source] = found
    if not latest:
        return ""
    ordered = sorted(latest.items(), key=lambda item: (_recency(item[1]), item[0]), reverse=True)
    clauses = [
        messages["recency_clause"].format(
            when=month_text(through, fmt), source=source_name(source, messages)
        )
        for source, through in ordered
    ]
    return messages["recency_line"].format(clauses=messages["source_separator"].join(clauses))


# --- mart.input_coverage ----------------------------------------------------------------------

# The fixed reasons of sql/mart/trade/070_input_coverage.sql, and their message (with the
# values their parameterised forms carry).
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"chosen for the year and level"), "coverage_reason_chosen"),
    (re.compile(r"chosen for the market, year and level"), "coverage_reason_chosen_market"),
    (re.compile(r"outside the study years"), "coverage_reason_outside_years"),
    (re.compile(r"not in \[inputs\] exporter_side"), "coverage_reason_not_listed_exporter"),
    (re.compile(r"not in \[inputs\] market_side"), "coverage_reason_not_listed_market"),
    (
        re.compile(r"covers (?P<n>\d+) exporters, fewer than min_world_reporters \((?P<min>\d+)\)"),
        "coverage_reason_few_exporters",
    ),
    (
        re.compile(r"another source of the same input covers more exporters"),
        "coverage_reason_other_source_exporters",
    ),
    (
        re.compile(r"input (?P<input>\w+) comes first for the year and level"),
        "coverage_reason_input_first",
    ),
    (
        re.compile(r"another source of the same input has more partners"),
        "coverage_reason_other_source_partners",
    ),
    (
        re.compile(
            r"(?P<n>\d+) partner\(s\) and no World row for the market: fewer partners than "
            r"the (?P<input>\w+) flows, which are used"
        ),
        "coverage_reason_few_partners",
    ),
    (
        re.compile(r"input (?P<input>\w+) comes first for the market, year and level"),
        "coverage_reason_input_first_market",
    ),
    (re.compile(r"not chosen"), "coverage_reason_not_chosen"),
    (
        re.compile(
            r"HS6 code of (?P<revision>\S+) not linked to (?P<study>\S+) by the correlation "
            r"tables"
        ),
        "coverage_reason_unconverted",
    ),
    (
        re.compile(
            r"level (?P<level>\d+) \(totals without a product\): mart\.national_mirror reads "
            r"them, not the product indicators"
        ),
        "coverage_reason_totals",
    ),
    (
        re.compile(
            r"monthly rows: the watch reads them; the study reads a year only when its 12 "
            r"months are there"
        ),
        "coverage_reason_monthly",
    ),
)


def reason_text(reason: str | None, messages: Mapping[str, str]) -> str:
    """A reason of mart.input_coverage in the page's language ('—' when there is none). A
    reason this module does not know is shown as a generic sentence, never as the SQL's
    English."""
    if not reason:
        return "—"
    for pattern, key in _REASONS:
        found = pattern.fullmatch(reason.strip())
        if found:
            values = found.groupdict()
            if "input" in values:
                values["input"] = input_name(values["input"], messages)
            return messages[key].format(**values)
    return messages["coverage_reason_other"]


def feeds_text(feeds: str | None, messages: Mapping[str, str]) -> str:
    """'product_competitiveness, complexity, …' -> the indicators' names in the page's
    language ('—' when the input fed nothing)."""
    if not feeds:
        return "—"
    names = [part.strip() for part in feeds.split(",") if part.strip()]
    return ", ".join(
        messages.get(f"coverage_feeds_{name}", messages["coverage_feeds_other"]) for name in names
    )


def level_text(level: int | None, messages: Mapping[str, str]) -> str:
    if level is None:
        return "—"
    key = LEVEL_KEYS.get(int(level))
    return messages[key] if key else messages["coverage_level_other"].format(level=level)


def years_text(years: Iterable[int]) -> str:
    """[2019, 2020, 2021, 2023] -> '2019–2021, 2023'."""
    ordered = sorted(set(int(y) for y in years if y is not None))
    runs: list[list[int]] = []
    for year in ordered:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs) or "—"


# --- ops.study_vintages -----------------------------------------------------------------------

_TARIFF_SOURCE = re.compile(r"(?P<source>\S+) tariffs")
_TRADE_FLOWS = re.compile(r"trade flows (?P<first>\d{4})-(?P<last>\d{4})")
_IMPORTERS = re.compile(r"(?P<n>\d+) importers")
_PUBLICATIONS = re.compile(r"latest of (?P<n>\d+) reporter-periods")


def study_vintage_texts(
    source: str,
    vintage: str | None,
    detail: str | None,
    messages: Mapping[str, str],
    fmt: Formatter,
    loaded: Mapping[tuple[str, str], date | datetime] | None = None,
) -> tuple[str, str, str]:
    """(source, vintage, detail) of an `ops.study_vintages` row in the page's language: the
    rows name ledger sources ('baci'), tariff sources ('wits tariffs') and the Comtrade
    publication dates, with fixed English details ('trade flows 2019-2024')."""
    loaded = loaded or {}
    tariffs = _TARIFF_SOURCE.fullmatch(source)
    ledger_source = source
    if tariffs:
        ledger_source = tariffs.group("source")
        name = messages["vintage_tariffs"].format(source=source_name(ledger_source, messages))
    elif source == "comtrade publication":
        ledger_source = "comtrade"
        name = messages["vintage_publication"].format(source=source_name("comtrade", messages))
    else:
        name = source_name(source, messages)
    when = vintage or "—"
    if vintage and not tariffs and source != "comtrade publication":
        when = vintage_text(vintage, messages, fmt, loaded.get((ledger_source, vintage))) or when
    elif vintage and source == "comtrade publication":
        when = vintage_text(vintage, messages, fmt) or when
    text = detail or "—"
    if detail:
        flows = _TRADE_FLOWS.fullmatch(detail)
        importers = _IMPORTERS.fullmatch(detail)
        publications = _PUBLICATIONS.fullmatch(detail)
        if flows:
            text = messages["vintage_trade_flows"].format(
                years=fmt.years(int(flows.group("first")), int(flows.group("last")))
            )
        elif importers:
            text = messages["vintage_importers"].format(n=importers.group("n"))
        elif publications:
            text = messages["vintage_publications"].format(n=publications.group("n"))
    return name, when, text
