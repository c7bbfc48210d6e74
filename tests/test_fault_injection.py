"""Runs killed at any point (SIGKILL) leave the published database and reports as they were,
and the next run completes the work without duplicates.

One clean run publishes a small demo archive; each kill point then gets a copy of that
workspace with a changed archive (every year file differs, so every stage has work to do),
runs `observatory nightly --without-prefect` in a child process with `OBSERVATORY_FAULT` set
(`observatory/faults.py`: the child kills itself with SIGKILL at that checkpoint), checks the
published side, and runs a normal nightly on it. The children run two at a time while this
process runs the recoveries.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import traceback
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import duckdb
import pytest

from observatory import faults
from observatory.config import load_config
from observatory.nightly import run_nightly
from observatory.warehouse import publish
from tests.conftest import REPO, write_config

KILL_POINTS = ("landed", "raw_loaded", "validated", "merged", "study", "publication_staged",
               "reports_rendered", "snapshot_kept")
# Kill points reached while a batch is unsettled: the next run must abandon it and reload.
UNSETTLED_AT = ("landed", "raw_loaded", "validated", "merged")
SMALL = {"years": range(2023, 2025), "n_countries": 30, "n_products": 150,
         "must_include": ("ESP", "FRA", "TUR")}


def write_small_workspace(folder: Path, archive: Path) -> Path:
    """A workspace reading `archive` with a small study (two years, two markets, one
    competitor); returns its configuration file."""
    (folder / "inputs").mkdir(parents=True)
    shutil.copy(archive, folder / "inputs" / archive.name)
    return write_config(folder, baci_paths=["inputs/BACI_*.zip"], first_year=2023,
                        last_year=2024, priority_markets=["ESP", "FRA"], competitors=["TUR"])


def small_archive(folder: Path, seed: int) -> Path:
    from observatory.demo.generate import generate_demo

    return generate_demo(folder, seed=seed, **SMALL)  # type: ignore[arg-type]


def revised_archive(archive: Path, folder: Path) -> Path:
    """The same archive as a later release would revise it: every year file differs (values
    revised up 5 %, one flow in 40 withdrawn), within the partition rule's bounds."""
    out = folder / "baci" / archive.name
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("BACI_") and info.filename.endswith(".csv"):
                lines = data.decode("utf-8").splitlines()
                kept = [lines[0]]
                for n, line in enumerate(lines[1:], start=1):
                    if n % 40 == 0:
                        continue
                    t, i, j, k, v, q = line.split(",")
                    kept.append(",".join([t, i, j, k, f"{float(v) * 1.05:.3f}", q]))
                data = ("\n".join(kept) + "\n").encode("utf-8")
            dst.writestr(info, data)
    return out


def archive_rows(archive: Path) -> dict[int, int]:
    """Rows of each yearly CSV of a BACI archive, counted from the file itself."""
    counts = {}
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            if name.startswith("BACI_") and name.endswith(".csv"):
                lines = io.TextIOWrapper(zf.open(name), encoding="utf-8").readlines()
                counts[int(name.split("_Y")[1][:4])] = len(lines) - 1
    return counts


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reports(report_dir: Path) -> dict[str, str]:
    """What a reader opens: every report file (not the job's hidden staging folders)."""
    return {p.name: _sha(p) for p in sorted(report_dir.iterdir())
            if p.is_file() and not p.name.startswith(".")}


