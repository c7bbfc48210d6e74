"""What every page shares: the Jinja2 environment (autoescaping always on, undefined names
an error), the inlined stylesheet, the context of the base template and the atomic write.

Pages open from the file system with no network: the stylesheet is inlined, charts are
inline SVG, and no page loads a script.
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
from observatory.report.texts import source_label, status_label, translations

PACKAGE_DIR = Path(__file__).parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STYLESHEET = PACKAGE_DIR / "static" / "report.css"


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


def page_context(lang: str, meta: RunMetadata) -> dict[str, Any]:
    """The context the base template needs: texts, formatters, stylesheet, metadata, the
    table catalogue and `cell_text`, which shows a value of a catalogue column."""
    messages = translations(lang)
    fmt = Formatter(lang)
    return {
        "lang": lang,
        "t": messages,
        "fmt": fmt,
        "cell_text": cell_text(fmt, messages),
        "catalogue": catalogue,
        "css": stylesheet(),
        "meta": meta,
        "status_label": partial(status_label, messages=messages),
        "source_label": source_label,
    }


def render_page(template: str, context: dict[str, Any], path: Path) -> Path:
    """Render `template` with `context` and write it to `path` atomically."""
    html = environment().get_template(template).render(context)
    write_atomic(path, html)
    return path
