"""Charts as inline SVG drawn in Python: no JavaScript, no external file, printable.

Every text placed in the SVG (title, labels, values) is HTML-escaped; the functions return
`markupsafe.Markup` so that templates insert the SVG as is.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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


# --- x-y charts: product positioning bubbles, scatter plots ---------------------------------

XY_HEIGHT = 440
XY_LEFT = 70  # room for the y tick labels and the rotated y axis title
XY_RIGHT = 24
XY_TOP = 28
XY_BOTTOM = 52  # x tick labels and the x axis title
LEGEND_ROW = 22
BUBBLE_MAX_RADIUS = 28.0
BUBBLE_MIN_RADIUS = 2.0
POINT_RADIUS = 3.5
TAG_MAX_CHARS = 24
# Group colours in legend order: they differ in lightness too, so that a grey print keeps
# them apart (the tables next to each chart hold the exact values).
PALETTE = ("#1e6b3a", "#d08a1e", "#1f5f8b", "#9aa3ad", "#7a3f8f", "#a32020")


@dataclass(frozen=True)
class Bubble:
    """One bubble: `size` (>= 0) sets its area, `group` its colour; `tag`, when given, is
    written beside it (e.g. the HS code of the largest bubbles)."""

    label: str
    x: float
    y: float
    size: float
    group: str
    tag: str | None = None


@dataclass(frozen=True)
class Point:
    """One point of a scatter plot; `group` (optional) picks its colour."""

    label: str
    x: float
    y: float
    group: str | None = None


@dataclass(frozen=True)
class _Axis:
    low: float
    high: float
    step: float

    @property
    def ticks(self) -> list[float]:
        count = round((self.high - self.low) / self.step)
        # round() keeps 0.1 * 3 from printing as 0.30000000000000004 and -0.0 from appearing
        return [round(self.low + i * self.step, 12) + 0.0 for i in range(count + 1)]


def _axis(values: Sequence[float], padding: float = 0.0) -> _Axis:
    """A linear axis covering `values` (widened by `padding` of their span on each side),
    with round ends and a round tick step."""
    low, high = min(values), max(values)
    span = high - low
    if span == 0:
        span = abs(low) or 1.0
        low, high = low - span / 2, high + span / 2
    low, high = low - padding * span, high + padding * span
    step = _nice_step(high - low)
    # The small tolerance keeps 0.3 / 0.1 = 2.9999999999999996 from adding an empty tick.
    return _Axis(math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step, step)


@dataclass(frozen=True)
class _Plot:
    """The plotting rectangle of an x-y chart and the scales of its two axes."""

    x_axis: _Axis
    y_axis: _Axis
    left: float
    top: float
    right: float
    bottom: float

    def px(self, value: float) -> float:
        x = self.x_axis
        return self.left + (value - x.low) / (x.high - x.low) * (self.right - self.left)

    def py(self, value: float) -> float:
        y = self.y_axis
        return self.bottom - (value - y.low) / (y.high - y.low) * (self.bottom - self.top)


def _plot(x_axis: _Axis, y_axis: _Axis, width: int) -> _Plot:
    return _Plot(x_axis, y_axis, XY_LEFT, XY_TOP, width - XY_RIGHT, XY_HEIGHT - XY_BOTTOM)


def _check_finite(name: str, label: str, *values: float) -> None:
    for value in values:
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{name}: a value of {label!r} is not a finite number")


def _xy_frame(
    *,
    chart_id: str,
    css_class: str,
    title: str,
    description: str,
    width: int,
    height: float,
    plot: _Plot,
    x_label: str,
    y_label: str,
    x_tick_format: Callable[[float], str],
    y_tick_format: Callable[[float], str],
) -> list[str]:
    """The opening of an x-y chart: svg element, title, desc, clip path, grid, ticks and axis
    titles. The caller appends its marks and closes the svg."""
    left, top, right, bottom = plot.left, plot.top, plot.right, plot.bottom
    px, py = plot.px, plot.py
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg class="{escape(css_class)}" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {_num(height)}" width="{width}" height="{_num(height)}" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'font-size="12" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        f'<defs><clipPath id="{escape(chart_id)}-plot"><rect x="{_num(left)}" y="{_num(top)}" '
        f'width="{_num(right - left)}" height="{_num(bottom - top)}" /></clipPath></defs>',
        '<g class="axis">',
    ]
    for tick in plot.x_axis.ticks:
        tx = _num(px(tick))
        parts.append(
            f'<line x1="{tx}" y1="{_num(top)}" x2="{tx}" y2="{_num(bottom)}" '
            f'stroke="{INK if tick == 0 else GRID}" stroke-width="1" />'
        )
        parts.append(
            f'<text class="tick x-tick" x="{tx}" y="{_num(bottom + 16)}" text-anchor="middle" '
            f'fill="{MUTED}">{escape(x_tick_format(tick))}</text>'
        )
    for tick in plot.y_axis.ticks:
        ty = _num(py(tick))
        parts.append(
            f'<line x1="{_num(left)}" y1="{ty}" x2="{_num(right)}" y2="{ty}" '
            f'stroke="{INK if tick == 0 else GRID}" stroke-width="1" />'
        )
        parts.append(
            f'<text class="tick y-tick" x="{_num(left - 6)}" y="{_num(py(tick) + 4)}" '
            f'text-anchor="end" fill="{MUTED}">{escape(y_tick_format(tick))}</text>'
        )
    parts.append(
        f'<rect x="{_num(left)}" y="{_num(top)}" width="{_num(right - left)}" '
        f'height="{_num(bottom - top)}" fill="none" stroke="{INK}" stroke-width="1" />'
    )
    parts.append(
        f'<text class="axis-title x-title" x="{_num((left + right) / 2)}" '
        f'y="{_num(bottom + 38)}" text-anchor="middle" fill="{INK}">{escape(x_label)}</text>'
    )
    middle = _num((top + bottom) / 2)
    parts.append(
        f'<text class="axis-title y-title" x="16" y="{middle}" text-anchor="middle" '
        f'transform="rotate(-90 16 {middle})" fill="{INK}">{escape(y_label)}</text>'
    )
    parts.append("</g>")
    return parts


def _legend(groups: Sequence[tuple[str, str]], colours: dict[str, str], y: float) -> str:
    """One row of coloured swatches with their labels, from the left of the chart."""
    parts = [f'<g class="legend" transform="translate({XY_LEFT} {_num(y)})">']
    x = 0.0
    for key, label in groups:
        parts.append(
            f'<g class="legend-item"><rect x="{_num(x)}" y="-9" width="12" height="12" '
            f'fill="{colours[key]}" stroke="{INK}" stroke-width="0.5" />'
            f'<text x="{_num(x + 17)}" y="1" fill="{INK}">{escape(label)}</text></g>'
        )
        x += 17 + len(label) * CHAR_WIDTH + 18
    parts.append("</g>")
    return "".join(parts)


def _chart_id(chart_id: str | None, *content: object) -> str:
    if chart_id is not None:
        return chart_id
    return "chart-" + hashlib.sha1(repr(content).encode("utf-8")).hexdigest()[:10]


def bubble_chart_svg(
    bubbles: Sequence[Bubble],
    *,
    title: str,
    x_label: str,
    y_label: str,
    groups: Sequence[tuple[str, str]],
    x_reference: float | None = None,
    x_reference_label: str | None = None,
    diagonal_label: str | None = None,
    x_format: Callable[[float], str] = _default_format,
    y_format: Callable[[float], str] = _default_format,
    size_format: Callable[[float], str] = _default_format,
    x_tick_format: Callable[[float], str] | None = None,
    y_tick_format: Callable[[float], str] | None = None,
    description: str | None = None,
    width: int = WIDTH,
    chart_id: str | None = None,
    css_class: str = "bubble-chart",
) -> Markup:
    """A bubble chart: one circle per bubble at (x, y), its area proportional to `size`.

    `groups` lists `(key, legend label)` in legend order; a bubble's `group` must be one of
    the keys, and colours follow `PALETTE` in that order. `x_reference` draws a dashed
    vertical line (e.g. the growth of world trade), `diagonal_label` a dotted y = x line with
    that label (e.g. "home growth = world demand growth"). The largest bubbles are drawn
    first, so that small ones stay visible on top. Each circle has a `<title>` tooltip with
    its label and formatted values; `<desc>` lists them all for screen readers.
    """
    for b in bubbles:
        _check_finite("bubble_chart_svg", b.label, b.x, b.y, b.size)
        if b.size < 0:
            raise ValueError(f"bubble_chart_svg: size of {b.label!r} is negative")
    keys = [key for key, _ in groups]
    if len(groups) > len(PALETTE):
        raise ValueError(f"bubble_chart_svg: at most {len(PALETTE)} groups")
    unknown = sorted({b.group for b in bubbles} - set(keys))
    if unknown:
        raise ValueError(f"bubble_chart_svg: unknown group(s) {unknown}")
    if x_reference is not None:
        _check_finite("bubble_chart_svg", "x_reference", x_reference)
    x_tick_format = x_tick_format or x_format
    y_tick_format = y_tick_format or y_format
    chart_id = _chart_id(chart_id, title, list(bubbles), x_reference)
    colours = dict(zip(keys, PALETTE, strict=False))

    xs = [b.x for b in bubbles] + ([x_reference] if x_reference is not None else [])
    ys = [b.y for b in bubbles]
    x_axis = _axis(xs or [0.0], padding=0.06)
    y_axis = _axis(ys or [0.0], padding=0.06)
    legend_rows = 1 if groups else 0
    height = XY_HEIGHT + legend_rows * LEGEND_ROW
    plot = _plot(x_axis, y_axis, width)
    top, right, bottom = plot.top, plot.right, plot.bottom
    px, py = plot.px, plot.py

    if description is None:
        description = "; ".join(
            f"{b.label}: {x_label} {x_format(b.x)}, {y_label} {y_format(b.y)}, "
            f"{size_format(b.size)}"
            for b in bubbles
        )
    parts = _xy_frame(
        chart_id=chart_id,
        css_class=css_class,
        title=title,
        description=description,
        width=width,
        height=height,
        plot=plot,
        x_label=x_label,
        y_label=y_label,
        x_tick_format=x_tick_format,
        y_tick_format=y_tick_format,
    )
    clip = f'clip-path="url(#{escape(chart_id)}-plot)"'
    # Reference lines behind the bubbles.
    if diagonal_label is not None:
        start = max(x_axis.low, y_axis.low)
        end = min(x_axis.high, y_axis.high)
        if start < end:
            parts.append(
                f'<g class="reference diagonal"><line x1="{_num(px(start))}" '
                f'y1="{_num(py(start))}" x2="{_num(px(end))}" y2="{_num(py(end))}" '
                f'stroke="{MUTED}" stroke-width="1.5" stroke-dasharray="2 3" {clip} />'
                f'<text x="{_num(px(end) - 4)}" y="{_num(py(end) + 14)}" text-anchor="end" '
                f'fill="{MUTED}" {HALO}>{escape(diagonal_label)}</text></g>'
            )
    if x_reference is not None:
        rx = px(x_reference)
        label = x_reference_label if x_reference_label is not None else x_format(x_reference)
        anchor, text_x = ("end", rx - 4) if rx > right - 120 else ("start", rx + 4)
        parts.append(
            f'<g class="reference x-reference"><line x1="{_num(rx)}" y1="{_num(top)}" '
            f'x2="{_num(rx)}" y2="{_num(bottom)}" stroke="{REFERENCE}" stroke-width="1.5" '
            f'stroke-dasharray="5 3" />'
            f'<text x="{_num(text_x)}" y="{_num(top - 8)}" text-anchor="{anchor}" '
            f'fill="{REFERENCE}">{escape(label)}</text></g>'
        )

    largest = max((b.size for b in bubbles), default=0.0)

    def radius(size: float) -> float:
        if largest <= 0:
            return BUBBLE_MIN_RADIUS
        return max(BUBBLE_MIN_RADIUS, BUBBLE_MAX_RADIUS * math.sqrt(size / largest))

    parts.append(f'<g class="bubbles" {clip}>')
    order = sorted(range(len(bubbles)), key=lambda i: (-bubbles[i].size, i))
    for i in order:
        b = bubbles[i]
        parts.append(
            f'<circle class="bubble group-{escape(b.group)}" cx="{_num(px(b.x))}" '
            f'cy="{_num(py(b.y))}" r="{_num(radius(b.size))}" fill="{colours[b.group]}" '
            f'fill-opacity="0.7" stroke="{INK}" stroke-width="0.75">'
            f"<title>{escape(b.label)}: {escape(x_format(b.x))}, {escape(y_format(b.y))}, "
            f"{escape(size_format(b.size))}</title></circle>"
        )
    parts.append("</g>")
    parts.append('<g class="tags">')
    for i in order:
        b = bubbles[i]
        if b.tag:
            parts.append(
                f'<text class="bubble-tag" x="{_num(px(b.x) + radius(b.size) * 0.7 + 3)}" '
                f'y="{_num(py(b.y) - radius(b.size) * 0.7)}" fill="{INK}" font-size="11" '
                f"{HALO}>{escape(_shorten(b.tag, TAG_MAX_CHARS))}</text>"
            )
    parts.append("</g>")
    if groups:
        parts.append(_legend(groups, colours, XY_HEIGHT + 4))
    parts.append("</svg>")
    return Markup("".join(parts))


def scatter_svg(
    points: Sequence[Point],
    *,
    title: str,
    x_label: str,
    y_label: str,
    groups: Sequence[tuple[str, str]] = (),
    x_format: Callable[[float], str] = _default_format,
    y_format: Callable[[float], str] = _default_format,
    x_tick_format: Callable[[float], str] | None = None,
    y_tick_format: Callable[[float], str] | None = None,
    description: str | None = None,
    width: int = WIDTH,
    chart_id: str | None = None,
    css_class: str = "scatter-chart",
) -> Markup:
    """A scatter plot: one small circle per point at (x, y), in the given order.

    Points without a group are drawn in the report's accent colour; `groups` (key, legend
    label) colour the others from `PALETTE` and add a legend. Each circle has a `<title>`
    tooltip; the default `<desc>` gives the number of points and the ranges of x and y (a list of
    hundreds of points would not help a screen reader).
    """
    for p in points:
        _check_finite("scatter_svg", p.label, p.x, p.y)
    keys = [key for key, _ in groups]
    if len(groups) > len(PALETTE) - 1:
        raise ValueError(f"scatter_svg: at most {len(PALETTE) - 1} groups")
    unknown = sorted({p.group for p in points if p.group is not None} - set(keys))
    if unknown:
        raise ValueError(f"scatter_svg: unknown group(s) {unknown}")
    x_tick_format = x_tick_format or x_format
    y_tick_format = y_tick_format or y_format
    chart_id = _chart_id(chart_id, title, list(points))
    # Ungrouped points take the report's accent colour; groups the other palette colours.
    default_colour = BAR_ABOVE
    others = [colour for colour in PALETTE if colour != default_colour]
    colours = dict(zip(keys, others, strict=False))

    x_axis = _axis([p.x for p in points] or [0.0], padding=0.04)
    y_axis = _axis([p.y for p in points] or [0.0], padding=0.04)
    height = XY_HEIGHT + (LEGEND_ROW if groups else 0)
    plot = _plot(x_axis, y_axis, width)
    px, py = plot.px, plot.py

    if description is None:
        if points:
            description = (
                f"{len(points)} points; {x_label}: {x_format(min(p.x for p in points))} – "
                f"{x_format(max(p.x for p in points))}; {y_label}: "
                f"{y_format(min(p.y for p in points))} – {y_format(max(p.y for p in points))}"
            )
        else:
            description = "0 points"
    parts = _xy_frame(
        chart_id=chart_id,
        css_class=css_class,
        title=title,
        description=description,
        width=width,
        height=height,
        plot=plot,
        x_label=x_label,
        y_label=y_label,
        x_tick_format=x_tick_format,
        y_tick_format=y_tick_format,
    )
    parts.append(f'<g class="points" clip-path="url(#{escape(chart_id)}-plot)">')
    for p in points:
        colour = colours[p.group] if p.group is not None else default_colour
        group_class = f" group-{escape(p.group)}" if p.group is not None else ""
        parts.append(
            f'<circle class="point{group_class}" cx="{_num(px(p.x))}" cy="{_num(py(p.y))}" '
            f'r="{POINT_RADIUS}" fill="{colour}" fill-opacity="0.6" stroke="{INK}" '
            f'stroke-width="0.4"><title>{escape(p.label)}: {escape(x_format(p.x))}, '
            f"{escape(y_format(p.y))}</title></circle>"
        )
    parts.append("</g>")
    if groups:
        parts.append(_legend(groups, colours, XY_HEIGHT + 4))
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
    value_format: Callable[[float], str] = _default_format,
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
        _check_finite("waterfall_svg", label, value)
    tick_format = tick_format or value_format
    chart_id = _chart_id(chart_id, title, list(steps), total_label)

    bars: list[tuple[str, float, float, str]] = []  # label, start, end, kind
    running = 0.0
    for label, value in steps:
        bars.append((label, running, running + value, "up" if value >= 0 else "down"))
        running += value
    if total_label is not None:
        bars.append((total_label, 0.0, running, "total"))

    axis = _axis([0.0, *(edge for _, start, end, _ in bars for edge in (start, end))])
    labels = [_shorten(label, LABEL_MAX_CHARS) for label, *_ in bars]
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
        f'viewBox="0 0 {width} {_num(height)}" width="{width}" height="{_num(height)}" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'font-size="12" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        '<g class="axis">',
    ]
    for tick in axis.ticks:
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
    parts.append('<g class="bars">')
    colours = {"up": WATERFALL_UP, "down": WATERFALL_DOWN, "total": WATERFALL_TOTAL}
    for index, ((label, start, end, kind), short_label) in enumerate(
        zip(bars, labels, strict=True)
    ):
        top = plot_top + index * (BAR_HEIGHT + BAR_GAP)
        middle = _num(top + BAR_HEIGHT / 2 + 4)
        left, right = sorted((x(start), x(end)))
        shown = value_format(end if kind == "total" else end - start)
        parts.append(f'<g class="bar-item"><title>{escape(label)}: {escape(shown)}</title>')
        parts.append(
            f'<text class="bar-label" x="{label_width - 8}" y="{middle}" text-anchor="end" '
            f'fill="{INK}">{escape(short_label)}</text>'
        )
        parts.append(
            f'<rect class="bar {"total" if kind == "total" else "step " + kind}" '
            f'x="{_num(left)}" y="{_num(top)}" width="{_num(max(right - left, 0.5))}" '
            f'height="{BAR_HEIGHT}" fill="{colours[kind]}" stroke="{INK}" stroke-width="0.5" />'
        )
        # The value sits at the end the bar moves to: right of a rise, left of a fall.
        if end >= start:
            value_x, anchor = _num(right + 5), "start"
        else:
            value_x, anchor = _num(left - 5), "end"
        parts.append(
            f'<text class="bar-value" x="{value_x}" y="{middle}" text-anchor="{anchor}" '
            f'fill="{INK}" {HALO}>{escape(shown)}</text></g>'
        )
        if index + 1 < len(bars):
            joint = _num(x(end))
            parts.append(
                f'<line class="connector" x1="{joint}" y1="{_num(top + BAR_HEIGHT)}" '
                f'x2="{joint}" y2="{_num(top + BAR_HEIGHT + BAR_GAP)}" stroke="{MUTED}" '
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
    value_format: Callable[[float], str] = _default_format,
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
        _check_finite("column_chart_svg", label, value)
    tick_format = tick_format or value_format
    chart_id = _chart_id(chart_id, title, list(items))
    values = [float(value) for _, value in items]
    axis = _axis([0.0, *values])
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
        ty = _num(y(tick))
        parts.append(
            f'<line x1="{left}" y1="{ty}" x2="{right}" y2="{ty}" '
            f'stroke="{INK if tick == 0 else GRID}" stroke-width="1" />'
        )
        parts.append(
            f'<text class="tick y-tick" x="{left - 6}" y="{_num(y(tick) + 4)}" '
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
            f'<rect class="column" x="{_num(middle - column / 2)}" y="{_num(upper)}" '
            f'width="{_num(column)}" height="{_num(max(lower - upper, 0.5))}" '
            f'fill="{BAR_ABOVE}" stroke="{INK}" stroke-width="0.5" />'
            f'<text class="column-value" x="{_num(middle)}" y="{_num(value_y)}" '
            f'text-anchor="middle" fill="{INK}" {HALO}>{escape(shown)}</text>'
            f'<text class="column-label" x="{_num(middle)}" y="{_num(bottom + 18)}" '
            f'text-anchor="middle" fill="{INK}">{escape(_shorten(label, 12))}</text></g>'
        )
    parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
