"""The trade sections of a market's page: the home country's share moves, its competitors,
the market's demand, unit values and tariff margins, and the quality of mirror data, each
read from its watch mart and sorted after its declaration in the catalogue."""

from __future__ import annotations

from functools import partial

from markupsafe import Markup

from observatory.report import catalogue
from observatory.report.charts import bar_chart_svg, column_chart_svg
from observatory.report.evidence import shorten
from observatory.report.formatting import format_decimal, format_signed, format_usd
from observatory.report.published import Record
from observatory.report.watch_reader import WatchReader

MOVES_SHOWN = 20  # rows per level in the share-move tables (all sectors are shown)
MOVES_CHARTED = 15
GAINS_SHOWN = 25
DEMAND_PRODUCTS = 15
UNIT_VALUE_PRODUCTS = 12
TARIFF_ROWS = 60
DESCRIPTION_CHARS = 60
SMALL_CHART_WIDTH = 560  # drawn at the width of a small figure, so that its text stays legible


def _label(code: str | None, description: str | None) -> str:
    return f"{code or ''} {shorten(description or '', DESCRIPTION_CHARS)}".strip()


# --- market shares ----------------------------------------------------------------------------


def share_moves(reader: WatchReader, market: str, level: str, kind: str = "annual") -> Record:
    """{period, previous_period, their texts, rows, total, incomplete, sources}: the largest
    share changes of a level in the latest period of a kind. `incomplete`: some rows' partner
    rows do not cover the market total (a share of the World total, no rank); `sources`: the
    line naming where the rows come from."""
    period = reader.latest_period(market, kind)
    empty = {"level": level, "kind": kind, "rows": [], "total": 0, "incomplete": False,
             "sources": ""}
    if period is None:
        return {"period": None, "previous_period": None, **empty}
    limit = 1000 if level == "sector" else MOVES_SHOWN
    table = catalogue.SHARE_MOVES
    columns = [*table.fields, "home_exports_prev_usd", "home_rank_prev", "partners_complete"]
    rows = reader.tables.records(
        f"""
        select {reader.tables.select(table.source, columns)}, count(*) over () as total
        from {table.source}
        where market_iso3 = ? and level = ? and period_kind = ? and period = ?
        {table.order_by()}
        limit ?
        """,
        [market, level, kind, period["period"], limit],
    )
    for r in rows:
        r["description"] = reader.describe(level, r["code"], r["description"])
        # A share of the market's World total: no rank among partners that do not cover it.
        r["ranked"] = r["partners_complete"] is not False
    sources = reader.provenance.line(reader.share_origins(market, kind, period["period"], level))
    return {
        **period,
        **empty,
        "rows": rows,
        "total": rows[0]["total"] if rows else 0,
        "incomplete": any(not r["ranked"] for r in rows),
        "sources": sources,
    }


def moves_chart(rows: list[Record], title: str, lang: str) -> Markup | None:
    charted = [r for r in rows if r["share_change_pts"] is not None][:MOVES_CHARTED]
    if not charted:
        return None
    return bar_chart_svg(
        [(_label(r["code"], r["description"]), r["share_change_pts"]) for r in charted],
        title=title,
        value_format=partial(format_signed, lang=lang, decimals=2),
        tick_format=partial(format_decimal, lang=lang, decimals=2, trim=True),
        chart_id="chart-share-moves",
        css_class="bar-chart chart-share-moves",
    )


def mirror_flags(reader: WatchReader, market: str) -> list[Record]:
    period = reader.latest_period(market)
    table = catalogue.MIRROR
    if period is None or "mirror_flag" not in reader.tables.columns(table.source):
        return []
    rows = reader.tables.records(
        f"""
        select mirror_flag as flag, count(*) as products,
               sum(home_exports_usd) as home_exports_usd
        from {table.source}
        where market_iso3 = ? and level = 'hs6' and period_kind = 'annual' and period = ?
        group by mirror_flag
        """,
        [market, period["period"]],
    )
    order = {flag: i for i, flag in enumerate(catalogue.MIRROR_FLAGS)}
    return sorted(rows, key=lambda r: (order.get(r["flag"], len(order)), r["flag"] or "~"))


# --- competitors ------------------------------------------------------------------------------


