"""What every page shares: the Jinja2 environment (autoescaping always on, undefined names
an error), the inlined stylesheet, the context of the base template and the atomic write.

Pages open from the file system with no network: the stylesheet is inlined, charts are
inline SVG, and the one script (`static/report.js`: sortable, filterable, downloadable
tables; the search page) is inlined too, so that a page forwarded alone still works. Without
the script a page reads the same, with plain tables.
"""

from __future__ import annotations

from functools import cache, partial
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from observatory.report import catalogue
from observatory.report.atomic import write_atomic
from observatory.report.columns import cell_text
from observatory.report.formatting import Formatter
from observatory.report.metadata import RunMetadata
from observatory.report.navigation import navigation
from observatory.report.sources import input_name, source_name
from observatory.report.texts import status_label, translations

PACKAGE_DIR = Path(__file__).parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STYLESHEET = PACKAGE_DIR / "static" / "report.css"
SCRIPT = PACKAGE_DIR / "static" / "report.js"
# The messages the script shows (handed to it as JSON in the page).
SCRIPT_TEXTS = (
    "ui_filter", "ui_download_csv", "ui_show_all", "ui_rows_shown", "ui_sort",
    "ui_search_found", "ui_kind_product", "ui_kind_market", "ui_kind_sector",
)


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of every report: autoescaping always on, strict variables."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def stylesheet() -> Markup:
    """The report stylesheet, trusted package content inlined in a <style> element."""
    css = STYLESHEET.read_text(encoding="utf-8")
    if "</" in css:
        raise ValueError(f"{STYLESHEET}: a stylesheet must not contain '</'")
    return Markup(css)


@cache
def script() -> Markup:
    """The report script, trusted package content inlined in a <script> element."""
    js = SCRIPT.read_text(encoding="utf-8")
    if "</" in js or "<!--" in js:
        raise ValueError(f"{SCRIPT}: an inlined script must not contain '</' or '<!--'")
    return Markup(js)


def page_context(lang: str, meta: RunMetadata) -> dict[str, Any]:
    """The context the base template needs: texts, formatters, stylesheet, metadata, the
    table catalogue, `cell_text`, which shows a value of a catalogue column, and the display
    names of sources and inputs (`source_label`, `input_label`)."""
    messages = translations(lang)
    fmt = Formatter(lang)
    return {
        "lang": lang,
        "t": messages,
        "fmt": fmt,
        "cell_text": cell_text(fmt, messages),
        "catalogue": catalogue,
        "css": stylesheet(),
        "js": script(),
        "script_texts": {key: messages[key] for key in SCRIPT_TEXTS},
        "meta": meta,
        "status_label": partial(status_label, messages=messages),
        "source_label": partial(source_name, messages=messages),
        "input_label": partial(input_name, messages=messages),
    }


def render_page(template: str, context: dict[str, Any], path: Path) -> Path:
    """Render `template` with `context` and write it to `path` atomically. The navigation
    bar is the page's own (its name, its language); `page_depth` in the context says how
    many folders below the reports' folder the page is (0 by default)."""
    write_atomic(path, render_html(template, context, path))
    return path


def render_html(template: str, context: dict[str, Any], path: Path) -> str:
    """The page `render_page` writes to `path`, as text (for callers that write many pages
    at once, the product fiches)."""
    if "site_nav" not in context:
        sections = context["meta"].sections
        nav = navigation(context["lang"], path.name, sections, context.get("page_depth", 0))
        context = {**context, "site_nav": nav}
    return environment().get_template(template).render(context)
