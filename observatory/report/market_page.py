"""One page per priority market (`market-<ISO3>.html`): how recent its data are per source,
its trade sections (`market_trade`: the monthly periods first when the market has them, then
the years), then its regulation (ePing notifications, CBAM/EUDR scopes and RASFF for EU
markets), its open alerts and the items of the feeds that follow it. Every table and chart
states the sources of its rows (`lines`)."""

from __future__ import annotations

from typing import Any

from observatory.report import catalogue, market_trade
from observatory.report.evidence import SUMMARY_CHARS, safe_link, shorten
from observatory.report.fabric_page import FILES as FABRIC_FILES
from observatory.report.published import Record
from observatory.report.sources import Origin
from observatory.report.watch_reader import MONTHLY_KINDS, WatchReader, distinct_value

TEMPLATE = "watch_market.html.j2"
# The id of every chart the page draws when its data are there (the browser test checks them).
MARKET_CHARTS = ("chart-share-moves", "chart-competitors", "chart-demand")
# The levels of the share tables, in the page's order (CN8: a market's own declarations).
LEVELS = ("hs6", "hs4", "sector", "cn8")
NOTIFICATIONS_SHOWN = 50
SCOPE_ROWS = 25
RASFF_YEARS = 3
FEED_ITEMS = 20


def scopes(reader: WatchReader, market: str) -> list[Record]:
    """CBAM/EUDR scopes (EU markets) with the home country's exports under them."""
    table = catalogue.EU_SCOPES
    if not reader.tables.has(table.source):
        return []
    return reader.tables.records(
        f"""
        select source, area, hs_code, home_exports_usd, home_share_of_market_exports,
               count(*) over (partition by source) as codes
        from {table.source}
        where source in ('cbam', 'eudr') and market_iso3 = ? and home_exports_usd > 0
        qualify row_number() over (
            partition by source order by home_exports_usd desc, hs_code) <= ?
        {table.order_by()}
        """,
        [market, SCOPE_ROWS],
    )


def rasff(reader: WatchReader) -> list[Record]:
    """RASFF notifications per $100M exported to the EU, home and competitors, over the
    last RASFF_YEARS years of the mart."""
    table = catalogue.RASFF
    if not reader.tables.has(table.source):
        return []
    rows = reader.tables.records(
        f"""
        select origin_iso3, product_group, year, notifications, exports_year,
               exports_to_eu_usd, per_100m_usd, prev_years_avg
        from {table.source}
        qualify year > max(year) over () - ?
        order by product_group, year desc, origin_iso3 = ? desc, per_100m_usd desc nulls last,
                 origin_iso3
        """,
        [RASFF_YEARS, reader.home],
    )
    for r in rows:
        r["name"] = reader.country(r["origin_iso3"])
        r["is_home"] = r["origin_iso3"] == reader.home
    return rows


def fabric_exporters(reader: WatchReader, market: str) -> Record | None:
    """The home country's exporters serving the market: the fabric's latest 'destination'
    cell for it (published after disclosure control: status 'c', no number, when
    suppressed); None when the published database has no fabric for the market."""
    if not reader.tables.has("mart.fabric_indicators"):
        return None
    rows = reader.tables.records(
        "select year, status, n_exporters from mart.fabric_indicators "
        "where dimension = 'destination' and cell = ? order by year desc limit 1",
        [market],
    )
    return rows[0] if rows else None


