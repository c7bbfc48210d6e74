"""`observatory status`: last runs, freshness per source, validation outcome.

Reads the run summaries (JSON files written at the end of every run) and the published
database, never the working database, so it works while a nightly job is running.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from observatory.config import Config


def last_runs(runs_dir: Path, limit: int = 5) -> list[dict[str, Any]]:
    runs = []
    for path in sorted(runs_dir.glob("*.json"), reverse=True)[:limit]:
        try:
            runs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            runs.append({"run_id": path.stem, "status": "unreadable summary"})
    return runs


def published_state(published: Path) -> dict[str, Any]:
    if not published.is_file():
        return {"exists": False}
    con = duckdb.connect(str(published), read_only=True)
    try:
        pub = con.execute(
            "select run_id, published_at from ops.publications order by published_at desc "
            "limit 1"
        ).fetchone()
        freshness = con.execute(
            """
            select source, max(release) as release, min(period) as first_period,
                   max(period) as last_period, count(*) as batches,
                   sum(rows_loaded) as rows_loaded, max(ended_at) as last_loaded_at,
                   bool_or(is_synthetic) as synthetic
            from ops.load_ledger where status = 'published'
            group by source order by source
            """
        ).fetchall()
        validation = con.execute(
            """
            select v.suite, count(*) filter (where v.success) as passed,
                   count(*) filter (where not v.success) as failed, max(v.checked_at)
            from ops.validation_results as v
            join ops.load_ledger as l using (batch_id)
            where l.status = 'published'
            group by v.suite order by v.suite
            """
        ).fetchall()
    finally:
        con.close()
    return {
        "exists": True,
        "run_id": pub[0] if pub else None,
        "published_at": pub[1] if pub else None,
        "freshness": freshness,
        "validation": validation,
    }


def status_lines(cfg: Config) -> list[str]:
    state = published_state(cfg.warehouse.published)
    lines = [f"Published database: {cfg.warehouse.published}"]
    if not state["exists"]:
        lines.append("  none yet: run `observatory nightly` (or `observatory demo`)")
    else:
        lines.append(f"  published at {state['published_at']} by run {state['run_id']}")
        lines.append("Freshness per source:")
        for source, release, first, last, batches, rows, loaded_at, synthetic in (
            state["freshness"]
        ):
            label = "  [demo data (synthetic)]" if synthetic else ""
            periods = f"periods {first}–{last}, " if first is not None else ""
            lines.append(
                f"  {source}: release {release}, {periods}{batches} batch"
                f"{'es' if batches != 1 else ''}, {rows or 0:,} rows, last loaded "
                f"{loaded_at}{label}"
            )
        lines.append("Validation of published batches:")
        for suite, passed, failed, checked_at in state["validation"]:
            lines.append(f"  {suite}: {passed} checks passed, {failed} failed "
                         f"(last checked {checked_at})")
    lines.append("Last runs:")
    runs = last_runs(cfg.warehouse.runs_dir)
    if not runs:
        lines.append("  none")
    for run in runs:
        rejected = [i["file_name"] for i in run.get("inputs", [])
                    if i.get("status") in ("rejected", "failed")]
        extra = f"; rejected or failed: {', '.join(rejected)}" if rejected else ""
        lines.append(f"  {run.get('run_id')}: {run.get('status')} "
                     f"(ended {run.get('ended_at', '?')}){extra}")
    return lines
