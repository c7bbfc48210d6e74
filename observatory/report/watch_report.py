"""Render the market watch: an index of the priority markets, one page per market and the
digest of what changed since the last published run, from the watch marts.

`render_watch_reports` writes, in one language, `watch.html` (the index), one
`market-<ISO3>.html` per priority market and `digest.html` (English: `watch.en.html`,
`market-<ISO3>.en.html`, `digest.en.html`), beside the nightly report's `index.html`. Like
the other reports it reads a DuckDB connection with select statements only, autoescapes
every value (feed items, notification titles and alert evidence are outside text), draws
inline SVG charts and inlines its stylesheet: the pages open from the file system with no
network and no JavaScript. Outside links (ePing, feed items) are kept only when they are
plain http(s) addresses.

It reads the run metadata of the nightly report, `ops.study_markets`, `ops.watch_parameters`,
`ops.alerts`, `core.feed_items` / `core.feed_markets` and the marts of `WATCH_TABLES`. A
table that is missing or empty turns its section into a "no data" sentence naming it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
from markupsafe import Markup

from observatory.errors import WarehouseError
from observatory.report.charts import bar_chart_svg, column_chart_svg
from observatory.report.i18n import (
    Formatter,
    check_language,
    code_label,
    format_decimal,
    format_signed,
    format_usd,
)
from observatory.report.render import (
    REPORT_FILES,
    environment,
    load_run_metadata,
    page_context,
    write_atomic,
)
from observatory.report.study_report import StudyTables

WATCH_REPORT_FILES = {"fr": "watch.html", "en": "watch.en.html"}
DIGEST_FILES = {"fr": "digest.html", "en": "digest.en.html"}
# Tables the watch pages read (footer row counts, in the order of the market page).
WATCH_TABLES = (
    "mart.watch_market_shares",
    "mart.watch_competitors",
    "mart.watch_demand",
    "mart.watch_unit_values",
    "mart.watch_tariff_margins",
    "mart.regulatory_exposure",
    "mart.rasff_intensity",
    "mart.watch_digest",
    "ops.alerts",
    "core.feed_items",
)
# The id of every chart a page draws when its data are there (the browser test checks them).
INDEX_CHARTS = ("chart-watch-shares",)
MARKET_CHARTS = ("chart-share-moves", "chart-competitors", "chart-demand")
LEVELS = ("hs6", "hs4", "sector")
ALERT_RULES = (
    "share_drop",
    "competitor_gain",
    "demand_contraction",
    "new_notification",
    "deadline",
    "rasff_spike",
)
DIGEST_SECTIONS = ("vintage", "notification", "alert_raised", "alert_cleared", "move")
MIRROR_FLAGS = ("consistent", "mirror_higher", "mirror_lower", "exporter_only", "mirror_only")
ISO3 = re.compile(r"[A-Z]{3}")
# A link is kept only as an absolute http(s) address without spaces or control characters:
# anything else (javascript:, data:, relative paths) is shown as text.
SAFE_LINK = re.compile(r"https?://[^\s\x00-\x1f\x7f<>\"'`]+", re.IGNORECASE)

MOVES_SHOWN = 20  # rows per level in the share-move tables (all sectors are shown)
MOVES_CHARTED = 15
GAINS_SHOWN = 25
DEMAND_PRODUCTS = 15
UNIT_VALUE_PRODUCTS = 12
TARIFF_ROWS = 60
NOTIFICATIONS_SHOWN = 50
SCOPE_ROWS = 25
RASFF_YEARS = 3
FEED_ITEMS = 20
SUMMARY_CHARS = 400
EVIDENCE_ITEMS = 16
EVIDENCE_ROWS = 8
DESCRIPTION_CHARS = 60
SMALL_CHART_WIDTH = 560  # drawn at the width of a small figure, so that its text stays legible

Record = dict[str, Any]


def market_file(iso3: str, lang: str) -> str:
    """The file name of a market page: `market-FRA.html`, `market-FRA.en.html`."""
    return f"market-{iso3}.html" if lang == "fr" else f"market-{iso3}.{lang}.html"


def safe_link(url: object) -> str | None:
    """`url` when it is an absolute http(s) address, else None (shown as text, not a link)."""
    if not isinstance(url, str) or not SAFE_LINK.fullmatch(url):
        return None
    return url


class WatchTables(StudyTables):
    """The study report's select-only, table-aware access, with the watch's error prefix."""

    def _rows(self, sql: str, params: list[Any] | None = None) -> tuple[list[str], list[Any]]:
        try:
            return super()._rows(sql, params)
        except WarehouseError as exc:
            detail = str(exc).split("published database: ", 1)[-1]
            raise WarehouseError(
                f"watch report: cannot read the published database: {detail}"
            ) from exc.__cause__

    def has_rows(self, table: str) -> bool:
        return self.has(table) and self.count(table) > 0


# --- evidence of an alert -------------------------------------------------------------------


def _evidence_value(key: str, value: Any, fmt: Formatter) -> str:
    """A value of an alert's evidence, formatted after the unit its key names (the
    warehouse's convention: `_usd`, `_pct`, `_pts`, shares as fractions)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int | float):
        name = key.lower()
        if not math.isfinite(value):
            return "—"
        if name.endswith("_usd"):
            return fmt.usd(value)
        if name.endswith("_pct"):
            return fmt.rate(value)
        if name.endswith("_pts"):
            return fmt.signed(value, 2)
        if "share" in name:  # shares are fractions
            return fmt.percent(value, 2)
        if isinstance(value, int) or float(value).is_integer():
            return str(int(value)) if name in ("year", "month") else fmt.integer(value)
        return fmt.decimal(value, 2)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_evidence_value(str(k), v, fmt)}" for k, v in value.items())
    if isinstance(value, list):
        shown = [_evidence_value(key, v, fmt) for v in value[:EVIDENCE_ROWS]]
        more = f" … (+{len(value) - EVIDENCE_ROWS})" if len(value) > EVIDENCE_ROWS else ""
        return (" | " if any(isinstance(v, dict) for v in value) else ", ").join(shown) + more
    return _shorten(str(value), SUMMARY_CHARS)


