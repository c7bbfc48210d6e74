"""What a killed run leaves behind, settled by the next run before it does anything else.

A run killed (SIGKILL, power loss, the OOM killer) leaves its `ops.runs` row `running`; if it
had staged its publication, a row in `ops.publications` and batches marked `published` for a
database that never replaced the published one; a `.staging-<run>` folder of half-rendered
reports; a temporary copy of the database beside the published file. The next run, under
the run lock, marks the run `abandoned` (and writes its run summary, so `observatory status`
shows it), withdraws a publication that did not happen, and removes the leftovers. The
batches the killed run left unsettled are abandoned by `ledger.abandon_unfinished`.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from observatory.warehouse import ledger


@dataclass
class Aftermath:
    """What was settled: runs marked abandoned, publications withdrawn, files removed."""

    runs: list[str] = field(default_factory=list)
    publications_withdrawn: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def settle_killed_runs(con: duckdb.DuckDBPyConnection, *, run_id: str,
                       published_run: str | None, runs_dir: Path, report_dir: Path,
                       published: Path) -> Aftermath:
    """Settle what runs killed before this one (`run_id`) left.

    `published_run`: the run whose database is the published file now (None: none); a
    killed run that is not it never published, whatever its working-database rows say.
    """
    out = Aftermath()
    now = ledger.now()
    killed = con.execute(
        "update ops.runs set status = 'abandoned', ended_at = ? where status = 'running' "
        "returning run_id, started_at", [now]).fetchall()
    for killed_run, started_at in sorted(killed, key=lambda r: str(r[0])):
        out.runs.append(killed_run)
        if killed_run != published_run:
            withdrawn = con.execute(
                "delete from ops.publications where run_id = ? returning run_id",
                [killed_run]).fetchall()
            if withdrawn:
                out.publications_withdrawn.append(killed_run)
                con.execute("update ops.load_ledger set status = 'merged', published_run = null "
                            "where published_run = ? and status = 'published'", [killed_run])
        _write_summary(runs_dir, killed_run, started_at, found_by=run_id,
                       published=killed_run == published_run)
    for folder in sorted(report_dir.glob(".staging-*")) if report_dir.is_dir() else []:
        shutil.rmtree(folder, ignore_errors=True)
        out.removed.append(str(folder))
    for tmp in sorted(published.parent.glob(f".{published.name}.*.tmp")) \
            if published.parent.is_dir() else []:
        tmp.unlink(missing_ok=True)
        out.removed.append(str(tmp))
    return out


def _write_summary(runs_dir: Path, run_id: str, started_at: object, *, found_by: str,
                   published: bool) -> None:
    """A run summary for a run that could not write its own (kept if it did)."""
    path = runs_dir / f"{run_id}.json"
    if path.exists():
        return
    runs_dir.mkdir(parents=True, exist_ok=True)
    what = ("its database was published, but it ended before recording it" if published
            else "nothing of it was published")
    summary = {
        "run_id": run_id, "status": "abandoned",
        "started_at": str(started_at), "ended_at": None,
        "error": f"the run ended before finishing (killed or crashed); {what}; found and "
                 f"settled by run {found_by}",
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    tmp.replace(path)
