"""The nightly job's order of stages, independent of the orchestrator.

`run_nightly` wires the stages of `observatory.pipeline`; `flows/nightly.py` passes the same
functions wrapped as Prefect tasks (retries on I/O only), tests pass them plain.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from observatory import pipeline
from observatory.config import Config
from observatory.errors import SourceError
from observatory.faults import checkpoint
from observatory.orchestration import SEQUENTIAL, Fetches
from observatory.report import manifest as report_manifest
from observatory.validation import gate
from observatory.warehouse import publish


def run_nightly(
    cfg: Config,
    *,
    steps: Steps | None = None,
    langs: tuple[str, ...] | None = None,
    run_id: str | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """ingest → validate → transform → indicators (marts, study, watch) → report → publish;
    returns the summary. `as_of`: the date the watch counts deadlines from (default today,
    UTC)."""
    steps = steps or Steps()
    run_id = run_id or pipeline.new_run_id()
    langs = langs or (cfg.report.language,)
    started = datetime.now(UTC)
    summary: dict[str, Any] = {
        "run_id": run_id,
        "started_at": started.isoformat(timespec="seconds"),
        "config": str(cfg.path),
        "home": cfg.study.home,
        "years": [cfg.study.first_year, cfg.study.last_year],
    }
    pipeline.check_writable_places(cfg)
    with publish.run_lock(cfg.warehouse.work), pipeline.run_database(cfg):
        gate.warm_up()
        prepared = steps.prepare_warehouse(cfg, run_id)
        _aftermath(summary, prepared)

        # ingest
        inputs: list[pipeline.InputOutcome] = []
        archives = pipeline.discover_baci(cfg)
        if cfg.baci.enabled and not archives:
            inputs.append(pipeline.InputOutcome(
                "baci", ", ".join(cfg.baci.paths), "failed",
                message="no BACI archive matches sources.baci.paths"))
        for archive in archives:
            try:
                inputs.extend(steps.ingest_baci_archive(cfg, run_id, archive))
            except SourceError as exc:
                inputs.append(pipeline.InputOutcome("baci", archive.name, "failed",
                                                    message=str(exc)))

        # The API sources: fetched through steps.fetches (in parallel in the flow), loaded
        # here in plan order; this process is the warehouse's only writer.
        inputs.extend(steps.ingest_comtrade(cfg, run_id, steps.fetches))
        inputs.extend(steps.ingest_eping(cfg, run_id, steps.fetches))
        # Regulatory files: saved ePing answers, RASFF exports, WITS tariff answers.
        for paths, ingest_one in ((cfg.eping.files, pipeline.ingest_eping_file),
                                  (cfg.rasff.paths, pipeline.ingest_rasff_file),
                                  (cfg.tariffs.paths, pipeline.ingest_tariff_file)):
            for path in pipeline.discover(cfg, paths):
                inputs.append(steps.ingest_regulatory_file(ingest_one, cfg, run_id, path))
        inputs.extend(pipeline.fetch_wits_tariffs(cfg, run_id, steps.fetches))
        inputs.extend(pipeline.ingest_feeds(cfg, run_id, steps.fetches))

        # validate, then transform what passed
        verdicts = []
        gates = {"baci": (steps.validate_baci_batch, steps.merge_baci_batch),
                 "comtrade": (steps.validate_comtrade_batch, steps.merge_comtrade_batch),
                 "eping": (steps.validate_eping_batch, steps.merge_eping_batch),
                 "rasff": (pipeline.validate_rasff_batch, pipeline.merge_rasff_batch),
                 "wits": (pipeline.validate_tariff_batch, pipeline.merge_tariff_batch),
                 "feeds": (pipeline.validate_feed_batch, pipeline.merge_feed_batch)}
        for outcome in inputs:
            if outcome.status != "loaded":
                continue
            validate, merge = gates[outcome.source]
            verdict = validate(cfg, run_id, outcome)
            verdicts.append(verdict)
            if verdict.passed:
                merge(cfg, run_id, outcome).apply(outcome)
            else:
                outcome.status = "rejected"
                if outcome.source == "comtrade" and outcome.batch_id:
                    pipeline.reopen_comtrade_request(
                        cfg, outcome.batch_id,
                        f"rejected by validation ({verdict.rows_rejected} row(s) quarantined)")
        _conclude(cfg, steps, run_id, prepared, inputs, verdicts, langs, summary, as_of)
    return summary


# Profiles of `observatory ingest file` handled by their own connectors: WITS SDMX-JSON
# tariff answers, and the EU RASFF portal's notification exports.
TARIFF_PROFILE = "wits_tariffs"
RASFF_PROFILE = "rasff"


def run_file_ingest(
    cfg: Config,
    path: Path,
    profile_name: str,
    *,
    steps: Steps | None = None,
    langs: tuple[str, ...] | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """`observatory ingest file`: one analyst's file through the same gate, then publish."""
    steps = steps or Steps()
    run_id = pipeline.new_run_id()
    langs = langs or (cfg.report.language,)
    summary: dict[str, Any] = {
        "run_id": run_id, "kind": "ingest file",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": str(cfg.path), "home": cfg.study.home,
        "years": [cfg.study.first_year, cfg.study.last_year],
    }
    stages = {
        # kind: (ingest, validate, merge)
        "trade": (lambda run: pipeline.ingest_file(cfg, run, path, profile_name),
                  pipeline.validate_file_batch, pipeline.merge_file_batch),
        TARIFF_PROFILE: (lambda run: pipeline.ingest_tariff_file(cfg, run, path),
                         pipeline.validate_tariff_batch, pipeline.merge_tariff_batch),
        RASFF_PROFILE: (lambda run: pipeline.ingest_rasff_file(cfg, run, path),
                        pipeline.validate_rasff_batch, pipeline.merge_rasff_batch),
    }
    profile = cfg.profiles.get(profile_name)
    if profile is not None and profile.kind == "tariffs":
        stages[profile_name] = (
            lambda run: pipeline.ingest_tariff_profile_file(cfg, run, path, profile_name),
            pipeline.validate_tariff_batch, pipeline.merge_tariff_batch)
    ingest, validate, merge = stages.get(profile_name, stages["trade"])
    pipeline.check_writable_places(cfg)
    with publish.run_lock(cfg.warehouse.work), pipeline.run_database(cfg):
        gate.warm_up()
        prepared = steps.prepare_warehouse(cfg, run_id)
        _aftermath(summary, prepared)
        outcome = ingest(run_id)
        verdicts = []
        if outcome.status == "loaded":
            verdict = validate(cfg, run_id, outcome)
            verdicts.append(verdict)
            if verdict.passed:
                merge(cfg, run_id, outcome).apply(outcome)
            else:
                outcome.status = "rejected"
        _conclude(cfg, steps, run_id, prepared, [outcome], verdicts, langs, summary, as_of)
    return summary


