"""Bar charts: horizontal bars (ranked values, with an optional reference line), a
waterfall of effects adding up to a total, and columns for a short time series."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from observatory.report.charts.svg import (
    AXIS_HEIGHT,
    BAR_ABOVE,
    BAR_BELOW,
    BAR_GAP,
    BAR_HEIGHT,
    CHAR_WIDTH,
    GRID,
    HALO,
    INK,
    LABEL_MAX_CHARS,
    LABEL_WIDTH_MAX,
    LABEL_WIDTH_MIN,
    MUTED,
    REFERENCE,
    TOP,
    VALUE_WIDTH,
    WIDTH,
    XY_RIGHT,
    chart_id_for,
    check_finite,
    default_format,
    linear_axis,
    nice_step,
    num,
    shorten,
)


def bar_chart_svg(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    reference_line: float | None = None,
    reference_label: str | None = None,
    value_format: Callable[[float], str] = default_format,
    tick_format: Callable[[float], str] | None = None,
    description: str | None = None,
    width: int = WIDTH,
    chart_id: str | None = None,
    css_class: str = "bar-chart",
) -> Markup:
    """A horizontal bar chart, one bar per `(label, value)` item, in the given order.

    `reference_line` draws a dashed vertical line at that value (e.g. the RCA threshold) and
    colours bars at or above it darker than bars below it, so that the chart stays readable
    in grey when printed. `value_format` formats the value written at the end of each bar,
    `tick_format` (default: `value_format`) the axis ticks. Labels longer than 42 characters
    are cut with an ellipsis; the full label stays in the bar's tooltip (`<title>`) and in the
    chart's `<desc>` read by screen readers. Values must be finite; a negative value draws a
    bar to the left of zero. `width` is in SVG units: the SVG scales to its container.
    """
    for label, value in items:
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"bar_chart_svg: value of {label!r} is not a finite number")
    if reference_line is not None and not math.isfinite(reference_line):
        raise ValueError("bar_chart_svg: reference_line is not a finite number")
    tick_format = tick_format or value_format

    if chart_id is None:
        digest = hashlib.sha1(repr((title, list(items))).encode("utf-8")).hexdigest()
        chart_id = f"chart-{digest[:10]}"
    labels = [shorten(label, LABEL_MAX_CHARS) for label, _ in items]
    values = [float(value) for _, value in items]
    references = [reference_line] if reference_line is not None else []
    low = min([0.0, *values, *references])
    high = max([0.0, *values, *references])
    if high == low:
        high = low + 1.0
    step = nice_step(high - low)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step

    longest = max((len(label) for label in labels), default=0)
    label_width = min(LABEL_WIDTH_MAX, max(LABEL_WIDTH_MIN, math.ceil(longest * CHAR_WIDTH) + 20))
    plot_left = label_width + (VALUE_WIDTH if low < 0 else 0)
    plot_right = width - VALUE_WIDTH
    if plot_right - plot_left < 100:
        raise ValueError(f"bar_chart_svg: width {width} leaves no room for the bars")
    plot_top = TOP
    plot_bottom = TOP + max(len(items), 1) * (BAR_HEIGHT + BAR_GAP)
    height = plot_bottom + AXIS_HEIGHT

    def x(value: float) -> float:
        return plot_left + (value - low) / (high - low) * (plot_right - plot_left)

    title_id = f"{chart_id}-title"
    desc_id = f"{chart_id}-desc"
    if description is None:
        description = "; ".join(f"{label}: {value_format(value)}" for label, value in items)
    parts: list[str] = [
        f'<svg class="{escape(css_class)}" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {num(height)}" width="{width}" height="{num(height)}" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'font-size="12" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
    ]

    # Grid and axis ticks, then the reference line, both behind the bars.
    parts.append('<g class="axis">')
    ticks = round((high - low) / step)
    for i in range(ticks + 1):
        tick = low + i * step
        tx = num(x(tick))
        parts.append(
            f'<line x1="{tx}" y1="{plot_top - 4}" x2="{tx}" y2="{plot_bottom}" '
            f'stroke="{INK if tick == 0 else GRID}" stroke-width="1" />'
        )
        parts.append(
            f'<text x="{tx}" y="{plot_bottom + 16}" text-anchor="middle" fill="{MUTED}">'
            f"{escape(tick_format(tick))}</text>"
        )
    parts.append("</g>")
    if reference_line is not None:
        rx = x(reference_line)
        label = reference_label if reference_label is not None else value_format(reference_line)
        # The label runs right of the line, or left of it near the right edge.
        anchor, text_x = ("end", rx - 4) if rx > plot_right - 80 else ("start", rx + 4)
        parts.append(
            f'<g class="reference"><line x1="{num(rx)}" y1="{plot_top - 6}" x2="{num(rx)}" '
            f'y2="{plot_bottom}" stroke="{REFERENCE}" stroke-width="1.5" '
            f'stroke-dasharray="5 3" />'
            f'<text x="{num(text_x)}" y="{plot_top - 10}" text-anchor="{anchor}" '
            f'fill="{REFERENCE}">{escape(label)}</text></g>'
        )

    # Bars, their labels and values.
    parts.append('<g class="bars">')
    zero = x(0.0)
    for index, (label, short_label, value) in enumerate(
        zip((label for label, _ in items), labels, values, strict=True)
    ):
        top = plot_top + index * (BAR_HEIGHT + BAR_GAP)
        middle = num(top + BAR_HEIGHT / 2 + 4)
        left, right = sorted((zero, x(value)))
        above = reference_line is None or value >= reference_line
        fill = BAR_ABOVE if above else BAR_BELOW
        shown = value_format(value)
        parts.append('<g class="bar-item">')
        parts.append(f"<title>{escape(label)}: {escape(shown)}</title>")
        parts.append(
            f'<text class="bar-label" x="{label_width - 8}" y="{middle}" text-anchor="end" '
            f'fill="{INK}">{escape(short_label)}</text>'
        )
        parts.append(
            f'<rect class="bar{" above" if above else " below"}" x="{num(left)}" '
            f'y="{num(top)}" width="{num(max(right - left, 0.5))}" height="{BAR_HEIGHT}" '
            f'fill="{fill}" stroke="{INK}" stroke-width="0.5" />'
        )
        if value >= 0:
            value_x, anchor = num(right + 5), "start"
        else:
            value_x, anchor = num(left - 5), "end"
        parts.append(
            f'<text class="bar-value" x="{value_x}" y="{middle}" text-anchor="{anchor}" '
            f'fill="{INK}" {HALO}>{escape(shown)}</text>'
        )
        parts.append("</g>")
    parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


# --- waterfall: how effects add up to a total --------------------------------------------

WATERFALL_UP = BAR_ABOVE
WATERFALL_DOWN = "#c26a00"
WATERFALL_TOTAL = INK


def waterfall_svg(
    steps: Sequence[tuple[str, float]],
    *,
    title: str,
    total_label: str | None = None,
    value_format: Callable[[float], str] = default_format,
    tick_format: Callable[[float], str] | None = None,
    description: str | None = None,
    width: int = WIDTH,
    chart_id: str | None = None,
    css_class: str = "waterfall-chart",
) -> Markup:
    """A horizontal waterfall: each `(label, value)` step is a bar from the running sum of
    the steps before it to the running sum after it, so that the bars add up visibly; with
    `total_label`, a last bar from zero shows the sum of all steps.

    Increases and decreases differ in colour and in class (`step up` / `step down`), the
    total is drawn in ink; dotted connectors join consecutive bars. Text is escaped as in
    `bar_chart_svg`, whose geometry this chart shares.
    """
    for label, value in steps:
        check_finite("waterfall_svg", label, value)
    tick_format = tick_format or value_format
    chart_id = chart_id_for(chart_id, title, list(steps), total_label)

    bars: list[tuple[str, float, float, str]] = []  # label, start, end, kind
    running = 0.0
    for label, value in steps:
        bars.append((label, running, running + value, "up" if value >= 0 else "down"))
        running += value
    if total_label is not None:
        bars.append((total_label, 0.0, running, "total"))

    axis = linear_axis([0.0, *(edge for _, start, end, _ in bars for edge in (start, end))])
    labels = [shorten(label, LABEL_MAX_CHARS) for label, *_ in bars]
    longest = max((len(label) for label in labels), default=0)
    label_width = min(LABEL_WIDTH_MAX, max(LABEL_WIDTH_MIN, math.ceil(longest * CHAR_WIDTH) + 20))
    plot_left = label_width + VALUE_WIDTH
    plot_right = width - VALUE_WIDTH
    if plot_right - plot_left < 100:
        raise ValueError(f"waterfall_svg: width {width} leaves no room for the bars")
    plot_top = TOP
    plot_bottom = TOP + max(len(bars), 1) * (BAR_HEIGHT + BAR_GAP)
    height = plot_bottom + AXIS_HEIGHT

    def x(value: float) -> float:
        return plot_left + (value - axis.low) / (axis.high - axis.low) * (plot_right - plot_left)

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    if description is None:
        description = "; ".join(
            f"{label}: {value_format(end - start if kind != 'total' else end)}"
            for label, start, end, kind in bars
        )
    parts: list[str] = [
        f'<svg class="{escape(css_class)}" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {num(height)}" width="{width}" height="{num(height)}" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'font-size="12" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        '<g class="axis">',
    ]
    for tick in axis.ticks:
        tx = num(x(tick))
        parts.append(
            f'<line x1="{tx}" y1="{plot_top - 4}" x2="{tx}" y2="{plot_bottom}" '
            f'stroke="{INK if tick == 0 else GRID}" stroke-width="1" />'
        )
        parts.append(
            f'<text x="{tx}" y="{plot_bottom + 16}" text-anchor="middle" fill="{MUTED}">'
            f"{escape(tick_format(tick))}</text>"
        )
    parts.append("</g>")
    parts.append('<g class="bars">')
    colours = {"up": WATERFALL_UP, "down": WATERFALL_DOWN, "total": WATERFALL_TOTAL}
    for index, ((label, start, end, kind), short_label) in enumerate(
        zip(bars, labels, strict=True)
    ):
        top = plot_top + index * (BAR_HEIGHT + BAR_GAP)
        middle = num(top + BAR_HEIGHT / 2 + 4)
        left, right = sorted((x(start), x(end)))
        shown = value_format(end if kind == "total" else end - start)
        parts.append(f'<g class="bar-item"><title>{escape(label)}: {escape(shown)}</title>')
        parts.append(
            f'<text class="bar-label" x="{label_width - 8}" y="{middle}" text-anchor="end" '
            f'fill="{INK}">{escape(short_label)}</text>'
        )
        parts.append(
            f'<rect class="bar {"total" if kind == "total" else "step " + kind}" '
            f'x="{num(left)}" y="{num(top)}" width="{num(max(right - left, 0.5))}" '
            f'height="{BAR_HEIGHT}" fill="{colours[kind]}" stroke="{INK}" stroke-width="0.5" />'
        )
        # The value sits at the end the bar moves to: right of a rise, left of a fall.
        if end >= start:
            value_x, anchor = num(right + 5), "start"
        else:
            value_x, anchor = num(left - 5), "end"
        parts.append(
            f'<text class="bar-value" x="{value_x}" y="{middle}" text-anchor="{anchor}" '
            f'fill="{INK}" {HALO}>{escape(shown)}</text></g>'
        )
        if index + 1 < len(bars):
            joint = num(x(end))
            parts.append(
                f'<line class="connector" x1="{joint}" y1="{num(top + BAR_HEIGHT)}" '
                f'x2="{joint}" y2="{num(top + BAR_HEIGHT + BAR_GAP)}" stroke="{MUTED}" '
                f'stroke-width="1" stroke-dasharray="2 2" />'
            )
    parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


# --- columns: a short time series (one vertical bar per period) ----------------------------

COLUMN_HEIGHT = 260
COLUMN_LEFT = 72  # room for the value ticks
COLUMN_TOP = 28  # room for the value written above the tallest column
COLUMN_BOTTOM = 28  # the period labels
COLUMN_WIDTH_MAX = 56


def column_chart_svg(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    value_format: Callable[[float], str] = default_format,
    tick_format: Callable[[float], str] | None = None,
    description: str | None = None,
    width: int = WIDTH,
    chart_id: str | None = None,
    css_class: str = "column-chart",
) -> Markup:
    """A vertical bar chart, one column per `(label, value)` item in the given order (e.g.
    a market's imports by year), each with its value written above it (below, for a
    negative value) and a `<title>` tooltip. Text is escaped as in `bar_chart_svg`; values
    must be finite."""
    for label, value in items:
        check_finite("column_chart_svg", label, value)
    tick_format = tick_format or value_format
    chart_id = chart_id_for(chart_id, title, list(items))
    values = [float(value) for _, value in items]
    axis = linear_axis([0.0, *values])
    left, right = COLUMN_LEFT, width - XY_RIGHT
    top, bottom = COLUMN_TOP, COLUMN_HEIGHT - COLUMN_BOTTOM
    if right - left < 100:
        raise ValueError(f"column_chart_svg: width {width} leaves no room for the columns")

    def y(value: float) -> float:
        return bottom - (value - axis.low) / (axis.high - axis.low) * (bottom - top)

    slot = (right - left) / max(len(items), 1)
    column = min(COLUMN_WIDTH_MAX, slot * 0.7)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    if description is None:
        description = "; ".join(f"{label}: {value_format(value)}" for label, value in items)
    parts: list[str] = [
        f'<svg class="{escape(css_class)}" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {COLUMN_HEIGHT}" width="{width}" height="{COLUMN_HEIGHT}" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'font-size="12" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        '<g class="axis">',
    ]
    for tick in axis.ticks:
        ty = num(y(tick))
        parts.append(
            f'<line x1="{left}" y1="{ty}" x2="{right}" y2="{ty}" '
            f'stroke="{INK if tick == 0 else GRID}" stroke-width="1" />'
        )
        parts.append(
            f'<text class="tick y-tick" x="{left - 6}" y="{num(y(tick) + 4)}" '
            f'text-anchor="end" fill="{MUTED}">{escape(tick_format(tick))}</text>'
        )
    parts.append("</g>")
    parts.append('<g class="columns">')
    zero = y(0.0)
    for index, ((label, _), value) in enumerate(zip(items, values, strict=True)):
        middle = left + slot * (index + 0.5)
        upper, lower = sorted((zero, y(value)))
        shown = value_format(value)
        value_y = upper - 5 if value >= 0 else lower + 14
        parts.append(
            f'<g class="column-item"><title>{escape(label)}: {escape(shown)}</title>'
            f'<rect class="column" x="{num(middle - column / 2)}" y="{num(upper)}" '
            f'width="{num(column)}" height="{num(max(lower - upper, 0.5))}" '
            f'fill="{BAR_ABOVE}" stroke="{INK}" stroke-width="0.5" />'
            f'<text class="column-value" x="{num(middle)}" y="{num(value_y)}" '
            f'text-anchor="middle" fill="{INK}" {HALO}>{escape(shown)}</text>'
            f'<text class="column-label" x="{num(middle)}" y="{num(bottom + 18)}" '
            f'text-anchor="middle" fill="{INK}">{escape(shorten(label, 12))}</text></g>'
        )
    parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
