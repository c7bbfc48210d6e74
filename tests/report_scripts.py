"""The package's own scripts in a page, for the tests that check a page runs nothing else:
the inlined `static/report.js`, its messages and the search page's index (JSON data)."""

from __future__ import annotations

import re

from observatory.report.page import script

PACKAGE_SCRIPTS = re.compile(
    r'<script type="application/json" id="(?:report-texts|search-index)">[^<]*</script>'
    r'|<script id="report-js">\n(?P<js>.*?)\n</script>',
    re.DOTALL,
)


def without_package_scripts(html: str) -> str:
    """The page without the package's scripts; a script element that differs from them in
    any character (another script, an edited copy) is left in."""

    def drop(match: re.Match[str]) -> str:
        js = match.group("js")
        return "" if js is None or js == str(script()) else match.group(0)

    return PACKAGE_SCRIPTS.sub(drop, html)