def _conclude(
    cfg: Config,
    steps: Steps,
    run_id: str,
    prepared: dict[str, Any],
    inputs: list[pipeline.InputOutcome],
    verdicts: list[pipeline.BatchVerdict],
    langs: tuple[str, ...],
    summary: dict[str, Any],
    as_of: date | None,
) -> None:
    """Indicators, report and publish when what would be published changed; then the run
    summary."""
    summary["inputs"] = [asdict(i) for i in inputs]
    summary["validation"] = [asdict(v) for v in verdicts]
    as_of = as_of or datetime.now(UTC).date()
    summary["as_of"] = as_of.isoformat()
    fingerprint = pipeline.publication_fingerprint(cfg, prepared["ref_fingerprint"])
    current = publish.published_fingerprint(cfg.warehouse.published)
    # A working database never refreshed (e.g. rebuilt beside an existing publication)
    # takes the full path even when the fingerprints match.
    refreshed = pipeline.refresh_state(cfg, "trade") is not None
    if fingerprint == current and refreshed:
        # A quiet night: only the date-dependent watch (deadlines, recent notifications);
        # republish when it raises or clears an alert.
        watch = _watch_summary(steps.refresh_watch(cfg, run_id, as_of, trade=False))
        alerts = watch["alerts"]
        if sum(alerts["raised"].values()) or alerts["cleared"]:
            summary["watch"] = watch
            summary.update(steps.publish_database(cfg, run_id, fingerprint, langs,
                                                  steps.render_reports))
        else:
            summary.update(published=False, reason="inputs and models unchanged")
            stale = rerender_stale_reports(cfg, langs, steps.render_reports)
            if stale:
                summary["reports_rerendered"] = stale
    else:
        trade = pipeline.trade_fingerprint(cfg, prepared["ref_fingerprint"])
        changed = trade != pipeline.refresh_state(cfg, "trade")
        if changed:
            summary["marts"] = steps.build_marts(cfg)
            summary["study"] = _study_summary(steps.refresh_study(cfg, run_id))
        else:
            summary["study"] = {"skipped": "trade inputs, models and parameters unchanged"}
        summary["watch"] = _watch_summary(steps.refresh_watch(cfg, run_id, as_of,
                                                              trade=changed))
        if changed:
            pipeline.record_refresh_state(cfg, "trade", trade, run_id)
        summary.update(steps.publish_database(cfg, run_id, fingerprint, langs,
                                              steps.render_reports))
    summary["published_path"] = str(cfg.warehouse.published)
    summary["report_paths"] = [str(p) for p in report_paths(cfg, langs)]
    summary["status"] = run_status(inputs, summary["published"])
    summary["ended_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    summary["summary_path"] = str(
        pipeline.finish_run(cfg, run_id, summary["status"], summary)
    )