def supplier_shares(reader: WatchReader, market: str) -> list[Record]:
    """Each watched supplier's share of the market's imports of the home country's
    products (HS6, latest annual period), its previous share and change."""
    period = reader.latest_period(market)
    if period is None or not reader.tables.has(catalogue.SUPPLIERS.source):
        return []
    rows = reader.tables.records(
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
        r["name"] = reader.country(r["supplier_iso3"])
        r["change_pts"] = (
            100 * ((r["share"] or 0.0) - (r["share_prev"] or 0.0))
            if r["share"] is not None or r["share_prev"] is not None
            else None
        )
    # The home country first, then its competitors by decreasing share.
    return sorted(
        rows,
        key=lambda r: (r["role"] != "home", -(r["share"] or 0.0), r["supplier_iso3"]),
    )


def suppliers_chart(rows: list[Record], title: str, lang: str) -> Markup | None:
    charted = [r for r in rows if r["change_pts"] is not None]
    if not charted:
        return None
    return bar_chart_svg(
        [(f"{r['name']} ({r['supplier_iso3']})", r["change_pts"]) for r in charted],
        title=title,
        value_format=partial(format_signed, lang=lang, decimals=2),
        tick_format=partial(format_decimal, lang=lang, decimals=2, trim=True),
        width=SMALL_CHART_WIDTH,
        chart_id="chart-competitors",
        css_class="bar-chart chart-competitors",
    )


def gains(reader: WatchReader, market: str) -> list[Record]:
    """Products where a competitor's share rose while the home country's fell."""
    period = reader.latest_period(market)
    table = catalogue.GAINS
    if period is None or not reader.tables.has(table.source):
        return []
    rows = reader.tables.records(
        f"""
        select c.code, s.description, c.supplier_iso3, c.share, c.share_prev,
               c.share_change_pts, c.exports_usd, s.home_share, s.share_change_pts
                   as home_change_pts
        from {table.source} as c
        join mart.watch_market_shares as s
          on s.market_iso3 = c.market_iso3 and s.level = c.level and s.code = c.code
         and s.period_kind = c.period_kind and s.period = c.period
        where c.market_iso3 = ? and c.level = 'hs6' and c.period_kind = 'annual'
          and c.period = ? and c.gains_while_home_loses
        {table.order_by()}
        limit ?
        """,
        [market, period["period"], GAINS_SHOWN],
    )
    for r in rows:
        r["name"] = reader.country(r["supplier_iso3"])
    return rows


# --- demand -----------------------------------------------------------------------------------


def demand_years(reader: WatchReader, market: str) -> list[Record]:
    """The market's imports by year of the HS6 codes of the latest year."""
    if not reader.tables.has("mart.watch_demand"):
        return []
    return reader.tables.records(
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


def demand_chart(years: list[Record], title: str, lang: str) -> Markup | None:
    charted = [(str(r["year"]), r["imports_usd"]) for r in years if r["imports_usd"] is not None]
    if not charted:
        return None
    usd = partial(format_usd, lang=lang)
    return column_chart_svg(
        charted,
        title=title,
        value_format=usd,
        tick_format=usd,
        chart_id="chart-demand",
        css_class="column-chart chart-demand",
    )


def demand_rows(reader: WatchReader, market: str, level: str) -> list[Record]:
    table = catalogue.DEMAND
    if not reader.tables.has(table.source):
        return []
    fields = [c.field for c in table.columns if not c.derived]
    rows = reader.tables.records(
        f"""
        select {", ".join(fields)}, year
        from {table.source}
        where market_iso3 = ? and level = ?
        qualify year = max(year) over ()
        {table.order_by()}
        limit ?
        """,
        [market, level, 1000 if level == "sector" else DEMAND_PRODUCTS],
    )
    names = _descriptions(reader, market, level, [r["code"] for r in rows])
    for r in rows:
        r["description"] = reader.describe(level, r["code"], names.get(r["code"]))
    return rows


def _descriptions(reader: WatchReader, market: str, level: str, codes: list[str]) -> dict[str, str]:
    if not codes or "description" not in reader.tables.columns("mart.watch_market_shares"):
        return {}
    rows = reader.tables.records(
        "select distinct code, description from mart.watch_market_shares "
        "where market_iso3 = ? and level = ? and code in (select unnest(?::varchar[]))",
        [market, level, codes],
    )
    return {r["code"]: r["description"] for r in rows if r["description"]}


# --- prices and tariffs -----------------------------------------------------------------------


def unit_values(reader: WatchReader, market: str) -> list[Record]:
    """[{hs6, description, year, rows: [home, competitors…, market]}] for the home
    country's largest products with known quantities; the first row of each product says
    how many rows its header cell spans (`group_rows`)."""
    table = catalogue.UNIT_VALUES
    if not reader.tables.has(table.source):
        return []
    rows = reader.tables.records(
        f"""
        with ranked as (
            select hs6, max(value_usd) filter (where role = 'home') as home_usd
            from {table.source} where market_iso3 = ? group by hs6
            order by home_usd desc nulls last, hs6 limit ?
        )
        select u.hs6, u.year, u.supplier_iso3, u.role, u.value_usd, u.quantity_t,
               u.unit_value_usd_per_t, u.relative_to_home, u.relative_to_market,
               r.home_usd
        from {table.source} as u join ranked as r using (hs6)
        where u.market_iso3 = ?
        {table.order_by()}
        """,
        [market, UNIT_VALUE_PRODUCTS, market],
    )
    names = _descriptions(reader, market, "hs6", sorted({r["hs6"] for r in rows}))
    products: dict[str, Record] = {}
    for r in rows:
        product = products.setdefault(
            r["hs6"],
            {"hs6": r["hs6"], "description": names.get(r["hs6"]), "year": r["year"], "rows": []},
        )
        r["name"] = (
            reader.t["role_market"] if r["role"] == "market" else reader.country(r["supplier_iso3"])
        )
        product["rows"].append(r)
    for product in products.values():
        for index, r in enumerate(product["rows"]):
            r["group_rows"] = len(product["rows"]) if index == 0 else 0
            r["product_description"] = product["description"]
    return list(products.values())


def tariff_margins(reader: WatchReader, market: str) -> list[Record]:
    table = catalogue.TARIFF_MARGINS
    if not reader.tables.has(table.source):
        return []
    rows = reader.tables.records(
        f"""
        select {", ".join(c.field for c in table.columns if not c.derived)}, competitor_iso3
        from {table.source}
        where market_iso3 = ?
        {table.order_by()}
        limit ?
        """,
        [market, TARIFF_ROWS],
    )
    for r in rows:
        r["name"] = reader.country(r["competitor_iso3"])
    return rows
