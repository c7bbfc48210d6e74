"""The charts of the study report, drawn from the sections' records: product positioning
(bubbles), the home country's share of each market (bars), the constant-market-share
waterfall and the product space (scatter)."""

from __future__ import annotations

from functools import partial

from markupsafe import Markup

from observatory.report.catalogue import CMS_EFFECTS, QUADRANTS
from observatory.report.charts import (
    Bubble,
    Point,
    bar_chart_svg,
    bubble_chart_svg,
    scatter_svg,
    waterfall_svg,
)
from observatory.report.formatting import format_decimal, format_percent, format_usd
from observatory.report.published import Record
from observatory.report.texts import code_label

BUBBLE_TAGS = 8  # the largest bubbles are tagged with their HS code
MARKETS_CHART_WIDTH = 560


def has_position(product: Record) -> bool:
    """True when a product can be placed on the positioning chart."""
    return (
        product["quadrant"] in QUADRANTS
        and product["home_exports_cagr"] is not None
        and product["world_demand_cagr"] is not None
    )


def positioning_chart(
    products: list[Record], title: str, t: dict[str, str], lang: str
) -> Markup | None:
    charted = [p for p in products if has_position(p)]
    if not charted:
        return None
    world = next(
        (p["world_total_cagr"] for p in products if p["world_total_cagr"] is not None), None
    )
    tagged = {p["code"] for p in charted[:BUBBLE_TAGS]}
    percent = partial(format_percent, lang=lang, decimals=1)
    return bubble_chart_svg(
        [
            Bubble(
                label=f"{p['code']} {p['description'] or ''}".strip(),
                x=p["world_demand_cagr"],
                y=p["home_exports_cagr"],
                size=p["home_exports_usd"],
                group=p["quadrant"],
                tag=p["code"] if p["code"] in tagged else None,
            )
            for p in charted
        ],
        title=title,
        x_label=t["axis_world_demand_cagr"],
        y_label=t["axis_home_exports_cagr"],
        groups=[(q, t[f"quadrant_{q}"]) for q in QUADRANTS],
        x_reference=world,
        x_reference_label=(
            t["chart_world_total_cagr"].format(value=percent(world)) if world is not None else None
        ),
        diagonal_label=t["chart_diagonal"],
        x_format=percent,
        y_format=percent,
        size_format=partial(format_usd, lang=lang),
        x_tick_format=partial(format_percent, lang=lang, decimals=1, trim=True),
        y_tick_format=partial(format_percent, lang=lang, decimals=1, trim=True),
        chart_id="chart-positioning",
        css_class="bubble-chart chart-positioning",
    )


def markets_chart(markets: list[Record], title: str, lang: str) -> Markup | None:
    shares = sorted(
        ((m["name"], m["home_share"]) for m in markets if m["home_share"] is not None),
        key=lambda item: -item[1],
    )
    if not shares:
        return None
    return bar_chart_svg(
        shares,
        title=title,
        value_format=partial(format_percent, lang=lang, decimals=2),
        tick_format=partial(format_percent, lang=lang, decimals=2, trim=True),
        width=MARKETS_CHART_WIDTH,
        chart_id="chart-market-shares",
        css_class="bar-chart chart-market-shares",
    )


def cms_chart(rows: list[Record], title: str, t: dict[str, str], lang: str) -> Markup | None:
    """A waterfall of the four effects, ending on their sum (the change in exports)."""
    steps = [
        (code_label("effect", r["effect"], t), r["value_usd"])
        for r in rows
        if r["effect"] in CMS_EFFECTS and r["value_usd"] is not None
    ]
    if not steps:
        return None
    return waterfall_svg(
        steps,
        title=title,
        total_label=t["effect_total"],
        value_format=partial(format_usd, lang=lang),
        tick_format=partial(format_usd, lang=lang),
        chart_id="chart-cms",
        css_class="waterfall-chart chart-cms",
    )


def product_space_chart(
    rows: list[Record], title: str, t: dict[str, str], lang: str
) -> Markup | None:
    if not rows:
        return None
    return scatter_svg(
        [
            Point(f"{r['code']} {r['description'] or ''}".strip(), r["density"], r["pci"])
            for r in rows
        ],
        title=title,
        x_label=t["axis_density"],
        y_label=t["axis_pci"],
        x_format=partial(format_decimal, lang=lang, decimals=3),
        y_format=partial(format_decimal, lang=lang, decimals=2),
        x_tick_format=partial(format_decimal, lang=lang, decimals=3, trim=True),
        y_tick_format=partial(format_decimal, lang=lang, decimals=2, trim=True),
        chart_id="chart-product-space",
        css_class="scatter-chart chart-product-space",
    )
