"""X-y charts: the product positioning bubbles and scatter plots."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from observatory.report.charts.svg import (
    BAR_ABOVE,
    CHAR_WIDTH,
    GRID,
    HALO,
    INK,
    MUTED,
    REFERENCE,
    WIDTH,
    XY_RIGHT,
    Axis,
    chart_id_for,
    check_finite,
    default_format,
    linear_axis,
    num,
    shorten,
)

XY_HEIGHT = 440
XY_LEFT = 70  # room for the y tick labels and the rotated y axis title
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
class _Plot:
    """The plotting rectangle of an x-y chart and the scales of its two axes."""

    x_axis: Axis
    y_axis: Axis
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


def _plot(x_axis: Axis, y_axis: Axis, width: int) -> _Plot:
    return _Plot(x_axis, y_axis, XY_LEFT, XY_TOP, width - XY_RIGHT, XY_HEIGHT - XY_BOTTOM)


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
        f'viewBox="0 0 {width} {num(height)}" width="{width}" height="{num(height)}" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'font-size="12" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        f'<defs><clipPath id="{escape(chart_id)}-plot"><rect x="{num(left)}" y="{num(top)}" '
        f'width="{num(right - left)}" height="{num(bottom - top)}" /></clipPath></defs>',
        '<g class="axis">',
    ]
    for tick in plot.x_axis.ticks:
        tx = num(px(tick))
        parts.append(
            f'<line x1="{tx}" y1="{num(top)}" x2="{tx}" y2="{num(bottom)}" '
            f'stroke="{INK if tick == 0 else GRID}" stroke-width="1" />'
        )
        parts.append(
            f'<text class="tick x-tick" x="{tx}" y="{num(bottom + 16)}" text-anchor="middle" '
            f'fill="{MUTED}">{escape(x_tick_format(tick))}</text>'
        )
    for tick in plot.y_axis.ticks:
        ty = num(py(tick))
        parts.append(
            f'<line x1="{num(left)}" y1="{ty}" x2="{num(right)}" y2="{ty}" '
            f'stroke="{INK if tick == 0 else GRID}" stroke-width="1" />'
        )
        parts.append(
            f'<text class="tick y-tick" x="{num(left - 6)}" y="{num(py(tick) + 4)}" '
            f'text-anchor="end" fill="{MUTED}">{escape(y_tick_format(tick))}</text>'
        )
    parts.append(
        f'<rect x="{num(left)}" y="{num(top)}" width="{num(right - left)}" '
        f'height="{num(bottom - top)}" fill="none" stroke="{INK}" stroke-width="1" />'
    )
    parts.append(
        f'<text class="axis-title x-title" x="{num((left + right) / 2)}" '
        f'y="{num(bottom + 38)}" text-anchor="middle" fill="{INK}">{escape(x_label)}</text>'
    )
    middle = num((top + bottom) / 2)
    parts.append(
        f'<text class="axis-title y-title" x="16" y="{middle}" text-anchor="middle" '
        f'transform="rotate(-90 16 {middle})" fill="{INK}">{escape(y_label)}</text>'
    )
    parts.append("</g>")
    return parts


def _legend(groups: Sequence[tuple[str, str]], colours: dict[str, str], y: float) -> str:
    """One row of coloured swatches with their labels, from the left of the chart."""
    parts = [f'<g class="legend" transform="translate({XY_LEFT} {num(y)})">']
    x = 0.0
    for key, label in groups:
        parts.append(
            f'<g class="legend-item"><rect x="{num(x)}" y="-9" width="12" height="12" '
            f'fill="{colours[key]}" stroke="{INK}" stroke-width="0.5" />'
            f'<text x="{num(x + 17)}" y="1" fill="{INK}">{escape(label)}</text></g>'
        )
        x += 17 + len(label) * CHAR_WIDTH + 18
    parts.append("</g>")
    return "".join(parts)


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
    x_format: Callable[[float], str] = default_format,
    y_format: Callable[[float], str] = default_format,
    size_format: Callable[[float], str] = default_format,
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
        check_finite("bubble_chart_svg", b.label, b.x, b.y, b.size)
        if b.size < 0:
            raise ValueError(f"bubble_chart_svg: size of {b.label!r} is negative")
    keys = [key for key, _ in groups]
    if len(groups) > len(PALETTE):
        raise ValueError(f"bubble_chart_svg: at most {len(PALETTE)} groups")
    unknown = sorted({b.group for b in bubbles} - set(keys))
    if unknown:
        raise ValueError(f"bubble_chart_svg: unknown group(s) {unknown}")
    if x_reference is not None:
        check_finite("bubble_chart_svg", "x_reference", x_reference)
    x_tick_format = x_tick_format or x_format
    y_tick_format = y_tick_format or y_format
    chart_id = chart_id_for(chart_id, title, list(bubbles), x_reference)
    colours = dict(zip(keys, PALETTE, strict=False))

    xs = [b.x for b in bubbles] + ([x_reference] if x_reference is not None else [])
    ys = [b.y for b in bubbles]
    x_axis = linear_axis(xs or [0.0], padding=0.06)
    y_axis = linear_axis(ys or [0.0], padding=0.06)
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
                f'<g class="reference diagonal"><line x1="{num(px(start))}" '
                f'y1="{num(py(start))}" x2="{num(px(end))}" y2="{num(py(end))}" '
                f'stroke="{MUTED}" stroke-width="1.5" stroke-dasharray="2 3" {clip} />'
                f'<text x="{num(px(end) - 4)}" y="{num(py(end) + 14)}" text-anchor="end" '
                f'fill="{MUTED}" {HALO}>{escape(diagonal_label)}</text></g>'
            )
    if x_reference is not None:
        rx = px(x_reference)
        label = x_reference_label if x_reference_label is not None else x_format(x_reference)
        anchor, text_x = ("end", rx - 4) if rx > right - 120 else ("start", rx + 4)
        parts.append(
            f'<g class="reference x-reference"><line x1="{num(rx)}" y1="{num(top)}" '
            f'x2="{num(rx)}" y2="{num(bottom)}" stroke="{REFERENCE}" stroke-width="1.5" '
            f'stroke-dasharray="5 3" />'
            f'<text x="{num(text_x)}" y="{num(top - 8)}" text-anchor="{anchor}" '
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
            f'<circle class="bubble group-{escape(b.group)}" cx="{num(px(b.x))}" '
            f'cy="{num(py(b.y))}" r="{num(radius(b.size))}" fill="{colours[b.group]}" '
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
                f'<text class="bubble-tag" x="{num(px(b.x) + radius(b.size) * 0.7 + 3)}" '
                f'y="{num(py(b.y) - radius(b.size) * 0.7)}" fill="{INK}" font-size="11" '
                f"{HALO}>{escape(shorten(b.tag, TAG_MAX_CHARS))}</text>"
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
    x_format: Callable[[float], str] = default_format,
    y_format: Callable[[float], str] = default_format,
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
        check_finite("scatter_svg", p.label, p.x, p.y)
    keys = [key for key, _ in groups]
    if len(groups) > len(PALETTE) - 1:
        raise ValueError(f"scatter_svg: at most {len(PALETTE) - 1} groups")
    unknown = sorted({p.group for p in points if p.group is not None} - set(keys))
    if unknown:
        raise ValueError(f"scatter_svg: unknown group(s) {unknown}")
    x_tick_format = x_tick_format or x_format
    y_tick_format = y_tick_format or y_format
    chart_id = chart_id_for(chart_id, title, list(points))
    # Ungrouped points take the report's accent colour; groups the other palette colours.
    default_colour = BAR_ABOVE
    others = [colour for colour in PALETTE if colour != default_colour]
    colours = dict(zip(keys, others, strict=False))

    x_axis = linear_axis([p.x for p in points] or [0.0], padding=0.04)
    y_axis = linear_axis([p.y for p in points] or [0.0], padding=0.04)
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
            f'<circle class="point{group_class}" cx="{num(px(p.x))}" cy="{num(py(p.y))}" '
            f'r="{POINT_RADIUS}" fill="{colour}" fill-opacity="0.6" stroke="{INK}" '
            f'stroke-width="0.4"><title>{escape(p.label)}: {escape(x_format(p.x))}, '
            f"{escape(y_format(p.y))}</title></circle>"
        )
    parts.append("</g>")
    if groups:
        parts.append(_legend(groups, colours, XY_HEIGHT + 4))
    parts.append("</svg>")
    return Markup("".join(parts))
