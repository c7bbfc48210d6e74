"""Publish a run: its copy of the working database, the reports rendered from that copy,
both swapped into place (readers keep the previous ones until then); and the run's record.

A reader never sees a half-written file: the database is copied beside the published one
and renamed over it (`observatory.warehouse.publish`), the reports are rendered into a
staging folder and renamed into `report.dir`, and the report manifest is written last.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb

from observatory.config import Config
from observatory.errors import ConfigError
from observatory.faults import checkpoint
from observatory.report import manifest as report_manifest
from observatory.warehouse import db, descriptions, ledger, publish
from observatory.warehouse.session import work_db

REPORT_FILES = {"fr": ("index.html", "study.html", "study.xlsx", "watch.html", "digest.html"),
                "en": ("index.en.html", "study.en.html", "study.en.xlsx", "watch.en.html",
                       "digest.en.html")}


def stage_publication(cfg: Config, run_id: str, fingerprint: str) -> Path:
    """Mark merged batches published, record the publication, and write the copy."""
    with work_db(cfg) as con:
        con.execute("update ops.load_ledger set status = 'published', published_run = ? "
                    "where status = 'merged'", [run_id])
        # seq orders publications; published_at follows the clock, which can step back.
        con.execute("insert into ops.publications (run_id, fingerprint, published_at, seq) "
                    "select ?, ?, ?, coalesce(max(seq), 0) + 1 from ops.publications",
                    [run_id, fingerprint, ledger.now()])
        # Every table and column described for researchers (COMMENT ON, the data dictionary).
        descriptions.apply_comments(con)
        con.execute("checkpoint")
    return publish.snapshot(cfg.warehouse.work, cfg.warehouse.published, run_id)


def publish_database(cfg: Config, run_id: str, fingerprint: str, langs: tuple[str, ...],
                     render: Callable[..., list[Path]]) -> dict[str, Any]:
    """Copy the working database, render the reports from the copy, then swap both into
    place; until the swap, readers keep the previous database and reports."""
    tmp = stage_publication(cfg, run_id, fingerprint)
    checkpoint("publication_staged")
    staging_dir = cfg.report.dir / f".staging-{run_id}"
    try:
        staged_reports = render(_with_report_dir(cfg, staging_dir), tmp, langs)
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


def _with_report_dir(cfg: Config, directory: Path) -> Config:
    directory.mkdir(parents=True, exist_ok=True)
    return replace(cfg, report=replace(cfg.report, dir=directory))


def render_reports(cfg: Config, snapshot_path: Path, langs: tuple[str, ...],
                   markets: list[str] | None = None) -> list[Path]:
    """Render the reports from a (read-only) published copy: the index, the study report
    and workbook, the watch pages (with `markets`: only those markets' watch pages)."""
    from observatory.report import render_all

    con = duckdb.connect(str(snapshot_path), read_only=True)
    try:
        db.configure(con, cfg.warehouse)
        return render_all(con, cfg.report.dir, langs, top_n=cfg.thresholds.top_products,
                          top_markets=cfg.thresholds.top_markets,
                          top_opportunities=cfg.analysis.top_opportunities, markets=markets,
                          priority=cfg.priority, product_fiches=cfg.report.product_fiches)
    finally:
        con.close()


def render_published_reports(cfg: Config, langs: tuple[str, ...],
                             markets: list[str] | None = None) -> list[Path]:
    """`observatory report`: render the reports again from the published database, into
    report.dir (every report; with `markets`, only those markets' watch pages)."""
    for market in markets or ():
        if market not in cfg.study.priority_markets:
            raise ConfigError(f"--market {market}: not one of study.priority_markets "
                              f"({', '.join(cfg.study.priority_markets)})")
    cfg.report.dir.mkdir(parents=True, exist_ok=True)
    db.open_published(cfg.warehouse.published).close()  # a clear error when there is none
    paths = render_reports(cfg, cfg.warehouse.published, langs, markets=markets)
    recorded = publish.publication(cfg.warehouse.published)
    if recorded is not None:
        report_manifest.write(cfg.report.dir, recorded.run_id, paths, langs)
    return paths


def report_paths(cfg: Config, langs: tuple[str, ...]) -> list[Path]:
    """The reports a reader opens: the index, then the study report and workbook and the
    watch's index and digest when the published run refreshed them."""
    paths = [cfg.report.dir / REPORT_FILES[lang][0] for lang in langs]
    paths += [cfg.report.dir / name for lang in langs for name in REPORT_FILES[lang][1:]
              if (cfg.report.dir / name).is_file()]
    return paths


def finish_run(cfg: Config, run_id: str, status: str, summary: dict[str, Any]) -> Path:
    """Record the run in `ops.runs` and write its JSON summary for `observatory status`."""
    text = json.dumps(summary, indent=2, default=str, ensure_ascii=False)
    with work_db(cfg) as con:
        con.execute("update ops.runs set ended_at = ?, status = ?, summary = ? "
                    "where run_id = ?", [ledger.now(), status, text, run_id])
    return write_run_summary(cfg, run_id, text)


def write_run_summary(cfg: Config, run_id: str, text: str) -> Path:
    cfg.warehouse.runs_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.warehouse.runs_dir / f"{run_id}.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
