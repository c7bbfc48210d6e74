"""What every chart shares: the palette, the geometry of labels and bars, round axis
ticks, coordinates written short, and checks of the values charted.

Charts are inline SVG drawn in Python: no JavaScript, no external file, printable. Every
text placed in the SVG (title, labels, values) is HTML-escaped; the chart functions return
`markupsafe.Markup` so that templates insert the SVG as is.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

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
XY_RIGHT = 24  # the right margin of x-y and column charts
# A white outline behind value texts keeps them readable where they cross a line.
HALO = 'stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'


def default_format(value: float) -> str:
    return f"{value:.2f}"


def nice_step(span: float, target_ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about `target_ticks` ticks."""
    raw = span / target_ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def shorten(label: str, max_chars: int) -> str:
    return label if len(label) <= max_chars else label[: max_chars - 1].rstrip() + "…"


def num(value: float) -> str:
    """A coordinate with one decimal, without a trailing '.0'."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    step: float

    @property
    def ticks(self) -> list[float]:
        count = round((self.high - self.low) / self.step)
        # round() keeps 0.1 * 3 from printing as 0.30000000000000004 and -0.0 from appearing
        return [round(self.low + i * self.step, 12) + 0.0 for i in range(count + 1)]


def linear_axis(values: Sequence[float], padding: float = 0.0) -> Axis:
    """A linear axis covering `values` (widened by `padding` of their span on each side),
    with round ends and a round tick step."""
    low, high = min(values), max(values)
    span = high - low
    if span == 0:
        span = abs(low) or 1.0
        low, high = low - span / 2, high + span / 2
    low, high = low - padding * span, high + padding * span
    step = nice_step(high - low)
    # The small tolerance keeps 0.3 / 0.1 = 2.9999999999999996 from adding an empty tick.
    return Axis(math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step, step)


def check_finite(name: str, label: str, *values: float) -> None:
    for value in values:
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{name}: a value of {label!r} is not a finite number")


def chart_id_for(chart_id: str | None, *content: object) -> str:
    if chart_id is not None:
        return chart_id
    return "chart-" + hashlib.sha1(repr(content).encode("utf-8")).hexdigest()[:10]
