"""Offline HTML reports: Jinja2 templates, inline SVG charts, French and English texts."""

from observatory.report.charts import bar_chart_svg
from observatory.report.i18n import (
    LANGUAGES,
    Formatter,
    format_datetime,
    format_decimal,
    format_integer,
    format_percent,
    format_usd,
    translations,
)
from observatory.report.render import render_report

__all__ = [
    "LANGUAGES",
    "Formatter",
    "bar_chart_svg",
    "format_datetime",
    "format_decimal",
    "format_integer",
    "format_percent",
    "format_usd",
    "render_report",
    "translations",
]
