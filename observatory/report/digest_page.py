"""The digest of the watch (`digest.html`): what changed since the last published run
(`mart.watch_digest`, by section), then the alerts this run raised and cleared."""

from __future__ import annotations

from typing import Any

from observatory.report import catalogue
from observatory.report.filenames import market_file
from observatory.report.published import Record
from observatory.report.watch_reader import WatchReader

TEMPLATE = "watch_digest.html.j2"


def digest(reader: WatchReader) -> Record:
    """{run_id, previous_run_id, found: {section: rows}, other: [(section, rows)]} of
    mart.watch_digest (`other`: sections this report does not know)."""
    table = catalogue.digest_table(catalogue.DIGEST_SECTIONS[0])
    result: Record = {"run_id": reader.run_id, "previous_run_id": None, "found": {}, "other": []}
    if not reader.tables.has(table.source):
        return result
    title = "title_fr" if reader.lang == "fr" else "title_en"
    rows = reader.tables.records(
        f"""
        select run_id, previous_run_id, section, rank, market_iso3, code, {title} as title,
               value, detail
        from {table.source}
        {table.order_by()}
        """
    )
    if rows:
        result["run_id"] = rows[0]["run_id"] or result["run_id"]
        result["previous_run_id"] = rows[0]["previous_run_id"]
    sections: dict[str, list[Record]] = {}
    for r in rows:
        r["market_name"] = reader.country(r["market_iso3"]) if r["market_iso3"] else None
        sections.setdefault(r["section"], []).append(r)
    result["found"] = sections
    result["other"] = [(s, rs) for s, rs in sections.items() if s not in catalogue.DIGEST_SECTIONS]
    return result


def digest_context(reader: WatchReader) -> dict[str, Any]:
    """The context of the digest (added to the watch pages' common context)."""
    found = digest(reader)
    run_id = found["run_id"]
    raised = reader.alerts("raised_run = ?", [run_id]) if run_id else []
    cleared = reader.alerts("cleared_run = ?", [run_id]) if run_id else []
    return {
        "digest": found,
        "digest_sections": catalogue.DIGEST_SECTIONS,
        "digest_tables": {s: catalogue.digest_table(s) for s in catalogue.DIGEST_SECTIONS},
        "raised": raised,
        "cleared": cleared,
        "market_links": {m: market_file(m, reader.lang) for m in reader.priority},
    }
