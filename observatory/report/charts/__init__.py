"""Charts as inline SVG drawn in Python: no JavaScript, no external file, printable.

`bars` draws bar, waterfall and column charts, `xy` bubble and scatter charts, on what
`svg` shares (palette, geometry, axes).
"""

from observatory.report.charts.bars import bar_chart_svg, column_chart_svg, waterfall_svg
from observatory.report.charts.xy import Bubble, Point, bubble_chart_svg, scatter_svg

__all__ = [
    "Bubble",
    "Point",
    "bar_chart_svg",
    "bubble_chart_svg",
    "column_chart_svg",
    "scatter_svg",
    "waterfall_svg",
]
