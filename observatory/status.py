"""`observatory status`: last runs, freshness per source, validation outcome, the schedule.

Reads the run summaries (JSON files written at the end of every run) and the published
database, never the working database, so it works while a nightly job is running. The
schedule comes from the configuration; when a Prefect server is configured (PREFECT_API_URL)
the next scheduled run and the last failure come from the server, asked with short
time-outs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from observatory.config import Config
from observatory.errors import DamagedDatabase
from observatory.warehouse import integrity, publish

# Run summary statuses of a run that failed, or finished with inputs rejected or failed.
FAILED_STATUSES = ("failed", "completed_with_rejections", "abandoned")


def last_runs(runs_dir: Path, limit: int = 5) -> list[dict[str, Any]]:
    runs = []
    for path in sorted(runs_dir.glob("*.json"), reverse=True)[:limit]:
        try:
            runs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            runs.append({"run_id": path.stem, "status": "unreadable summary"})
    return runs


def published_state(published: Path) -> dict[str, Any]:
    """What the published database holds; `damaged` (one line) instead when it no longer
    matches its checksum manifest (read in full) or cannot be read."""
    if not published.is_file():
        return {"exists": False}
    try:
        integrity.verify(published)
        con = duckdb.connect(str(published), read_only=True)
    except DamagedDatabase as exc:
        return {"exists": True, "damaged": str(exc)}
    except duckdb.Error as exc:
        return {"exists": True, "damaged": f"{published}: cannot be read ({_first_line(exc)})"}
    try:
        return _published_rows(con)
    except duckdb.Error as exc:
        return {"exists": True, "damaged": f"{published}: cannot be read ({_first_line(exc)})"}
    finally:
        con.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _published_rows(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    pub = publish.latest_publication(con)
    # Rows still in core (a later batch may have replaced part of a batch's rows); databases
    # published before `rows_live` existed count what each batch loaded.
    live = "coalesce(rows_live, rows_loaded)" if con.execute(
        "select count(*) from information_schema.columns where table_schema = 'ops' "
        "and table_name = 'load_ledger' and column_name = 'rows_live'").fetchall()[0][0] \
        else "rows_loaded"
    freshness = con.execute(
        f"""
        select source, max(release) as release, min(period) as first_period,
               max(period) as last_period, count(*) as batches,
               sum({live}) as rows_loaded, max(ended_at) as last_loaded_at,
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
    return {
        "exists": True,
        "run_id": pub.run_id if pub else None,
        "published_at": pub.published_at if pub else None,
        "freshness": freshness,
        "validation": validation,
    }


def freshness_lines(cfg: Config, freshness: list[tuple[Any, ...]]) -> list[str]:
    """One line per registered source (every ledger source it owns: analysts' files are one
    per profile), in the registry's order; a source enabled but never published says so."""
    from observatory.sources.registry import sources

    by_source = {row[0]: row for row in freshness}
    lines = []
    for source in sources():
        owned = sorted(n for n in by_source
                       if n == source.name or (source.name == "files" and n.startswith("file:")))
        if not owned and source.scheduled and source.enabled(cfg):
            lines.append(f"  {source.name} ({source.label}): nothing published yet")
        for name in owned:
            _, release, first, last, batches, rows, loaded_at, synthetic = by_source.pop(name)
            label = "  [demo data (synthetic)]" if synthetic else ""
            periods = f"periods {first}–{last}, " if first is not None else ""
            lines.append(
                f"  {name} ({source.label}): release {release}, {periods}{batches} batch"
                f"{'es' if batches != 1 else ''}, {rows or 0:,} rows, last loaded "
                f"{loaded_at}{label}")
    for name, release, *_ in by_source.values():  # a source no longer registered
        lines.append(f"  {name}: release {release} (no longer a registered source)")
    return lines


