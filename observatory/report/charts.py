"""Charts as inline SVG drawn in Python: no JavaScript, no external file, printable.

Every text placed in the SVG (title, labels, values) is HTML-escaped; the functions return
`markupsafe.Markup` so that templates insert the SVG as is.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

# Geometry in SVG user units; the SVG scales to the width of its container.
WIDTH = 760
LABEL_WIDTH_MAX = 320
LABEL_WIDTH_MIN = 60
CHAR_WIDTH = (
    7.0  # a generous average width of a 12-unit sans-serif character, to size the label column
)
VALUE_WIDTH = 64
BAR_HEIGHT = 18
BAR_GAP = 7
TOP = 24
AXIS_HEIGHT = 26
LABEL_MAX_CHARS = 42

INK = "#1d2430"
MUTED = "#5b6472"
GRID = "#e3e6ea"
BAR_ABOVE = "#1f5f8b"
BAR_BELOW = "#a9c3d6"
REFERENCE = "#a34a00"
# A white outline behind value texts keeps them readable where they cross a line.
HALO = 'stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'


def _default_format(value: float) -> str:
    return f"{value:.2f}"


def _nice_step(span: float, target_ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about `target_ticks` ticks."""
    raw = span / target_ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _shorten(label: str, max_chars: int) -> str:
    return label if len(label) <= max_chars else label[: max_chars - 1].rstrip() + "…"


def _num(value: float) -> str:
    """A coordinate with one decimal, without a trailing '.0'."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def bar_chart_svg(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    reference_line: float | None = None,
    reference_label: str | None = None,
    value_format: Callable[[float], str] = _default_format,
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
    labels = [_shorten(label, LABEL_MAX_CHARS) for label, _ in items]
    values = [float(value) for _, value in items]
    references = [reference_line] if reference_line is not None else []
    low = min([0.0, *values, *references])
    high = max([0.0, *values, *references])
    if high == low:
        high = low + 1.0
    step = _nice_step(high - low)
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
        f'viewBox="0 0 {width} {_num(height)}" width="{width}" height="{_num(height)}" '
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
        tx = _num(x(tick))
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
            f'<g class="reference"><line x1="{_num(rx)}" y1="{plot_top - 6}" x2="{_num(rx)}" '
            f'y2="{plot_bottom}" stroke="{REFERENCE}" stroke-width="1.5" '
            f'stroke-dasharray="5 3" />'
            f'<text x="{_num(text_x)}" y="{plot_top - 10}" text-anchor="{anchor}" '
            f'fill="{REFERENCE}">{escape(label)}</text></g>'
        )

    # Bars, their labels and values.
    parts.append('<g class="bars">')
    zero = x(0.0)
    for index, (label, short_label, value) in enumerate(
        zip((label for label, _ in items), labels, values, strict=True)
    ):
        top = plot_top + index * (BAR_HEIGHT + BAR_GAP)
        middle = _num(top + BAR_HEIGHT / 2 + 4)
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
            f'<rect class="bar{" above" if above else " below"}" x="{_num(left)}" '
            f'y="{_num(top)}" width="{_num(max(right - left, 0.5))}" height="{BAR_HEIGHT}" '
            f'fill="{fill}" stroke="{INK}" stroke-width="0.5" />'
        )
        if value >= 0:
            value_x, anchor = _num(right + 5), "start"
        else:
            value_x, anchor = _num(left - 5), "end"
        parts.append(
            f'<text class="bar-value" x="{value_x}" y="{middle}" text-anchor="{anchor}" '
            f'fill="{INK}" {HALO}>{escape(shown)}</text>'
        )
        parts.append("</g>")
    parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