def feed_items(reader: WatchReader, market: str) -> list[Record]:
    if not (reader.tables.has("core.feed_items") and reader.tables.has("core.feed_markets")):
        return []
    rows = reader.tables.records(
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
        r["summary"] = shorten(r["summary"] or "", SUMMARY_CHARS)
    return rows


def market_context(reader: WatchReader, market: str) -> dict[str, Any]:
    """The context of one market's page (added to the watch pages' common context)."""
    t, name, lang = reader.t, reader.country(market), reader.lang
    prov = reader.provenance
    moves = {level: market_trade.share_moves(reader, market, level) for level in LEVELS}
    kinds = reader.kinds(market)
    monthly = []
    for kind in kinds:
        if kind not in MONTHLY_KINDS:
            continue
        tables = [market_trade.share_moves(reader, market, level, kind) for level in LEVELS]
        tables = [m for m in tables if m["rows"]]
        if tables:
            monthly.append({"kind": kind, "levels": tables})
    hs6 = moves["hs6"]
    period = hs6["period"]
    moves_title = t["moves_chart_title"].format(
        n=min(market_trade.MOVES_CHARTED, len(hs6["rows"])),
        market=name,
        previous=hs6.get("previous_period"),
        period=period,
    )
    suppliers = market_trade.supplier_shares(reader, market)
    suppliers_title = t["suppliers_chart_title"].format(
        market=name, previous=hs6.get("previous_period"), period=period
    )
    demand_years = market_trade.demand_years(reader, market)
    demand_title = t["demand_chart_title"].format(market=name)
    demand_sectors = market_trade.demand_rows(reader, market, "sector")
    demand_products = market_trade.demand_rows(reader, market, "hs6")
    unit_values = market_trade.unit_values(reader, market)
    rasff_rows = rasff(reader) if is_eu_market(reader, market) else []
    notes = reader.notifications(market)
    is_eu = is_eu_market(reader, market)
    totals = reader.market_totals(market)
    recent_kind = next((kind for kind in kinds if kind in MONTHLY_KINDS), None)
    recent = reader.market_totals(market, recent_kind) if recent_kind else None
    alerts = reader.alerts("status = 'open' and market_iso3 = ?", [market])
    annual_hs6 = reader.annual_origins(market)
    lines = {
        "summary": prov.line(
            totals["origins"] if totals else [], recent["origins"] if recent else []
        ),
        "moves_chart": hs6["sources"],
        "competitors": prov.line(annual_hs6),
        "demand_chart": prov.line(_year_origins(reader, market, [r["year"] for r in demand_years])),
        "demand_sectors": prov.line(_year_origins(reader, market, _years(demand_sectors))),
        "demand_products": prov.line(_year_origins(reader, market, _years(demand_products))),
        "unit_values": prov.line(
            _year_origins(reader, market, [u["year"] for u in unit_values], "hs6")
        ),
        "tariffs": prov.line(prov.tariffs([market])),
        "mirror": prov.line(annual_hs6),
        "notifications": prov.line(prov.ledger("eping")),
        "scopes": prov.line(annual_hs6),
        "rasff": prov.line(
            prov.ledger("rasff"),
            prov.reconciled({r["exports_year"] for r in rasff_rows if r["exports_year"]}),
        ),
        "alerts": prov.line(reader.alert_origins("status = 'open' and market_iso3 = ?", [market])),
        "feed": prov.line(prov.ledger("feeds")),
    }
    return {
        "market": market,
        "market_name": name,
        "is_eu": is_eu,
        "totals": totals,
        "recent": recent,
        "recent_kind": recent_kind,
        "recency": reader.recency([market]),
        "moves": moves,
        "monthly": monthly,
        "annual_levels": [level for level in LEVELS if moves[level]["rows"]],
        "moves_chart": market_trade.moves_chart(hs6["rows"], moves_title, lang),
        "moves_title": moves_title,
        "suppliers": suppliers,
        "suppliers_chart": market_trade.suppliers_chart(suppliers, suppliers_title, lang),
        "suppliers_title": suppliers_title,
        "gains": market_trade.gains(reader, market),
        "demand_years": demand_years,
        "demand_chart": market_trade.demand_chart(demand_years, demand_title, lang),
        "demand_title": demand_title,
        "demand_sectors": demand_sectors,
        "demand_products": demand_products,
        "unit_values": unit_values,
        "tariffs": market_trade.tariff_margins(reader, market),
        "mirror": market_trade.mirror_flags(reader, market),
        "notifications": notes[:NOTIFICATIONS_SHOWN],
        "notifications_total": len(notes),
        "due_soon": sum(1 for n in notes if n["due_soon"]),
        "value_at_stake_usd": distinct_value(n for n in notes if n["is_open"]),
        "scopes": scopes(reader, market) if is_eu else [],
        "rasff": rasff_rows,
        "alerts": alerts,
        "alert_counts": _count_by(alerts, "rule"),
        "feed": feed_items(reader, market),
        "fabric": fabric_exporters(reader, market),
        "fabric_file": FABRIC_FILES[lang],
        "deadline_days": reader.deadline_days,
        "lines": lines,
    }


def is_eu_market(reader: WatchReader, market: str) -> bool:
    return market in reader.eu_members


def _years(rows: list[Record]) -> list[int]:
    return [rows[0]["year"]] if rows else []


def _year_origins(
    reader: WatchReader, market: str, years: list[int], level: str | None = None
) -> list[Origin]:
    """Where the market's annual rows of those years come from (demand, unit values)."""
    if not years:
        return []
    where = "market_iso3 = ? and period_kind = 'annual' and period in (select unnest(?::varchar[]))"
    params: list[Any] = [market, sorted({str(y) for y in years})]
    if level is not None:
        where += " and level = ?"
        params.append(level)
    return reader.provenance.rows("mart.watch_market_shares", where, params)


def _count_by(rows: list[Record], key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[key]] = counts.get(r[key], 0) + 1
    return counts