def status_lines(cfg: Config) -> list[str]:
    state = published_state(cfg.warehouse.published)
    lines = [f"Published database: {cfg.warehouse.published}"]
    if not state["exists"]:
        lines.append("  none yet: run `observatory nightly` (or `observatory demo`)")
    elif state.get("damaged"):
        lines.append(f"  {state['damaged']}; {publish.DAMAGED_HINT}")
    else:
        lines.append(f"  published at {state['published_at']} by run {state['run_id']}")
        lines.append("Freshness per source:")
        lines += freshness_lines(cfg, state["freshness"])
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
    failed = last_failed_run(cfg.warehouse.runs_dir)
    lines.append("Last failed run: " + (
        f"{failed.get('run_id')} ({failed.get('status')}, ended {failed.get('ended_at', '?')})"
        f": {failure_reason(failed)}" if failed else "none"))
    lines += schedule_lines(cfg)
    return lines


def last_failed_run(runs_dir: Path) -> dict[str, Any] | None:
    """The latest run summary whose run failed or rejected inputs."""
    for path in sorted(runs_dir.glob("*.json"), reverse=True):
        try:
            run = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(run, dict) and run.get("status") in FAILED_STATUSES:
            return run
    return None


def failure_reason(run: dict[str, Any]) -> str:
    """Why a run failed: its error, or its rejected and failed inputs with their messages."""
    if run.get("error"):
        return str(run["error"])
    bad = [f"{i.get('file_name')} {i.get('status')}"
           + (f" ({i['message']})" if i.get("message") else "")
           for i in run.get("inputs", []) if i.get("status") in ("rejected", "failed")]
    return "inputs " + "; ".join(bad) if bad else "no reason recorded"


def schedule_lines(cfg: Config) -> list[str]:
    """Each deployment's cron and time zone from the configuration; with a reachable Prefect
    server, its next scheduled run and the last failed run with its reason."""
    from datetime import UTC, datetime

    from observatory.schedule import (
        deployment_specs,
        local_time,
        prefect_api_url,
        server_view,
    )
    from observatory.sources.registry import group_label

    specs = deployment_specs(cfg)
    tz = cfg.schedule.timezone
    lines = [f"Schedule (time zone {tz}):"]
    if not specs:
        lines.append("  none: every cron of [schedule] is empty")
    api_url = prefect_api_url()
    view = server_view(api_url, specs) if api_url else None
    now = datetime.now(UTC)
    for spec in specs:
        line = f"  {spec.full_name}: {spec.cron} ({group_label(spec.sources)})"
        deployment = view.deployments.get(spec.name) if view and not view.error else None
        if view and not view.error:
            if deployment is None or not deployment.registered:
                line += "; not on the server: run `observatory serve`"
            else:
                if (spec.cron, spec.timezone) not in {(c, z) for c, z, _ in
                                                      deployment.schedules}:
                    line += ("; the server has another schedule: run `observatory serve` "
                             "again")
                if deployment.paused or not any(a for _, _, a in deployment.schedules):
                    line += "; paused (`observatory serve` is not running)"
                if deployment.next_run is None:
                    line += "; no run scheduled"
                else:
                    late = deployment.next_run < now
                    line += (f"; next run {local_time(deployment.next_run, tz)}"
                             + (" (late: is `observatory serve` running?)" if late else ""))
        lines.append(line)
    if view is None:
        lines.append("Prefect server: no Prefect server configured (PREFECT_API_URL unset); "
                     "`prefect server start` and `observatory serve` run the schedule")
    elif view.error:
        lines.append(f"Prefect server: {view.api_url}: {view.error}")
    else:
        lines.append(f"Prefect server: {view.api_url}")
        failure = view.last_failure
        lines.append("  last failure: " + (
            f"{failure.flow_run} ({failure.deployment or 'not a deployment run'}), "
            f"{failure.state}"
            + (f" at {local_time(failure.when, tz)}" if failure.when else "")
            + f": {failure.reason}" if failure else "none"))
    return lines
