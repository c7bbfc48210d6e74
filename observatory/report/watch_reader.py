"""What the three kinds of watch page read alike: names, the watch's parameters, the
priority markets, each market's periods (the monthly kinds, then the years) and totals, its
ePing notifications, the alerts, and where their rows come from (`provenance`). The
sections proper to one page kind are read by that page's module."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from observatory.report import catalogue, parameters
from observatory.report.evidence import evidence_items, safe_link
from observatory.report.formatting import Formatter, month_name
from observatory.report.provenance import Provenance
from observatory.report.published import PublishedTables, Record
from observatory.report.sources import Origin

SHARES = "mart.watch_market_shares"
# The periods of the watch, the monthly kinds first: the watch follows the latest month.
PERIOD_KINDS = ("rolling12", "ytd", "month", "annual")
MONTHLY_KINDS = PERIOD_KINDS[:-1]
# The alert rules computed from the market shares, and the regulatory sources of the others.
TRADE_RULES = ("share_drop", "competitor_gain", "demand_contraction")
RULE_SOURCES = {"new_notification": "eping", "deadline": "eping", "rasff_spike": "rasff"}


class WatchReader:
    """Loads records (dicts keyed by column name) for the watch pages, in one language."""

    def __init__(
        self, tables: PublishedTables, home_iso3: str, messages: dict[str, str], lang: str
    ) -> None:
        self.tables = tables
        self.home = home_iso3
        self.t = messages
        self.lang = lang
        self.fmt = Formatter(lang)
        self.provenance = Provenance(tables, messages, lang)
        self.countries, self.eu_members = self._countries()
        self.sectors = self._sector_names()
        self.watch = parameters.watch_parameters(tables)
        self.priority = self._priority_markets()
        self._periods: dict[tuple[str, str], Record | None] = {}

    # --- reference and parameters --------------------------------------------------------

    def _countries(self) -> tuple[dict[str, str], set[str]]:
        if not self.tables.has("ref.countries"):
            return {}, set()
        column = "name_fr" if self.lang == "fr" else "name_en"
        eu = "eu_member" if "eu_member" in self.tables.columns("ref.countries") else "false"
        rows = self.tables.records(
            f"select iso3, {column} as name, coalesce({eu}, false) as eu from ref.countries"
        )
        return (
            {r["iso3"]: r["name"] for r in rows if r["name"]},
            {r["iso3"] for r in rows if r["eu"]},
        )

    def _sector_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        column = "sector_name_fr" if self.lang == "fr" else "sector_name_en"
        for table in ("ref.hs_sectors", "ref.sectors"):
            if self.tables.has(table) and column in self.tables.columns(table):
                for r in self.tables.records(
                    f"select distinct sector, {column} as name from {table} order by sector"
                ):
                    if r["name"]:
                        names[r["sector"]] = r["name"]
        return names

    def _priority_markets(self) -> list[str]:
        """The study's priority markets, else the markets of the watch marts."""
        priority = parameters.priority_markets(self.tables)
        if not priority and self.tables.has("mart.watch_market_shares"):
            priority = [
                r["market_iso3"]
                for r in self.tables.records(
                    "select distinct market_iso3 from mart.watch_market_shares order by 1"
                )
            ]
        return priority

    def country(self, iso3: str | None) -> str:
        return self.countries.get(iso3 or "", iso3 or "—")

    def describe(self, level: str, code: str | None, description: str | None) -> str | None:
        if level == "sector":
            return self.sectors.get(code or "", description or code)
        return description

    @property
    def run_id(self) -> str | None:
        return self.watch.get("run_id")

    @property
    def deadline_days(self) -> int | None:
        return self.watch.get("deadline_days")

    # --- market shares -------------------------------------------------------------------

    def latest_period(self, market: str, kind: str = "annual") -> Record | None:
        """{period, previous_period} of the market's latest period of a kind, with the
        texts a page shows for them (`period_text`, `previous_text`), or None."""
        if (market, kind) not in self._periods:
            rows: list[Record] = []
            if self.tables.has(SHARES):
                rows = self.tables.records(
                    f"select period, previous_period from {SHARES} "
                    "where market_iso3 = ? and period_kind = ? order by period desc limit 1",
                    [market, kind],
                )
            self._periods[market, kind] = rows[0] if rows else None
        period = self._periods[market, kind]
        if not period:
            return None
        return {
            **period,
            "kind": kind,
            "period_text": self.period_text(kind, period["period"]),
            "previous_text": self.period_text(kind, period["previous_period"]),
        }

    def kinds(self, market: str) -> list[str]:
        """The period kinds the market has rows of, the monthly ones first."""
        if not self.tables.has(SHARES):
            return []
        found = {
            r[0]
            for r in self.tables.rows(
                f"select distinct period_kind from {SHARES} where market_iso3 = ?", [market]
            )
        }
        return [kind for kind in PERIOD_KINDS if kind in found]

    def period_text(self, kind: str, period: str | None) -> str:
        """A period as a page names it: '2024'; '12 mois jusqu'à octobre 2026'; 'janvier–
        octobre 2026'; 'octobre 2026'."""
        if not period:
            return "—"
        if kind == "annual":
            return str(period)
        month = self.fmt.month(period)
        if kind == "rolling12":
            return self.t["period_rolling12"].format(month=month)
        if kind == "ytd" and not str(period).endswith("-01"):
            return self.t["period_ytd"].format(first=month_name(1, self.lang), month=month)
        return month

    def share_origins(
        self, market: str, kind: str, period: str | None, level: str | None = None
    ) -> list[Origin]:
        """Where the market's share rows of a period (and level) come from."""
        if period is None:
            return []
        where = "market_iso3 = ? and period_kind = ? and period = ?"
        params: list[Any] = [market, kind, period]
        if level is not None:
            where += " and level = ?"
            params.append(level)
        return self.provenance.rows(SHARES, where, params)

    def annual_origins(self, market: str, level: str | None = "hs6") -> list[Origin]:
        """Where the market's latest annual rows (at a level) come from: what the
        competitors, unit values, mirror and scope sections are computed over."""
        period = self.latest_period(market)
        return self.share_origins(market, "annual", period["period"] if period else None, level)

    def recency(self, markets: Iterable[str] | None = None) -> str:
        """« Données jusqu'à octobre 2026 (Eurostat Comext) ; 2024 (CEPII BACI). » for the
        markets' rows ('' when the rows do not say)."""
        selected = list(self.priority if markets is None else markets)
        return self.provenance.recency(
            self.provenance.rows(
                SHARES, "market_iso3 in (select unnest(?::varchar[]))", [selected]
            )
        )

    def market_totals(self, market: str, kind: str = "annual") -> Record | None:
        """The home country's share of the market's imports of the products it supplies
        (the latest period of a kind; HS6, or CN8 for monthly rows declared only at that
        level) and its change."""
        period = self.latest_period(market, kind)
        if period is None:
            return None
        levels = [
            r[0]
            for r in self.tables.rows(
                f"select distinct level from {SHARES} "
                "where market_iso3 = ? and period_kind = ? and period = ?",
                [market, kind, period["period"]],
            )
        ]
        level = next((lv for lv in ("hs6", "cn8") if lv in levels), None)
        if level is None:
            return None
        row = self.tables.records(
            f"""
            select sum(market_imports_usd) as imports_usd,
                   sum(market_imports_prev_usd) as imports_prev_usd,
                   sum(home_exports_usd) as home_usd, sum(home_exports_prev_usd) as home_prev_usd,
                   count(*) filter (where home_exports_usd > 0) as products
            from {SHARES}
            where market_iso3 = ? and level = ? and period_kind = ? and period = ?
            """,
            [market, level, kind, period["period"]],
        )[0]
        row.update(period)
        row["level"] = level
        row["share"] = _ratio(row["home_usd"], row["imports_usd"])
        row["share_prev"] = _ratio(row["home_prev_usd"], row["imports_prev_usd"])
        row["change_pts"] = (
            100 * (row["share"] - row["share_prev"])
            if row["share"] is not None and row["share_prev"] is not None
            else None
        )
        row["origins"] = self.share_origins(market, kind, period["period"], level)
        return row

    # --- regulation ----------------------------------------------------------------------

    def notifications(self, market: str) -> list[Record]:
        """ePing notifications applying to the market, one row per notification (its HS
        codes together), in the watch team's priority order."""
        table = catalogue.NOTIFICATIONS
        if not self.tables.has(table.source):
            return []
        columns = [
            "notification_id",
            "symbol",
            "area",
            "title",
            "link",
            "distribution_date",
            "comment_deadline",
            "days_left",
            "is_open",
            "hs_code",
            "home_exports_usd",
            "home_share_of_market_exports",
            "is_top_product",
            "priority_rank",
        ]
        rows = self.tables.records(
            f"select {self.tables.select(table.source, columns)} from {table.source} "
            f"where source = 'eping' and market_iso3 = ?{table.order_by()}",
            [market],
        )
        grouped: dict[Any, Record] = {}
        for r in rows:
            key = r["notification_id"] if r["notification_id"] is not None else r["symbol"]
            n = grouped.get(key)
            if n is None:
                n = grouped[key] = {
                    **r,
                    "hs_codes": [],
                    "code_values": {},
                    "is_top_product": False,
                    "href": safe_link(r["link"]),
                }
            if r["hs_code"]:
                n["hs_codes"].append(r["hs_code"])
                n["code_values"][r["hs_code"]] = (
                    r["home_exports_usd"] or 0.0,
                    r["home_share_of_market_exports"] or 0.0,
                )
            n["is_top_product"] = n["is_top_product"] or bool(r["is_top_product"])
            if r["priority_rank"] is not None and (
                n["priority_rank"] is None or r["priority_rank"] < n["priority_rank"]
            ):
                n["priority_rank"] = r["priority_rank"]
        notes = sorted(
            grouped.values(),
            key=lambda n: (n["priority_rank"] is None, n["priority_rank"] or 0, str(n["symbol"])),
        )
        deadline = self.deadline_days
        for n in notes:
            n["home_exports_usd"], n["home_share_of_market_exports"] = _under_codes(
                n["code_values"]
            )
            n["due_soon"] = bool(
                n["is_open"]
                and n["days_left"] is not None
                and (deadline is None or n["days_left"] <= deadline)
            )
        return notes

    # --- alerts --------------------------------------------------------------------------

    def alerts(self, where: str, params: list[Any]) -> list[Record]:
        table = catalogue.ALERTS
        if not self.tables.has(table.source):
            return []
        title = "title_fr" if self.lang == "fr" else "title_en"
        rows = self.tables.records(
            f"""
            select alert_id, rule, market_iso3, product_code, period, reference, severity,
                   {title} as title, evidence, status, raised_run, raised_at, cleared_run,
                   cleared_at
            from {table.source}
            where {where}
            {table.order_by()}
            """,
            params,
        )
        for r in rows:
            r["evidence_items"] = evidence_items(r["evidence"], self.fmt)
            r["market_name"] = self.country(r["market_iso3"])
            r["product"] = r["product_code"] or r["reference"]
        return rows

    def alert_origins(self, where: str, params: list[Any]) -> list[Origin]:
        """Where the alerts matching `where` (SQL on ops.alerts, written in code) come from:
        the market-share rows of their market and period for the trade rules, the latest
        ePing or RASFF batch for the others."""
        if not self.tables.has("ops.alerts"):
            return []
        rules = {
            r[0]
            for r in self.tables.rows(
                f"select distinct rule from ops.alerts where {where}", params
            )
        }
        origins: list[Origin] = []
        if rules & set(TRADE_RULES):
            origins += self.provenance.rows(
                SHARES,
                f"""exists (
                    select 1 from ops.alerts as a
                    where ({where}) and a.rule in (select unnest(?::varchar[]))
                      and a.market_iso3 = {SHARES}.market_iso3 and a.period = {SHARES}.period
                )""",
                [*params, list(TRADE_RULES)],
            )
        regulatory = sorted({RULE_SOURCES[rule] for rule in rules if rule in RULE_SOURCES})
        return origins + self.provenance.ledger(*regulatory)

    def open_alert_counts(self) -> dict[str, dict[str, int]]:
        """{market: {rule: open alerts}}."""
        if not self.tables.has("ops.alerts"):
            return {}
        counts: dict[str, dict[str, int]] = {}
        for r in self.tables.records(
            "select market_iso3, rule, count(*) as n from ops.alerts where status = 'open' "
            "group by all"
        ):
            counts.setdefault(r["market_iso3"] or "", {})[r["rule"]] = r["n"]
        return counts


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def _under_codes(code_values: dict[str, tuple[float, float]]) -> tuple[float, float]:
    """(value, share) of the home country's exports under a set of notified HS codes: the
    sum over the codes that are not under another one of the set (a notification naming
    0805 and 080510 puts the oranges at stake once)."""
    top = [c for c in code_values if not any(o != c and c.startswith(o) for o in code_values)]
    return (sum(code_values[c][0] for c in top), sum(code_values[c][1] for c in top))


def distinct_value(notifications: Iterable[Record]) -> float:
    """Home exports under notifications, each product counted once (several notifications
    often name the same product)."""
    code_values: dict[str, tuple[float, float]] = {}
    for n in notifications:
        code_values.update(n["code_values"])
    return _under_codes(code_values)[0]