def _published_state(cfg: Any) -> dict[str, Any]:
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        counts = dict(con.execute(
            "select year, count(*) from core.trade_flows group by year").fetchall())
        duplicates = con.execute(
            "select count(*) from (select 1 from core.trade_flows group by source, year, "
            "exporter_iso3, importer_iso3, product_code having count(*) > 1)").fetchone()[0]
        # The ledger rows of the batches core holds (older batches keep their own rows).
        statuses = sorted(r[0] for r in con.execute(
            "select status from ops.load_ledger where batch_id in "
            "(select distinct batch_id from core.trade_flows)").fetchall())
        run_id = con.execute("select run_id from ops.publications "
                             "order by published_at desc limit 1").fetchone()[0]
    with duckdb.connect(str(cfg.warehouse.work), read_only=True) as con:
        work = con.execute(
            "select status, count(*) from ops.load_ledger group by status").fetchall()
    return {"counts": counts, "duplicates": duplicates, "statuses": statuses,
            "run_id": run_id, "work_statuses": dict(work)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("faults")
    first = small_archive(root / "v1", 11)
    second = revised_archive(first, root / "v2")
    base = root / "base"
    cfg = load_config(write_small_workspace(base, first))
    clean = run_nightly(cfg)
    baseline = {"summary": clean, "sha": _sha(cfg.warehouse.published),
                "reports": _reports(cfg.report.dir), "state": _published_state(cfg),
                "first_rows": archive_rows(first), "second_rows": archive_rows(second)}

    workspaces = {}
    for point in KILL_POINTS:
        folder = root / point
        shutil.copytree(base, folder)
        shutil.copy(second, folder / "inputs" / second.name)
        workspaces[point] = load_config(folder / "observatory.toml")

    def kill(point: str) -> dict[str, Any]:
        ws = workspaces[point]
        job = subprocess.run(
            [sys.executable, "-m", "observatory.cli", "--config", str(ws.path), "nightly",
             "--without-prefect"],
            env={**os.environ, faults.ENV_VAR: point}, cwd=REPO, capture_output=True,
            text=True, timeout=300, check=False)
        published = ws.warehouse.published
        return {"point": point, "returncode": job.returncode, "stderr": job.stderr[-3000:],
                "sha": _sha(published) if published.is_file() else None,
                "reports": _reports(ws.report.dir)}

    outcomes: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in as_completed([pool.submit(kill, p) for p in KILL_POINTS]):
            killed = future.result()
            point, ws = killed["point"], workspaces[killed["point"]]
            outcome = outcomes[point] = {"killed": killed}
            if killed["returncode"] != -signal.SIGKILL:
                continue
            try:  # the recovery, in this process while the next children run
                outcome["summary"] = run_nightly(ws)
                outcome["state"] = _published_state(ws)
                outcome["snapshots"] = {s.run_id: _sha(s.path)
                                        for s in publish.list_snapshots(ws.warehouse.published)}
                outcome["leftover_copies"] = sorted(
                    p.name for p in ws.warehouse.published.parent.glob(".*.tmp"))
            except Exception:  # reported by the tests, which name the kill point
                outcome["error"] = traceback.format_exc()
    return {"baseline": baseline, "outcomes": outcomes}


@pytest.mark.slow
def test_the_clean_run_holds_exactly_the_archive(runs: dict[str, Any]) -> None:
    baseline = runs["baseline"]
    assert baseline["summary"]["status"] == "published"
    assert baseline["state"]["counts"] == baseline["first_rows"]
    assert baseline["state"]["duplicates"] == 0
    # The second archive differs in every year, so a killed run had work at every stage.
    assert baseline["second_rows"] != baseline["first_rows"]


@pytest.mark.slow
@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_killed_run_leaves_the_published_database_and_reports(
    runs: dict[str, Any], point: str,
) -> None:
    killed = runs["outcomes"][point]["killed"]
    assert killed["returncode"] == -signal.SIGKILL, killed["stderr"]
    assert killed["sha"] == runs["baseline"]["sha"]
    assert killed["reports"] == runs["baseline"]["reports"]


@pytest.mark.slow
@pytest.mark.parametrize("point", KILL_POINTS)
def test_the_next_run_completes_the_work_without_duplicates(
    runs: dict[str, Any], point: str,
) -> None:
    outcome, baseline = runs["outcomes"][point], runs["baseline"]
    assert "error" not in outcome, outcome.get("error")
    assert "summary" in outcome, "the run was not killed"
    summary, state = outcome["summary"], outcome["state"]
    assert summary["status"] == "published"
    assert state["run_id"] == summary["run_id"]
    # Exactly the second archive's rows, once each, from one published batch per year.
    assert state["counts"] == baseline["second_rows"]
    assert state["duplicates"] == 0
    assert state["statuses"] == ["published"] * len(baseline["second_rows"])
    assert not set(state["work_statuses"]) & {"loading", "loaded", "validated"}
    if point in UNSETTLED_AT:
        assert summary["abandoned_batches"], "the killed run left no unsettled batch"
    # The database the killed run would have replaced is kept, byte for byte.
    assert outcome["snapshots"][baseline["state"]["run_id"]] == baseline["sha"]
    assert outcome["leftover_copies"] == []


def test_every_documented_checkpoint_is_placed_once() -> None:
    sources = "".join(p.read_text(encoding="utf-8")
                      for p in (REPO / "observatory").rglob("*.py"))
    for name in faults.CHECKPOINTS:
        assert sources.count(f'checkpoint("{name}")') == 1, name
    assert set(KILL_POINTS) <= set(faults.CHECKPOINTS)


def test_checkpoint_does_nothing_unless_named(monkeypatch: pytest.MonkeyPatch) -> None:
    kills: list[tuple[int, int]] = []
    # Recorded instead of sent: the test process must live on to tell.
    monkeypatch.setattr(faults.os, "kill", lambda pid, sig: kills.append((pid, sig)))
    monkeypatch.delenv(faults.ENV_VAR, raising=False)
    for name in faults.CHECKPOINTS:
        faults.checkpoint(name)
    assert kills == []
    monkeypatch.setenv(faults.ENV_VAR, "merged")
    faults.checkpoint("landed")  # another checkpoint's name
    faults.checkpoint("merge")  # not the name: no prefix match
    assert kills == []
    faults.checkpoint("merged")
    assert kills == [(os.getpid(), signal.SIGKILL)]
