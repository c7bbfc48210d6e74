"""Outside text on the watch pages: the evidence of an alert (JSON, shown as readable
key-value pairs in the unit each key names) and outside links (kept only when they are
plain http(s) addresses)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from observatory.report.formatting import Formatter

# A link is kept only as an absolute http(s) address without spaces or control characters:
# anything else (javascript:, data:, relative paths) is shown as text.
SAFE_LINK = re.compile(r"https?://[^\s\x00-\x1f\x7f<>\"'`]+", re.IGNORECASE)
SUMMARY_CHARS = 400
EVIDENCE_ITEMS = 16
EVIDENCE_ROWS = 8


def safe_link(url: object) -> str | None:
    """`url` when it is an absolute http(s) address, else None (shown as text, not a link)."""
    if not isinstance(url, str) or not SAFE_LINK.fullmatch(url):
        return None
    return url


def shorten(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def _evidence_value(key: str, value: Any, fmt: Formatter) -> str:
    """A value of an alert's evidence, formatted after the unit its key names (the
    warehouse's convention: `_usd`, `_pct`, `_pts`, shares as fractions)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int | float):
        name = key.lower()
        if not math.isfinite(value):
            return "—"
        if name.endswith("_usd"):
            return fmt.usd(value)
        if name.endswith("_pct"):
            return fmt.rate(value)
        if name.endswith("_pts"):
            return fmt.signed(value, 2)
        if "share" in name:  # shares are fractions
            return fmt.percent(value, 2)
        if isinstance(value, int) or float(value).is_integer():
            return str(int(value)) if name in ("year", "month") else fmt.integer(value)
        return fmt.decimal(value, 2)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_evidence_value(str(k), v, fmt)}" for k, v in value.items())
    if isinstance(value, list):
        shown = [_evidence_value(key, v, fmt) for v in value[:EVIDENCE_ROWS]]
        more = f" … (+{len(value) - EVIDENCE_ROWS})" if len(value) > EVIDENCE_ROWS else ""
        return (" | " if any(isinstance(v, dict) for v in value) else ", ").join(shown) + more
    return shorten(str(value), SUMMARY_CHARS)


def evidence_items(text: str | None, fmt: Formatter) -> list[tuple[str, str]]:
    """The evidence of an alert (JSON text) as (key, readable value) pairs; text that is not
    a JSON object is shown as one item without a key."""
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return [("", shorten(text, SUMMARY_CHARS))]
    if not isinstance(data, dict):
        return [("", _evidence_value("", data, fmt))]
    items = [(str(k), _evidence_value(str(k), v, fmt)) for k, v in data.items()]
    if len(items) > EVIDENCE_ITEMS:
        items = [*items[:EVIDENCE_ITEMS], ("…", f"+{len(items) - EVIDENCE_ITEMS}")]
    return items
