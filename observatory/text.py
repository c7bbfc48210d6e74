"""Text that echoes input back to an operator: cut to a readable length, control bytes made
visible.

A field of a hostile or broken file can be 200 kB long or carry ANSI escape sequences; error
messages, run summaries and console lines show a short, inert rendering of it, while the
quarantine keeps the raw record whole.
"""

from __future__ import annotations

import re
from typing import Any

# Echoed values longer than this are cut, with the length of what was left out.
VALUE_CHARS = 80
# A whole message (one line of the console, a reason in a run summary).
MESSAGE_CHARS = 1000

# C0 and C1 control characters (ESC included), DEL, and the Unicode line and paragraph
# separators; \t is kept readable as a space.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """`text` with every control character shown as an escape (`\\x1b`, `\\n`, …), so that
    nothing read from a file can move the cursor, recolour or clear an operator's terminal."""
    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        named = {"\n": "\\n", "\r": "\\r"}
        if char in named:
            return named[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(escape, text.replace("\t", " "))


def clip(text: str, limit: int = VALUE_CHARS) -> str:
    """`text` cut at `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def shown(value: Any, limit: int = VALUE_CHARS) -> str:
    """A value as it appears in a message: its repr, cut and made printable."""
    return printable(clip(repr(value), limit))


def one_line(text: str, limit: int = MESSAGE_CHARS) -> str:
    """A message on one line: whitespace folded, cut, control characters escaped."""
    return printable(clip(" ".join(str(text).split()), limit))
