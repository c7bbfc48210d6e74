"""The index of the market watch (`watch.html`): one card per priority market (the home
country's share and its change, open alerts, notifications due soon, value at stake), a
chart of the share changes and the open alerts by market and kind."""

from __future__ import annotations

from functools import partial
from typing import Any

from markupsafe import Markup

from observatory.report import catalogue
from observatory.report.charts import bar_chart_svg
from observatory.report.formatting import format_decimal, format_signed
from observatory.report.market_trade import SMALL_CHART_WIDTH
from observatory.report.published import Record
from observatory.report.watch_reader import WatchReader, distinct_value

TEMPLATE = "watch_index.html.j2"
# The id of every chart the page draws when its data are there (the browser test checks them).
INDEX_CHARTS = ("chart-watch-shares",)


def market_cards(reader: WatchReader) -> list[Record]:
    counts = reader.open_alert_counts()
    cards = []
    for market in reader.priority:
        notes = reader.notifications(market)
        due = [n for n in notes if n["due_soon"]]
        open_notes = [n for n in notes if n["is_open"]]
        alerts = counts.get(market, {})
        cards.append(
            {
                "iso3": market,
                "name": reader.country(market),
                "totals": reader.market_totals(market),
                "alerts": alerts,
                "alerts_total": sum(alerts.values()),
                # The row of the alert-counts table: open alerts by rule.
                **{f"open_{rule}": alerts.get(rule, 0) for rule in catalogue.ALERT_RULES},
                "open_notifications": len(open_notes),
                "due_soon": len(due),
                "value_at_stake_usd": distinct_value(open_notes),
                "is_eu": market in reader.eu_members,
            }
        )
    return cards


def index_chart(cards: list[Record], title: str, lang: str) -> Markup | None:
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
        value_format=partial(format_signed, lang=lang, decimals=2),
        tick_format=partial(format_decimal, lang=lang, decimals=2, trim=True),
        width=SMALL_CHART_WIDTH,
        chart_id="chart-watch-shares",
        css_class="bar-chart chart-watch-shares",
    )


def index_context(reader: WatchReader, market_links: dict[str, str]) -> dict[str, Any]:
    """The context of the index (added to the watch pages' common context)."""
    cards = market_cards(reader)
    chart_title = reader.t["watch_chart_title"]
    return {
        "cards": cards,
        "market_links": market_links,
        "chart": index_chart(cards, chart_title, reader.lang),
        "chart_title": chart_title,
    }
