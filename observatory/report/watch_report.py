"""The market watch, in one language: the index (`watch.html`), one page per priority
market (`market-<ISO3>.html`) and the digest of what changed since the last published run
(`digest.html`); English pages end in `.en.html`.

Every value is autoescaped (feed items, notification titles and alert evidence are outside
text) and no page runs a script. The pages read the run metadata, the study's markets, the
watch's parameters, `ops.alerts`, `core.feed_items` / `core.feed_markets` and the marts of
`WATCH_TABLES`; a table that is missing or empty turns its section into a "no data" sentence
naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb

from observatory.report import catalogue, digest_page, market_page, watch_index
from observatory.report.evidence import evidence_items, safe_link
from observatory.report.filenames import (
    DIGEST_FILES,
    REPORT_FILES,
    WATCH_REPORT_FILES,
    market_file,
)
from observatory.report.formatting import check_language
from observatory.report.market_page import MARKET_CHARTS
from observatory.report.metadata import load_run_metadata
from observatory.report.page import page_context, render_page
from observatory.report.published import PublishedTables
from observatory.report.texts import code_label
from observatory.report.watch_index import INDEX_CHARTS
from observatory.report.watch_reader import WatchReader

__all__ = [
    "DIGEST_FILES",
    "INDEX_CHARTS",
    "MARKET_CHARTS",
    "WATCH_REPORT_FILES",
    "WATCH_TABLES",
    "evidence_items",
    "market_file",
    "render_watch_reports",
    "safe_link",
]

# Tables the watch pages read (footer row counts, in the order of the market page).
WATCH_TABLES = (
    "mart.watch_market_shares",
    "mart.watch_competitors",
    "mart.watch_demand",
    "mart.watch_unit_values",
    "mart.watch_tariff_margins",
    "mart.regulatory_exposure",
    "mart.rasff_intensity",
    "mart.watch_digest",
    "ops.alerts",
    "core.feed_items",
)
ISO3 = re.compile(r"[A-Z]{3}")


def render_watch_reports(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    lang: str = "fr",
    *,
    markets: Iterable[str] | None = None,
    generated_at: datetime | None = None,
) -> list[Path]:
    """Write the watch pages in `lang` into `out_dir`: the index (`watch.html`), one page per
    priority market (`market-<ISO3>.html`; only `markets` when given) and the digest
    (`digest.html`); English pages end in `.en.html`. Returns the paths written, index first.

    Raises ValueError for an unknown language or a market that is not a priority market,
    WarehouseError when the database lacks the run metadata or cannot be read.
    """
    check_language(lang)
    generated_at = generated_at or datetime.now(UTC)
    out_dir = Path(out_dir)
    tables = PublishedTables(con, "watch report")
    meta = load_run_metadata(
        tables.with_reader("report"),
        lang=lang,
        generated_at=generated_at,
        counted=[table for table in WATCH_TABLES if tables.has(table)],
    )
    base = page_context(lang, meta)
    t: dict[str, str] = base["t"]
    reader = WatchReader(tables, meta.parameters.home_iso3, t, lang)
    selected = _selected_markets(reader.priority, markets)

    base.update(
        home_name=reader.country(meta.parameters.home_iso3),
        watch=reader.watch,
        watch_run_id=reader.run_id or meta.parameters.run_id,
        index_file=REPORT_FILES[lang],
        watch_file=WATCH_REPORT_FILES[lang],
        digest_file=DIGEST_FILES[lang],
        code_label=partial(code_label, messages=t),
        country=reader.country,
        has=tables.has,
        alert_rules=catalogue.ALERT_RULES,
    )
    # The index links to the pages written now and to those an earlier call left there.
    linked = {
        m for m in reader.priority if m in selected or (out_dir / market_file(m, lang)).exists()
    }
    pages: list[tuple[str, str, dict[str, Any]]] = [
        (
            watch_index.TEMPLATE,
            WATCH_REPORT_FILES[lang],
            watch_index.index_context(reader, {m: market_file(m, lang) for m in linked}),
        )
    ]
    for market in selected:
        pages.append(
            (
                market_page.TEMPLATE,
                market_file(market, lang),
                market_page.market_context(reader, market),
            )
        )
    pages.append((digest_page.TEMPLATE, DIGEST_FILES[lang], digest_page.digest_context(reader)))
    return [
        render_page(template, {**base, **context}, out_dir / name)
        for template, name, context in pages
    ]


def _selected_markets(priority: list[str], markets: Iterable[str] | None) -> list[str]:
    if markets is None:
        return list(priority)
    if isinstance(markets, str):
        markets = [markets]
    selected: list[str] = []
    for code in markets:
        iso3 = str(code).strip().upper()
        if not ISO3.fullmatch(iso3):
            raise ValueError(f"watch report: {code!r} is not an ISO3 country code")
        if iso3 not in priority:
            known = ", ".join(priority) or "none"
            raise ValueError(
                f"watch report: {iso3} is not a priority market (priority markets: {known})"
            )
        if iso3 not in selected:
            selected.append(iso3)
    return selected