def evidence_items(text: str | None, fmt: Formatter) -> list[tuple[str, str]]:
    """The evidence of an alert (JSON text) as (key, readable value) pairs; text that is not
    a JSON object is shown as one item without a key."""
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return [("", _shorten(text, SUMMARY_CHARS))]
    if not isinstance(data, dict):
        return [("", _evidence_value("", data, fmt))]
    items = [(str(k), _evidence_value(str(k), v, fmt)) for k, v in data.items()]
    if len(items) > EVIDENCE_ITEMS:
        items = [*items[:EVIDENCE_ITEMS], ("…", f"+{len(items) - EVIDENCE_ITEMS}")]
    return items


def _shorten(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def _label(code: str | None, description: str | None) -> str:
    return f"{code or ''} {_shorten(description or '', DESCRIPTION_CHARS)}".strip()


class WatchReader:
    """Loads the sections of the watch pages (records: dicts keyed by column name) and the
    charts drawn from them, in one language."""

    def __init__(self, tables: WatchTables, home_iso3: str, messages: dict[str, str],
                 lang: str) -> None:
        self.tables = tables
        self.home = home_iso3
        self.t = messages
        self.lang = lang
        self.fmt = Formatter(lang)
        self.countries, self.eu_members = self._countries()
        self.sectors = self._sector_names()
        self.watch = self._watch_parameters()
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

    def _watch_parameters(self) -> Record:
        if not self.tables.has_rows("ops.watch_parameters"):
            return {}
        return self.tables.records("select * from ops.watch_parameters limit 1")[0]

    def _priority_markets(self) -> list[str]:
        """ops.study_markets' priority markets, else the markets of the watch marts."""
        priority: list[str] = []
        if self.tables.has("ops.study_markets"):
            priority = [
                r["iso3"]
                for r in self.tables.records(
                    "select distinct iso3 from ops.study_markets where role = 'priority' "
                    "order by iso3"
                )
            ]
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
        """{period, previous_period} of the market's latest period of a kind, or None."""
        if (market, kind) not in self._periods:
            rows: list[Record] = []
            if self.tables.has("mart.watch_market_shares"):
                rows = self.tables.records(
                    "select period, previous_period from mart.watch_market_shares "
                    "where market_iso3 = ? and period_kind = ? order by period desc limit 1",
                    [market, kind],
                )
            self._periods[market, kind] = rows[0] if rows else None
        period = self._periods[market, kind]
        return dict(period) if period else None

    def market_totals(self, market: str) -> Record | None:
        """The home country's share of the market's imports of the products it supplies
        (HS6, latest annual period) and its change."""
        period = self.latest_period(market)
        if period is None:
            return None
        row = self.tables.records(
            """
            select sum(market_imports_usd) as imports_usd,
                   sum(market_imports_prev_usd) as imports_prev_usd,
                   sum(home_exports_usd) as home_usd, sum(home_exports_prev_usd) as home_prev_usd,
                   count(*) filter (where home_exports_usd > 0) as products
            from mart.watch_market_shares
            where market_iso3 = ? and level = 'hs6' and period_kind = 'annual' and period = ?
            """,
            [market, period["period"]],
        )[0]
        row.update(period)
        row["share"] = _ratio(row["home_usd"], row["imports_usd"])
        row["share_prev"] = _ratio(row["home_prev_usd"], row["imports_prev_usd"])
        row["change_pts"] = (
            100 * (row["share"] - row["share_prev"])
            if row["share"] is not None and row["share_prev"] is not None
            else None
        )
        return row

    def share_moves(self, market: str, level: str, kind: str = "annual") -> Record:
        """{period, rows, total}: the largest share changes of a level, latest period."""
        period = self.latest_period(market, kind)
        if period is None:
            return {"period": None, "rows": [], "total": 0}
        limit = 1000 if level == "sector" else MOVES_SHOWN
        columns = [
            "code", "description", "market_imports_usd", "home_exports_usd",
            "home_exports_prev_usd", "home_share", "home_share_prev", "share_change_pts",
            "home_rank", "home_rank_prev", "suppliers", "mirror_flag",
        ]
        table = "mart.watch_market_shares"
        rows = self.tables.records(
            f"""
            select {self.tables.select(table, columns)}, count(*) over () as total
            from {table}
            where market_iso3 = ? and level = ? and period_kind = ? and period = ?
            order by abs(share_change_pts) desc nulls last, home_exports_usd desc nulls last,
                     code
            limit ?
            """,
            [market, level, kind, period["period"], limit],
        )
        for r in rows:
            r["description"] = self.describe(level, r["code"], r["description"])
        return {**period, "rows": rows, "total": rows[0]["total"] if rows else 0}

    def moves_chart(self, rows: list[Record], title: str) -> Markup | None:
        charted = [r for r in rows if r["share_change_pts"] is not None][:MOVES_CHARTED]
        if not charted:
            return None
        return bar_chart_svg(
            [(_label(r["code"], r["description"]), r["share_change_pts"]) for r in charted],
            title=title,
            value_format=partial(format_signed, lang=self.lang, decimals=2),
            tick_format=partial(format_decimal, lang=self.lang, decimals=2, trim=True),
            chart_id="chart-share-moves",
            css_class="bar-chart chart-share-moves",
        )

    def mirror_flags(self, market: str) -> list[Record]:
        period = self.latest_period(market)
        if period is None or "mirror_flag" not in self.tables.columns(
            "mart.watch_market_shares"
        ):
            return []
        rows = self.tables.records(
            """
            select mirror_flag as flag, count(*) as products,
                   sum(home_exports_usd) as home_exports_usd
            from mart.watch_market_shares
            where market_iso3 = ? and level = 'hs6' and period_kind = 'annual' and period = ?
            group by mirror_flag
            """,
            [market, period["period"]],
        )
        order = {flag: i for i, flag in enumerate(MIRROR_FLAGS)}
        return sorted(rows, key=lambda r: (order.get(r["flag"], len(order)), r["flag"] or "~"))

    # --- competitors ---------------------------------------------------------------------

    def supplier_shares(self, market: str) -> list[Record]:
        """Each watched supplier's share of the market's imports of the home country's
        products (HS6, latest annual period), its previous share and change."""
        period = self.latest_period(market)
        if period is None or not self.tables.has("mart.watch_competitors"):
            return []
        rows = self.tables.records(
            """
            with codes as (
                select code, market_imports_usd, market_imports_prev_usd
                from mart.watch_market_shares
                where market_iso3 = ? and level = 'hs6' and period_kind = 'annual'
                  and period = ?
            ),
            totals as (
                select sum(market_imports_usd) as imports_usd,
                       sum(market_imports_prev_usd) as imports_prev_usd
                from codes
            )
            select c.supplier_iso3, max(c.role) as role,
                   sum(c.exports_usd) as exports_usd, sum(c.exports_prev_usd) as exports_prev_usd,
                   sum(c.exports_usd) / nullif(any_value(t.imports_usd), 0) as share,
                   sum(c.exports_prev_usd) / nullif(any_value(t.imports_prev_usd), 0)
                       as share_prev,
                   count(*) filter (where c.gains_while_home_loses) as gains_products
            from mart.watch_competitors as c
            join codes using (code)
            cross join totals as t
            where c.market_iso3 = ? and c.level = 'hs6' and c.period_kind = 'annual'
              and c.period = ?
            group by c.supplier_iso3
            """,
            [market, period["period"], market, period["period"]],
        )
        for r in rows:
            r["name"] = self.country(r["supplier_iso3"])
            r["change_pts"] = (
                100 * ((r["share"] or 0.0) - (r["share_prev"] or 0.0))
                if r["share"] is not None or r["share_prev"] is not None
                else None
            )
        return sorted(
            rows,
            key=lambda r: (r["role"] != "home", -(r["share"] or 0.0), r["supplier_iso3"]),
        )

    def suppliers_chart(self, rows: list[Record], title: str) -> Markup | None:
        charted = [r for r in rows if r["change_pts"] is not None]
        if not charted:
            return None
        return bar_chart_svg(
            [(f"{r['name']} ({r['supplier_iso3']})", r["change_pts"]) for r in charted],
            title=title,
            value_format=partial(format_signed, lang=self.lang, decimals=2),
            tick_format=partial(format_decimal, lang=self.lang, decimals=2, trim=True),
            width=SMALL_CHART_WIDTH,
            chart_id="chart-competitors",
            css_class="bar-chart chart-competitors",
        )

    def gains(self, market: str) -> list[Record]:
        """Products where a competitor's share rose while the home country's fell."""
        period = self.latest_period(market)
        if period is None or not self.tables.has("mart.watch_competitors"):
            return []
        rows = self.tables.records(
            """
            select c.code, s.description, c.supplier_iso3, c.share, c.share_prev,
                   c.share_change_pts, c.exports_usd, s.home_share, s.share_change_pts
                       as home_change_pts
            from mart.watch_competitors as c
            join mart.watch_market_shares as s
              on s.market_iso3 = c.market_iso3 and s.level = c.level and s.code = c.code
             and s.period_kind = c.period_kind and s.period = c.period
            where c.market_iso3 = ? and c.level = 'hs6' and c.period_kind = 'annual'
              and c.period = ? and c.gains_while_home_loses
            order by c.share_change_pts desc nulls last, c.code, c.supplier_iso3
            limit ?
            """,
            [market, period["period"], GAINS_SHOWN],
        )
        for r in rows:
            r["name"] = self.country(r["supplier_iso3"])
        return rows

    # --- demand --------------------------------------------------------------------------

    def demand_years(self, market: str) -> list[Record]:
        """The market's imports by year of the HS6 codes of the latest year."""
        if not self.tables.has("mart.watch_demand"):
            return []
        return self.tables.records(
            """
            with codes as (
                select code from mart.watch_demand
                where market_iso3 = ? and level = 'hs6'
                qualify year = max(year) over ()
            )
            select year, sum(imports_usd) as imports_usd
            from mart.watch_demand
            where market_iso3 = ? and level = 'hs6' and code in (select code from codes)
            group by year
            order by year
            """,
            [market, market],
        )

    def demand_chart(self, years: list[Record], title: str) -> Markup | None:
        charted = [
            (str(r["year"]), r["imports_usd"]) for r in years if r["imports_usd"] is not None
        ]
        if not charted:
            return None
        usd = partial(format_usd, lang=self.lang)
        return column_chart_svg(
            charted,
            title=title,
            value_format=usd,
            tick_format=usd,
            chart_id="chart-demand",
            css_class="column-chart chart-demand",
        )

    def demand_rows(self, market: str, level: str) -> list[Record]:
        if not self.tables.has("mart.watch_demand"):
            return []
        rows = self.tables.records(
            """
            select code, year, imports_usd, imports_prev_usd, growth_pct, trend_cagr_pct
            from mart.watch_demand
            where market_iso3 = ? and level = ?
            qualify year = max(year) over ()
            order by imports_usd desc nulls last, code
            limit ?
            """,
            [market, level, 1000 if level == "sector" else DEMAND_PRODUCTS],
        )
        names = self._descriptions(market, level, [r["code"] for r in rows])
        for r in rows:
            r["description"] = self.describe(level, r["code"], names.get(r["code"]))
        return rows

    def _descriptions(self, market: str, level: str, codes: list[str]) -> dict[str, str]:
        if not codes or "description" not in self.tables.columns("mart.watch_market_shares"):
            return {}
        rows = self.tables.records(
            "select distinct code, description from mart.watch_market_shares "
            "where market_iso3 = ? and level = ? and code in (select unnest(?::varchar[]))",
            [market, level, codes],
        )
        return {r["code"]: r["description"] for r in rows if r["description"]}

    # --- prices and tariffs --------------------------------------------------------------

    def unit_values(self, market: str) -> list[Record]:
        """[{hs6, description, year, rows: [home, competitors…, market]}] for the home
        country's largest products with known quantities."""
        if not self.tables.has("mart.watch_unit_values"):
            return []
        rows = self.tables.records(
            """
            with ranked as (
                select hs6, max(value_usd) filter (where role = 'home') as home_usd
                from mart.watch_unit_values where market_iso3 = ? group by hs6
                order by home_usd desc nulls last, hs6 limit ?
            )
            select u.hs6, u.year, u.supplier_iso3, u.role, u.value_usd, u.quantity_t,
                   u.unit_value_usd_per_t, u.relative_to_home, u.relative_to_market,
                   r.home_usd
            from mart.watch_unit_values as u join ranked as r using (hs6)
            where u.market_iso3 = ?
            order by r.home_usd desc nulls last, u.hs6,
                     case u.role when 'home' then 0 when 'competitor' then 1 else 2 end,
                     u.unit_value_usd_per_t, u.supplier_iso3
            """,
            [market, UNIT_VALUE_PRODUCTS, market],
        )
        names = self._descriptions(market, "hs6", sorted({r["hs6"] for r in rows}))
        products: dict[str, Record] = {}
        for r in rows:
            product = products.setdefault(
                r["hs6"],
                {"hs6": r["hs6"], "description": names.get(r["hs6"]), "year": r["year"],
                 "rows": []},
            )
            r["name"] = (
                self.t["role_market"] if r["role"] == "market" else self.country(r["supplier_iso3"])
            )
            product["rows"].append(r)
        return list(products.values())

    def tariff_margins(self, market: str) -> list[Record]:
        if not self.tables.has("mart.watch_tariff_margins"):
            return []
        rows = self.tables.records(
            """
            select hs6, tariff_year, mfn_pct, home_tariff_pct, competitor_iso3,
                   competitor_tariff_pct, margin_pts
            from mart.watch_tariff_margins
            where market_iso3 = ?
            order by hs6, margin_pts nulls last, competitor_iso3
            limit ?
            """,
            [market, TARIFF_ROWS],
        )
        for r in rows:
            r["name"] = self.country(r["competitor_iso3"])
        return rows

    # --- regulation ----------------------------------------------------------------------

    def notifications(self, market: str) -> list[Record]:
        """ePing notifications applying to the market, one row per notification (its HS
        codes together), in the watch team's priority order."""
        table = "mart.regulatory_exposure"
        if not self.tables.has(table):
            return []
        columns = [
            "notification_id", "symbol", "area", "title", "link", "distribution_date",
            "comment_deadline", "days_left", "is_open", "hs_code", "home_exports_usd",
            "home_share_of_market_exports", "is_top_product", "priority_rank",
        ]
        rows = self.tables.records(
            f"select {self.tables.select(table, columns)} from {table} "
            "where source = 'eping' and market_iso3 = ? "
            "order by priority_rank nulls last, notification_id, hs_code",
            [market],
        )
        grouped: dict[Any, Record] = {}
        for r in rows:
            key = r["notification_id"] if r["notification_id"] is not None else r["symbol"]
            n = grouped.get(key)
            if n is None:
                n = grouped[key] = {**r, "hs_codes": [], "code_values": {},
                                    "is_top_product": False, "href": safe_link(r["link"])}
            if r["hs_code"]:
                n["hs_codes"].append(r["hs_code"])
                n["code_values"][r["hs_code"]] = (
                    r["home_exports_usd"] or 0.0, r["home_share_of_market_exports"] or 0.0
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
                n["is_open"] and n["days_left"] is not None
                and (deadline is None or n["days_left"] <= deadline)
            )
        return notes

    def scopes(self, market: str) -> list[Record]:
        """CBAM/EUDR scopes (EU markets) with the home country's exports under them."""
        table = "mart.regulatory_exposure"
        if not self.tables.has(table):
            return []
        return self.tables.records(
            """
            select source, area, hs_code, home_exports_usd, home_share_of_market_exports,
                   count(*) over (partition by source) as codes
            from mart.regulatory_exposure
            where source in ('cbam', 'eudr') and market_iso3 = ? and home_exports_usd > 0
            qualify row_number() over (
                partition by source order by home_exports_usd desc, hs_code) <= ?
            order by source, home_exports_usd desc, hs_code
            """,
            [market, SCOPE_ROWS],
        )

    def rasff(self) -> list[Record]:
        """RASFF notifications per $100M exported to the EU, home and competitors, over the
        last RASFF_YEARS years of the mart."""
        if not self.tables.has("mart.rasff_intensity"):
            return []
        rows = self.tables.records(
            """
            select origin_iso3, product_group, year, notifications, exports_year,
                   exports_to_eu_usd, per_100m_usd, prev_years_avg
            from mart.rasff_intensity
            qualify year > max(year) over () - ?
            order by product_group, year desc, origin_iso3 = ? desc, per_100m_usd desc nulls last,
                     origin_iso3
            """,
            [RASFF_YEARS, self.home],
        )
        for r in rows:
            r["name"] = self.country(r["origin_iso3"])
            r["is_home"] = r["origin_iso3"] == self.home
        return rows

    # --- alerts, feeds, digest -----------------------------------------------------------

    def alerts(self, where: str, params: list[Any]) -> list[Record]:
        if not self.tables.has("ops.alerts"):
            return []
        title = "title_fr" if self.lang == "fr" else "title_en"
        rows = self.tables.records(
            f"""
            select alert_id, rule, market_iso3, product_code, period, reference, severity,
                   {title} as title, evidence, status, raised_run, raised_at, cleared_run,
                   cleared_at
            from ops.alerts
            where {where}
            order by list_position(?::varchar[], rule) nulls last, severity desc nulls last,
                     market_iso3, product_code, alert_id
            """,
            [*params, list(ALERT_RULES)],
        )
        for r in rows:
            r["evidence_items"] = evidence_items(r["evidence"], self.fmt)
            r["market_name"] = self.country(r["market_iso3"])
        return rows

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

    def feed_items(self, market: str) -> list[Record]:
        if not (self.tables.has("core.feed_items") and self.tables.has("core.feed_markets")):
            return []
        rows = self.tables.records(
            """
            select i.feed, i.item_id, i.title, i.summary, i.link, i.published_at
            from core.feed_items as i
            where i.feed in (select feed from core.feed_markets where market_iso3 = ?)
            order by i.published_at desc nulls last, i.feed, i.item_id
            limit ?
            """,
            [market, FEED_ITEMS],
        )
        for r in rows:
            r["href"] = safe_link(r["link"])
            r["summary"] = _shorten(r["summary"] or "", SUMMARY_CHARS)
        return rows

    def digest(self) -> Record:
        """{run_id, previous_run_id, found: {section: rows}, other: [(section, rows)]} of
        mart.watch_digest (`other`: sections this report does not know)."""
        table = "mart.watch_digest"
        result: Record = {"run_id": self.run_id, "previous_run_id": None, "found": {},
                          "other": []}
        if not self.tables.has(table):
            return result
        title = "title_fr" if self.lang == "fr" else "title_en"
        rows = self.tables.records(
            f"""
            select run_id, previous_run_id, section, rank, market_iso3, code, {title} as title,
                   value, detail
            from {table}
            order by list_position(?::varchar[], section) nulls last, section,
                     rank nulls last, market_iso3, code
            """,
            [list(DIGEST_SECTIONS)],
        )
        if rows:
            result["run_id"] = rows[0]["run_id"] or result["run_id"]
            result["previous_run_id"] = rows[0]["previous_run_id"]
        sections: dict[str, list[Record]] = {}
        for r in rows:
            r["market_name"] = self.country(r["market_iso3"]) if r["market_iso3"] else None
            sections.setdefault(r["section"], []).append(r)
        result["found"] = sections
        result["other"] = [(s, rs) for s, rs in sections.items() if s not in DIGEST_SECTIONS]
        return result

    # --- the index -----------------------------------------------------------------------

    def market_cards(self) -> list[Record]:
        counts = self.open_alert_counts()
        cards = []
        for market in self.priority:
            notes = self.notifications(market)
            due = [n for n in notes if n["due_soon"]]
            open_notes = [n for n in notes if n["is_open"]]
            cards.append(
                {
                    "iso3": market,
                    "name": self.country(market),
                    "totals": self.market_totals(market),
                    "alerts": counts.get(market, {}),
                    "alerts_total": sum(counts.get(market, {}).values()),
                    "open_notifications": len(open_notes),
                    "due_soon": len(due),
                    "value_at_stake_usd": _distinct_value(open_notes),
                    "is_eu": market in self.eu_members,
                }
            )
        return cards

    def index_chart(self, cards: list[Record], title: str) -> Markup | None:
        charted = [
            (f"{c['name']} ({c['iso3']})", c["totals"]["change_pts"])
            for c in cards
            if c["totals"] and c["totals"]["change_pts"] is not None
        ]
        if not charted:
            return None
        return bar_chart_svg(
            charted,
            title=title,
            value_format=partial(format_signed, lang=self.lang, decimals=2),
            tick_format=partial(format_decimal, lang=self.lang, decimals=2, trim=True),
            width=SMALL_CHART_WIDTH,
            chart_id="chart-watch-shares",
            css_class="bar-chart chart-watch-shares",
        )


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def _under_codes(code_values: dict[str, tuple[float, float]]) -> tuple[float, float]:
    """(value, share) of the home country's exports under a set of notified HS codes: the
    sum over the codes that are not under another one of the set (a notification naming
    0805 and 080510 puts the oranges at stake once)."""
    top = [c for c in code_values if not any(o != c and c.startswith(o) for o in code_values)]
    return (sum(code_values[c][0] for c in top), sum(code_values[c][1] for c in top))


def _distinct_value(notifications: Iterable[Record]) -> float:
    """Home exports under notifications, each product counted once (several notifications
    often name the same product)."""
    code_values: dict[str, tuple[float, float]] = {}
    for n in notifications:
        code_values.update(n["code_values"])
    return _under_codes(code_values)[0]


def render_watch_reports(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    lang: str = "fr",
    *,
    markets: Iterable[str] | None = None,
    generated_at: datetime | None = None,
) -> list[Path]:
    """Write the watch pages in `lang` into `out_dir`: the index (`watch.html`), one page per
    priority market (`market-<ISO3>.html`; only `markets` when given) and the digest
    (`digest.html`); English pages end in `.en.html`. Returns the paths written, index first.

    Raises ValueError for an unknown language or a market that is not a priority market,
    WarehouseError when the database lacks the run metadata or cannot be read.
    """
    check_language(lang)
    generated_at = generated_at or datetime.now(UTC)
    out_dir = Path(out_dir)
    tables = WatchTables(con)
    meta = load_run_metadata(
        con,
        lang=lang,
        generated_at=generated_at,
        tables=[table for table in WATCH_TABLES if tables.has(table)],
    )
    base = page_context(lang, meta)
    t: dict[str, str] = base["t"]
    reader = WatchReader(tables, meta.parameters.home_iso3, t, lang)
    selected = _selected_markets(reader.priority, markets)

    base.update(
        home_name=reader.country(meta.parameters.home_iso3),
        watch=reader.watch,
        watch_run_id=reader.run_id or meta.parameters.run_id,
        index_file=REPORT_FILES[lang],
        watch_file=WATCH_REPORT_FILES[lang],
        digest_file=DIGEST_FILES[lang],
        code_label=partial(code_label, messages=t),
        country=reader.country,
        has=tables.has,
        alert_rules=ALERT_RULES,
    )
    pages: list[tuple[str, str, dict[str, Any]]] = []
    # The index links to the pages written now and to those an earlier call left there.
    linked = {
        m for m in reader.priority
        if m in selected or (out_dir / market_file(m, lang)).exists()
    }
    cards = reader.market_cards()
    chart_title = t["watch_chart_title"]
    pages.append(
        (
            "watch_index.html.j2",
            WATCH_REPORT_FILES[lang],
            {
                "cards": cards,
                "market_links": {m: market_file(m, lang) for m in linked},
                "chart": reader.index_chart(cards, chart_title),
                "chart_title": chart_title,
            },
        )
    )
    for market in selected:
        pages.append(
            ("watch_market.html.j2", market_file(market, lang), _market_context(reader, market))
        )
    pages.append(("watch_digest.html.j2", DIGEST_FILES[lang], _digest_context(reader)))

    paths = []
    for template, name, context in pages:
        html = environment().get_template(template).render({**base, **context})
        path = out_dir / name
        write_atomic(path, html)
        paths.append(path)
    return paths


def _selected_markets(priority: list[str], markets: Iterable[str] | None) -> list[str]:
    if markets is None:
        return list(priority)
    if isinstance(markets, str):
        markets = [markets]
    selected: list[str] = []
    for code in markets:
        iso3 = str(code).strip().upper()
        if not ISO3.fullmatch(iso3):
            raise ValueError(f"watch report: {code!r} is not an ISO3 country code")
        if iso3 not in priority:
            known = ", ".join(priority) or "none"
            raise ValueError(
                f"watch report: {iso3} is not a priority market (priority markets: {known})"
            )
        if iso3 not in selected:
            selected.append(iso3)
    return selected


def _market_context(reader: WatchReader, market: str) -> dict[str, Any]:
    t, name = reader.t, reader.country(market)
    moves = {level: reader.share_moves(market, level) for level in LEVELS}
    hs6 = moves["hs6"]
    period = hs6["period"]
    moves_title = t["moves_chart_title"].format(
        n=min(MOVES_CHARTED, len(hs6["rows"])), market=name,
        previous=hs6.get("previous_period"), period=period,
    )
    suppliers = reader.supplier_shares(market)
    suppliers_title = t["suppliers_chart_title"].format(
        market=name, previous=hs6.get("previous_period"), period=period
    )
    demand_years = reader.demand_years(market)
    demand_title = t["demand_chart_title"].format(market=name)
    notes = reader.notifications(market)
    is_eu = market in reader.eu_members
    totals = reader.market_totals(market)
    alerts = reader.alerts("status = 'open' and market_iso3 = ?", [market])
    return {
        "market": market,
        "market_name": name,
        "is_eu": is_eu,
        "totals": totals,
        "moves": moves,
        "rolling": reader.share_moves(market, "hs6", "rolling12"),
        "moves_chart": reader.moves_chart(hs6["rows"], moves_title),
        "moves_title": moves_title,
        "suppliers": suppliers,
        "suppliers_chart": reader.suppliers_chart(suppliers, suppliers_title),
        "suppliers_title": suppliers_title,
        "gains": reader.gains(market),
        "demand_years": demand_years,
        "demand_chart": reader.demand_chart(demand_years, demand_title),
        "demand_title": demand_title,
        "demand_sectors": reader.demand_rows(market, "sector"),
        "demand_products": reader.demand_rows(market, "hs6"),
        "unit_values": reader.unit_values(market),
        "tariffs": reader.tariff_margins(market),
        "mirror": reader.mirror_flags(market),
        "notifications": notes[:NOTIFICATIONS_SHOWN],
        "notifications_total": len(notes),
        "due_soon": sum(1 for n in notes if n["due_soon"]),
        "value_at_stake_usd": _distinct_value(n for n in notes if n["is_open"]),
        "scopes": reader.scopes(market) if is_eu else [],
        "rasff": reader.rasff() if is_eu else [],
        "alerts": alerts,
        "alert_counts": _count_by(alerts, "rule"),
        "feed": reader.feed_items(market),
        "deadline_days": reader.deadline_days,
    }


def _digest_context(reader: WatchReader) -> dict[str, Any]:
    digest = reader.digest()
    run_id = digest["run_id"]
    raised = reader.alerts("raised_run = ?", [run_id]) if run_id else []
    cleared = reader.alerts("cleared_run = ?", [run_id]) if run_id else []
    return {
        "digest": digest,
        "digest_sections": DIGEST_SECTIONS,
        "raised": raised,
        "cleared": cleared,
        "digest_value": partial(_digest_value, fmt=reader.fmt),
        "market_links": {m: market_file(m, reader.lang) for m in reader.priority},
    }


def _digest_value(section: str, value: float | None, fmt: Formatter) -> str:
    """The digest's `value` column in its section's unit: rows of a new vintage, the value
    at stake of a notification (USD), an alert's severity, a move in share points."""
    formats: dict[str, Callable[[float | None], str]] = {
        "vintage": fmt.integer,
        "notification": fmt.usd,
        "move": partial(fmt.signed, decimals=2),
    }
    return formats.get(section, partial(fmt.decimal, decimals=2))(value)


def _count_by(rows: list[Record], key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[key]] = counts.get(r[key], 0) + 1
    return counts