def run_refresh(
    cfg: Config,
    what: tuple[str, ...] = ("study", "watch"),
    *,
    steps: Steps | None = None,
    langs: tuple[str, ...] | None = None,
    run_id: str | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """`observatory study` (what = ("study",)) and `observatory watch` (("watch",)): a
    refresh alone on the data already in the warehouse, then reports and publish; nothing
    is ingested."""
    steps = steps or Steps()
    run_id = run_id or pipeline.new_run_id()
    langs = langs or (cfg.report.language,)
    as_of = as_of or datetime.now(UTC).date()
    summary: dict[str, Any] = {
        "run_id": run_id, "kind": " + ".join(what),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": str(cfg.path), "home": cfg.study.home,
        "years": [cfg.study.first_year, cfg.study.last_year], "as_of": as_of.isoformat(),
    }
    pipeline.check_writable_places(cfg)
    with publish.run_lock(cfg.warehouse.work), pipeline.run_database(cfg):
        prepared = steps.prepare_warehouse(cfg, run_id)
        _aftermath(summary, prepared)
        summary["inputs"], summary["validation"] = [], []
        summary["marts"] = steps.build_marts(cfg)  # the watch reads them too (mirror flags)
        if "study" in what:
            summary["study"] = _study_summary(steps.refresh_study(cfg, run_id))
        if "watch" in what:
            summary["watch"] = _watch_summary(steps.refresh_watch(cfg, run_id, as_of))
        if set(what) >= {"study", "watch"}:
            pipeline.record_refresh_state(
                cfg, "trade", pipeline.trade_fingerprint(cfg, prepared["ref_fingerprint"]),
                run_id)
        fingerprint = pipeline.publication_fingerprint(cfg, prepared["ref_fingerprint"])
        summary.update(steps.publish_database(cfg, run_id, fingerprint, langs,
                                              steps.render_reports))
        summary["published_path"] = str(cfg.warehouse.published)
        summary["report_paths"] = [str(p) for p in report_paths(cfg, langs)]
        summary["status"] = "published"
        summary["ended_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        summary["summary_path"] = str(
            pipeline.finish_run(cfg, run_id, summary["status"], summary))
    return summary


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


def publish_database(
    cfg: Config,
    run_id: str,
    fingerprint: str,
    langs: tuple[str, ...],
    render: Callable[..., list[Path]],
) -> dict[str, Any]:
    """Snapshot the working database, render the reports from the snapshot, then swap both
    into place; until the swap, readers keep the previous database and reports."""
    tmp = pipeline.stage_publication(cfg, run_id, fingerprint)
    checkpoint("publication_staged")
    staging_dir = cfg.report.dir / f".staging-{run_id}"
    try:
        staged_cfg = _with_report_dir(cfg, staging_dir)
        staged_reports = render(staged_cfg, tmp, langs)
        checkpoint("reports_rendered")
        # One line when the database replaced was damaged (and so not kept as a snapshot).
        not_kept = publish.replace_published(tmp, cfg.warehouse.published,
                                             cfg.warehouse.keep_snapshots)
        checkpoint("database_swapped")
        _swap_reports(cfg, run_id, staged_reports, langs)
    finally:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(staging_dir, ignore_errors=True)
    return {"published": True, **({"snapshot_not_kept": not_kept} if not_kept else {})}


def _swap_reports(cfg: Config, run_id: str, staged: list[Path], langs: tuple[str, ...]) -> None:
    """Move rendered reports into report.dir, then record which publication they show (the
    manifest last: a run killed before it renders them again next time)."""
    for path in staged:
        os.replace(path, cfg.report.dir / path.name)
    report_manifest.write(cfg.report.dir, run_id, [cfg.report.dir / p.name for p in staged],
                          langs)


def rerender_stale_reports(cfg: Config, langs: tuple[str, ...],
                           render: Callable[..., list[Path]]) -> str | None:
    """Render the reports again from the published database when they are not its own (a
    run killed between the database swap and the report swap, a report deleted); returns
    why, or None when they were current."""
    recorded = publish.publication(cfg.warehouse.published)
    published_run = recorded.run_id if recorded else None
    reason = report_manifest.stale(cfg.report.dir, published_run, langs)
    if reason is None or published_run is None:
        return None
    staging_dir = cfg.report.dir / f".staging-rerender-{published_run}"
    try:
        staged = render(_with_report_dir(cfg, staging_dir), cfg.warehouse.published, langs)
        _swap_reports(cfg, published_run, staged, langs)
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
    return reason


@dataclass(frozen=True)
class Steps:
    """The callables of each stage (identity wrappers by default), and how the network
    fetches run."""

    prepare_warehouse: Callable[..., dict[str, Any]] = pipeline.prepare_warehouse
    ingest_baci_archive: Callable[..., list[pipeline.InputOutcome]] = (
        pipeline.ingest_baci_archive
    )
    validate_baci_batch: Callable[..., pipeline.BatchVerdict] = pipeline.validate_baci_batch
    merge_baci_batch: Callable[..., pipeline.MergeResult] = pipeline.merge_baci_batch
    ingest_comtrade: Callable[..., list[pipeline.InputOutcome]] = pipeline.ingest_comtrade
    validate_comtrade_batch: Callable[..., pipeline.BatchVerdict] = (
        pipeline.validate_comtrade_batch
    )
    merge_comtrade_batch: Callable[..., pipeline.MergeResult] = pipeline.merge_comtrade_batch
    ingest_eping: Callable[..., list[pipeline.InputOutcome]] = pipeline.ingest_eping
    validate_eping_batch: Callable[..., pipeline.BatchVerdict] = pipeline.validate_eping_batch
    merge_eping_batch: Callable[..., pipeline.MergeResult] = pipeline.merge_eping_batch
    ingest_regulatory_file: Callable[..., pipeline.InputOutcome] = (
        lambda ingest_one, cfg, run_id, path: ingest_one(cfg, run_id, path)
    )
    build_marts: Callable[..., dict[str, int]] = pipeline.build_marts
    refresh_study: Callable[..., dict[str, Any]] = pipeline.refresh_study
    refresh_watch: Callable[..., dict[str, Any]] = pipeline.refresh_watch
    render_reports: Callable[..., list[Path]] = pipeline.render_reports
    publish_database: Callable[..., dict[str, Any]] = publish_database
    # How the API sources' fetches run: one at a time, when their results are asked for.
    fetches: Fetches = SEQUENTIAL


def _with_report_dir(cfg: Config, directory: Path) -> Config:
    from dataclasses import replace

    directory.mkdir(parents=True, exist_ok=True)
    return replace(cfg, report=replace(cfg.report, dir=directory))


def report_paths(cfg: Config, langs: tuple[str, ...]) -> list[Path]:
    """The reports a reader opens: the index, then the study report and workbook and the
    watch's index and digest when the published run refreshed them."""
    names = {"fr": ("index.html", "study.html", "study.xlsx", "watch.html", "digest.html"),
             "en": ("index.en.html", "study.en.html", "study.en.xlsx", "watch.en.html",
                    "digest.en.html")}
    paths = [cfg.report.dir / names[lang][0] for lang in langs]
    paths += [cfg.report.dir / name for lang in langs for name in names[lang][1:]
              if (cfg.report.dir / name).is_file()]
    return paths


def run_status(inputs: list[pipeline.InputOutcome], published: bool) -> str:
    if any(i.status in ("failed", "rejected", "refused") for i in inputs):
        return "completed_with_rejections"
    return "published" if published else "unchanged"
