"""The job: the nightly run, one file's ingest, and a refresh alone, each following the plan
(`observatory.plan.STEPS`) over the registered sources (`observatory.sources.registry`).

Every step goes through a `Runner`: `plan.direct` calls it (tests, `--without-prefect`); the
Prefect flow (`observatory.orchestration.flows`) runs it as the task of the same name.
Network fetches go through `fetches` (one at a time here; tasks on threads or Dask workers
in the flow); this process stays the warehouse's only writer.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from observatory import plan, progress
from observatory.config import Config
from observatory.fabric.refresh import refresh_fabric
from observatory.orchestration import SEQUENTIAL, Fetches
from observatory.sources import registry
from observatory.sources.base import BatchVerdict, InputOutcome, RunContext
from observatory.stages import indicators, publication
from observatory.stages.prepare import check_writable_places, new_run_id, prepare_warehouse
from observatory.validation import gate
from observatory.warehouse import publish
from observatory.warehouse.session import run_database

__all__ = ["new_run_id", "run_file_ingest", "run_nightly", "run_refresh", "run_status"]


def run_nightly(
    cfg: Config,
    *,
    runner: plan.Runner = plan.direct,
    fetches: Fetches = SEQUENTIAL,
    langs: tuple[str, ...] | None = None,
    run_id: str | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """ingest → validate → merge, source by source, then indicators (marts, study, watch)
    → report → publish; returns the summary. `as_of`: the date the watch counts deadlines
    from (default today, UTC)."""
    runner = progress.wrap(runner)  # one line per step, started and done, on stderr
    run_id = run_id or new_run_id()
    as_of = as_of or datetime.now(UTC).date()
    langs = langs or (cfg.report.language,)
    summary = _summary(cfg, run_id, "nightly", as_of)
    check_writable_places(cfg)
    with publish.run_lock(cfg.warehouse.work), run_database(cfg):
        gate.warm_up()
        prepared = runner("prepare_warehouse", prepare_warehouse, cfg, run_id, as_of)
        _aftermath(summary, prepared)
        run = RunContext(cfg, run_id, fetches)
        inputs: list[InputOutcome] = []
        for source in registry.sources():
            step = "fetch_and_ingest" if source.needs_fetches(cfg) else "ingest"
            inputs += runner(step, source.ingest, run, label=source.name)
        verdicts = _gate_and_merge(runner, run, inputs)
        _conclude(cfg, runner, run_id, prepared, inputs, verdicts, langs, summary, as_of)
    return summary


def run_file_ingest(
    cfg: Config,
    path: Path,
    profile: str,
    *,
    runner: plan.Runner = plan.direct,
    langs: tuple[str, ...] | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """`observatory ingest file`: one file through the source its profile names (an
    analyst's file, a RASFF export, a WITS answer), the same gate, then publish."""
    source = registry.for_profile(cfg, profile)
    runner = progress.wrap(runner)  # one line per step, started and done, on stderr
    run_id = new_run_id()
    as_of = as_of or datetime.now(UTC).date()
    langs = langs or (cfg.report.language,)
    summary = _summary(cfg, run_id, "ingest file", as_of)
    check_writable_places(cfg)
    with publish.run_lock(cfg.warehouse.work), run_database(cfg):
        gate.warm_up()
        prepared = runner("prepare_warehouse", prepare_warehouse, cfg, run_id, as_of)
        _aftermath(summary, prepared)
        run = RunContext(cfg, run_id)
        outcome = runner("ingest", source.ingest_file, run, path, profile, label=path.name)
        verdicts = _gate_and_merge(runner, run, [outcome])
        _conclude(cfg, runner, run_id, prepared, [outcome], verdicts, langs, summary, as_of)
    return summary


def run_refresh(
    cfg: Config,
    what: tuple[str, ...] = ("study", "watch"),
    *,
    runner: plan.Runner = plan.direct,
    langs: tuple[str, ...] | None = None,
    run_id: str | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """`observatory study` (what = ("study",)) and `observatory watch` (("watch",)): a
    refresh alone on the data already in the warehouse, then reports and publish; nothing
    is ingested."""
    runner = progress.wrap(runner)  # one line per step, started and done, on stderr
    run_id = run_id or new_run_id()
    langs = langs or (cfg.report.language,)
    as_of = as_of or datetime.now(UTC).date()
    summary = _summary(cfg, run_id, " + ".join(what), as_of)
    check_writable_places(cfg)
    with publish.run_lock(cfg.warehouse.work), run_database(cfg):
        prepared = runner("prepare_warehouse", prepare_warehouse, cfg, run_id, as_of)
        _aftermath(summary, prepared)
        summary["inputs"], summary["validation"] = [], []
        # the watch reads the trade marts too (mirror flags)
        summary["marts"] = runner("build_marts", indicators.build_marts, cfg)
        summary["coverage"] = indicators.coverage_lines(cfg)
        if "study" in what:
            summary["study"] = _study_summary(
                runner("refresh_study", indicators.refresh_study, cfg, run_id))
        if "watch" in what:
            summary["watch"] = _watch_summary(
                runner("refresh_watch", indicators.refresh_watch, cfg, run_id, as_of))
        if "study" in what:
            summary["fabric"] = runner("refresh_fabric", refresh_fabric, cfg, run_id)
        if set(what) >= {"study", "watch"}:
            indicators.record_refresh_state(
                cfg, "trade", indicators.trade_fingerprint(cfg, prepared["ref_fingerprint"]),
                run_id)
        fingerprint = indicators.publication_fingerprint(cfg, prepared["ref_fingerprint"])
        summary.update(runner("publish_database", publication.publish_database, cfg, run_id,
                              fingerprint, langs, _render(runner)))
        summary["published_path"] = str(cfg.warehouse.published)
        summary["report_paths"] = [str(p) for p in publication.report_paths(cfg, langs)]
        summary["status"] = "published"
        summary["ended_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        summary["summary_path"] = str(
            publication.finish_run(cfg, run_id, summary["status"], summary))
    return summary


def _gate_and_merge(runner: plan.Runner, run: RunContext, inputs: list[InputOutcome]
                    ) -> list[BatchVerdict]:
    """Each loaded batch through its source's gate, and what passed into core."""
    verdicts = []
    for outcome in inputs:
        if outcome.status != "loaded":
            continue
        source = registry.handler(outcome)
        verdict = runner("validate", source.validate, run, outcome, label=outcome.file_name)
        verdicts.append(verdict)
        if verdict.passed:
            runner("merge", source.merge, run, outcome, label=outcome.file_name).apply(outcome)
        else:
            outcome.status = "rejected"
    return verdicts


def _conclude(cfg: Config, runner: plan.Runner, run_id: str, prepared: dict[str, Any],
              inputs: list[InputOutcome], verdicts: list[BatchVerdict],
              langs: tuple[str, ...], summary: dict[str, Any], as_of: date) -> None:
    """Indicators, report and publish when what would be published changed; then the run
    summary."""
    summary["inputs"] = [asdict(i) for i in inputs]
    summary["validation"] = [asdict(v) for v in verdicts]
    fingerprint = indicators.publication_fingerprint(cfg, prepared["ref_fingerprint"])
    current = publish.published_fingerprint(cfg.warehouse.published)
    render = _render(runner)
    # A working database never refreshed (e.g. rebuilt beside an existing publication)
    # takes the full path even when the fingerprints match.
    refreshed = indicators.refresh_state(cfg, "trade") is not None
    if fingerprint == current and refreshed:
        # A quiet night: only the date-dependent watch (deadlines, recent notifications);
        # republish when it raises or clears an alert.
        watch = _watch_summary(runner("refresh_watch", indicators.refresh_watch, cfg, run_id,
                                      as_of, False))
        alerts = watch["alerts"]
        if sum(alerts["raised"].values()) or alerts["cleared"]:
            summary["watch"] = watch
            summary.update(runner("publish_database", publication.publish_database, cfg,
                                  run_id, fingerprint, langs, render))
        else:
            summary.update(published=False, reason="inputs and models unchanged")
            stale = publication.rerender_stale_reports(cfg, langs, render)
            if stale:
                summary["reports_rerendered"] = stale
    else:
        trade = indicators.trade_fingerprint(cfg, prepared["ref_fingerprint"])
        changed = trade != indicators.refresh_state(cfg, "trade")
        if changed:
            summary["marts"] = runner("build_marts", indicators.build_marts, cfg)
            summary["coverage"] = indicators.coverage_lines(cfg)
            summary["study"] = _study_summary(
                runner("refresh_study", indicators.refresh_study, cfg, run_id))
        else:
            summary["study"] = {"skipped": "trade inputs, models and parameters unchanged"}
        summary["watch"] = _watch_summary(runner("refresh_watch", indicators.refresh_watch,
                                                 cfg, run_id, as_of, changed))
        if changed:
            indicators.record_refresh_state(cfg, "trade", trade, run_id)
        summary["fabric"] = runner("refresh_fabric", refresh_fabric, cfg, run_id)
        summary.update(runner("publish_database", publication.publish_database, cfg, run_id,
                              fingerprint, langs, render))
    summary["published_path"] = str(cfg.warehouse.published)
    summary["report_paths"] = [str(p) for p in publication.report_paths(cfg, langs)]
    summary["status"] = run_status(inputs, summary["published"])
    summary["ended_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    summary["summary_path"] = str(
        publication.finish_run(cfg, run_id, summary["status"], summary))


def _render(runner: plan.Runner) -> Any:
    """The render step as the publication calls it (through the runner)."""
    def render(cfg: Config, snapshot: Path, langs: tuple[str, ...],
               markets: list[str] | None = None) -> list[Path]:
        return runner("render_reports", publication.render_reports, cfg, snapshot, langs,
                      markets)
    return render


def _summary(cfg: Config, run_id: str, kind: str, as_of: date) -> dict[str, Any]:
    return {"run_id": run_id, "kind": kind,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "config": str(cfg.path), "home": cfg.study.home,
            "years": [cfg.study.first_year, cfg.study.last_year], "as_of": as_of.isoformat()}


def _aftermath(summary: dict[str, Any], prepared: dict[str, Any]) -> None:
    """What the run settled of runs killed before it (in its summary)."""
    summary["abandoned_batches"] = prepared["abandoned_batches"]
    for key in ("abandoned_runs", "publications_withdrawn", "leftovers_removed"):
        if prepared.get(key):
            summary[key] = prepared[key]


def _watch_summary(outcome: dict[str, Any]) -> dict[str, Any]:
    """What the run summary keeps of a watch refresh: alerts raised/cleared/open, seconds."""
    return {"alerts": outcome["alerts"], "seconds": outcome["seconds"]}


def _study_summary(outcome: dict[str, Any]) -> dict[str, Any]:
    """What the run summary keeps of a study refresh: version, changes, seconds per step,
    the complexity years recomputed and reused."""
    version = outcome["version"]
    return {"study_id": version["study_id"], "new_version": version["new_version"],
            "previous_id": version["previous_id"], "changes": version["changes"],
            "seconds": outcome["seconds"], "notes": outcome["notes"],
            "complexity": outcome.get("complexity", {})}


def run_status(inputs: list[InputOutcome], published: bool) -> str:
    if any(i.status in ("failed", "rejected", "refused") for i in inputs):
        return "completed_with_rejections"
    return "published" if published else "unchanged"
