"""Publications ordered by sequence, checksummed published files and snapshots, and the
recovery of a damaged working database (`observatory recover`)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from observatory.cli import main
from observatory.config import Config, load_config
from observatory.errors import WarehouseError
from observatory.nightly import run_nightly
from observatory.sqlshell import run_query
from observatory.warehouse import ledger, publish, sql_runner
from tests.test_fault_injection import small_archive, write_small_workspace
from tests.test_rollback import Warehouse

FIRST = "20260101T000000Z-first1"
SECOND = "20260102T000000Z-second"
THIRD = "20260103T000000Z-third1"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _block_offset(path: Path, table: str | None = None) -> int:
    """Where `table`'s first rows (or, without a table, the catalog) are stored in a DuckDB
    file: bytes DuckDB reads, and checks against the block's checksum, when it reads them."""
    with duckdb.connect(str(path), read_only=True) as con:
        block_size = con.execute("select block_size from pragma_database_size()").fetchone()[0]
        if table is None:
            block = con.execute("select min(block_id) from pragma_metadata_info()").fetchone()[0]
            within = 1024
        else:
            block, within = con.execute(
                f"select block_id, min(block_offset) from pragma_storage_info('{table}') "
                "where block_id >= 0 group by block_id order by block_id limit 1").fetchone()
    return 3 * 4096 + block * block_size + within  # after the file's three headers


def _damage(path: Path, at: int | None = None) -> None:
    """Overwrite 4 KiB in the middle of a file (or at `at`), keeping its size."""
    size = path.stat().st_size
    at = size // 2 if at is None else at
    with open(path, "r+b") as fh:
        fh.seek(at)
        fh.write(b"\xde\xad\xbe\xef" * 1024)
    assert path.stat().st_size == size


@pytest.fixture(scope="module")
def published_once(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small workspace after one nightly run (FIRST); tests work on copies of it."""
    root = tmp_path_factory.mktemp("integrity")
    first = small_archive(root / "v1", 11)
    base = root / "base"
    cfg = load_config(write_small_workspace(base, first))
    assert run_nightly(cfg, run_id=FIRST)["status"] == "published"
    return {"base": base}


def _workspace(published_once: dict[str, Path], folder: Path) -> Config:
    shutil.copytree(published_once["base"], folder)
    return load_config(folder / "observatory.toml")


def _changed(cfg: Config) -> Config:
    """The same workspace with another RCA threshold: the next run publishes again."""
    return replace(cfg, thresholds=replace(cfg.thresholds, rca=cfg.thresholds.rca + 0.5))


def _published_section(out: str) -> list[str]:
    return out.split("Published database:", 1)[1].split("Last runs:", 1)[0].splitlines()[1:]


# ------------------------------------------------------------------ publications by sequence


def test_a_clock_stepped_back_does_not_reorder_publications(
    published_once: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = _workspace(published_once, tmp_path / "ws")
    # The second publication is stamped years before the first one.
    monkeypatch.setattr(ledger, "now", lambda: datetime(2001, 1, 1, 3, 0))
    assert run_nightly(_changed(cfg), run_id=SECOND)["status"] == "published"
    capsys.readouterr()

    assert main(["--config", str(cfg.path), "status"]) == 0
    assert f"by run {SECOND}" in capsys.readouterr().out
    # The same inputs again: nothing to publish.
    third = run_nightly(_changed(cfg), run_id=THIRD)
    assert (third["status"], third["published"]) == ("unchanged", False)
    assert [s.run_id for s in publish.list_snapshots(cfg.warehouse.published)] == [FIRST]

    assert main(["--config", str(cfg.path), "rollback", "--to", FIRST]) == 0
    assert f"run {FIRST}'s" in capsys.readouterr().out
    restored = publish.publication(cfg.warehouse.published)
    assert restored is not None and restored.run_id == FIRST
    # The rolled-back database is kept, newest publication first.
    assert [(s.run_id, s.seq) for s in publish.list_snapshots(cfg.warehouse.published)] == [
        (SECOND, 2), (FIRST, 1)]


def test_publications_of_an_older_database_get_their_sequence_in_insertion_order(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema ops")
        con.execute("create table ops.publications (run_id varchar not null, "
                    "fingerprint varchar not null, published_at timestamp not null)")
        # Inserted in this order, with a clock that stepped back for b.
        con.execute("insert into ops.publications values ('a', 'fa', '2026-01-02'), "
                    "('b', 'fb', '2025-06-01'), ('c', 'fc', '2026-01-01')")
    # A file written by the older version: its last publication is the last inserted.
    recorded = publish.publication(path)
    assert recorded is not None and (recorded.run_id, recorded.seq) == ("c", 3)
    with duckdb.connect(str(path)) as con:
        runs_sql = sql_runner.SQL_DIR / "ops" / "040_runs.sql"
        sql_runner.apply_file(con, runs_sql)
        sql_runner.apply_file(con, runs_sql)  # re-run: unchanged
        rows = con.execute("select run_id, seq from ops.publications order by seq").fetchall()
    assert rows == [("a", 1), ("b", 2), ("c", 3)]


# ------------------------------------------------------------------ checksummed publications


def test_a_damaged_published_file_is_not_kept_and_prunes_no_good_snapshot(
    tmp_path: Path,
) -> None:
    wh = Warehouse(tmp_path, keep=2)
    for day, run_id in enumerate(("r1", "r2", "r3"), start=1):
        assert wh.publish(run_id, day) is None
    good = {s.run_id: _sha(s.path) for s in publish.list_snapshots(wh.published)}
    assert list(good) == ["r2", "r1"]

    _damage(wh.published, _block_offset(wh.published, "ops.publications"))
    problem = wh.publish("r4", 4)

    assert {s.run_id: _sha(s.path) for s in publish.list_snapshots(wh.published)} == good
    assert _sha(wh.published) == wh.shas["r4"]
    assert problem is not None and "\n" not in problem
    assert str(wh.published) in problem and "not kept as a snapshot" in problem
    manifest = json.loads(wh.published.with_name(wh.published.name + ".sha256").read_text())
    assert (manifest["sha256"], manifest["size"], manifest["run_id"], manifest["seq"]) == (
        wh.shas["r4"], wh.published.stat().st_size, "r4", 4)
    # The next publication keeps r4's database (intact) as usual.
    assert wh.publish("r5", 5) is None
    assert wh.snapshots() == ["r4", "r2"]


def test_rollback_refuses_a_damaged_snapshot(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path, keep=3)
    for day, run_id in enumerate(("r1", "r2", "r3"), start=1):
        wh.publish(run_id, day)
    snap = next(s.path for s in publish.list_snapshots(wh.published) if s.run_id == "r1")
    _damage(snap, _block_offset(snap, "ops.publications"))
    before = _sha(wh.published)

    with pytest.raises(WarehouseError) as refused:
        publish.roll_back(wh.published, keep=3, to="r1")
    message = str(refused.value)
    assert str(snap) in message and "\n" not in message and "damaged" in message
    assert _sha(wh.published) == before
    assert not list(wh.published.parent.glob(".*.tmp"))
    # An intact snapshot is still restored.
    assert publish.roll_back(wh.published, keep=3, to="r2").restored.run_id == "r2"
    assert _sha(wh.published) == wh.shas["r2"]


def test_status_and_sql_on_a_damaged_published_file(
    published_once: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = _workspace(published_once, tmp_path / "ws")
    published, config = cfg.warehouse.published, str(cfg.path)
    _damage(published)

    assert main(["--config", config, "status"]) == 0
    captured = capsys.readouterr()
    section = _published_section(captured.out)
    assert len(section) == 1, captured.out
    assert "damaged" in section[0] and "`observatory rollback`" in section[0]
    assert "Traceback" not in captured.out + captured.err

    assert main(["--config", config, "sql", "select 1 as n"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("observatory: error: ") and err.count("\n") == 1
    assert str(published) in err and "damaged" in err


def test_an_intact_published_file_touched_or_without_manifest_is_accepted(
    published_once: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = _workspace(published_once, tmp_path / "ws")
    published = cfg.warehouse.published
    stat = published.stat()
    os.utime(published, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # the same bytes
    assert run_query(published, "select 1 as n")[1] == [(1,)]
    # A file an older version published (no manifest) is accepted as it is...
    published.with_name(published.name + ".sha256").unlink(missing_ok=True)
    assert run_query(published, "select 1 as n")[1] == [(1,)]
    assert main(["--config", str(cfg.path), "status"]) == 0
    assert f"by run {FIRST}" in capsys.readouterr().out
    # ...but, unreadable, status says so in one line instead of a traceback.
    _damage(published, 0)
    assert main(["--config", str(cfg.path), "status"]) == 0
    section = _published_section(capsys.readouterr().out)
    assert len(section) == 1 and "cannot be read" in section[0]
    assert "`observatory rollback`" in section[0]


# ------------------------------------------------------------------ a damaged working database


def _history(work: Path) -> dict[str, Any]:
    with duckdb.connect(str(work), read_only=True) as con:
        return {
            "alerts": con.execute("select alert_key, raised_run, raised_at from ops.alerts "
                                  "order by alert_key").fetchall(),
            "studies": con.execute("select study_id, run_id, refreshed_at "
                                   "from ops.study_versions order by all").fetchall(),
            # A first publication states the situation instead of raising change alerts.
            "baselines": con.execute("select rule, market_iso3, run_id, established_at "
                                     "from ops.alert_baselines order by all").fetchall(),
        }


@pytest.mark.parametrize("where", ["catalog", "ledger rows"])
def test_a_damaged_working_database_is_recovered_from_the_published_one(
    published_once: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    where: str,
) -> None:
    cfg = _workspace(published_once, tmp_path / "ws")
    work, config = cfg.warehouse.work, str(cfg.path)
    history = _history(work)
    assert (history["alerts"] or history["baselines"]) and history["studies"]
    _damage(work, _block_offset(work, None if where == "catalog" else "ops.load_ledger"))
    capsys.readouterr()

    assert main(["--config", config, "nightly", "--without-prefect"]) == 1
    # The steps' progress lines, then the error in one line.
    err = "".join(line for line in capsys.readouterr().err.splitlines(keepends=True)
                  if not line.startswith("step "))
    assert err.startswith("observatory: error: ") and err.count("\n") == 1, err
    assert str(work) in err and "`observatory recover`" in err and "damaged" in err
    damaged_sha = _sha(work)

    assert main(["--config", config, "recover"]) == 0
    out = capsys.readouterr().out
    aside = list(work.parent.glob(f"{work.name}.damaged-*"))
    assert len(aside) == 1 and str(aside[0]) in out
    assert _sha(aside[0]) == damaged_sha  # moved aside, never deleted
    assert FIRST in out and "the next run loads again" in out
    assert _sha(work) == _sha(cfg.warehouse.published)

    assert main(["--config", config, "nightly", "--without-prefect"]) == 0
    capsys.readouterr()
    # The history of the first run is still there; no alert was raised again as new.
    assert _history(work) == history


def test_recover_refuses_a_damaged_published_file_and_takes_a_snapshot(
    published_once: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = _workspace(published_once, tmp_path / "ws")
    work, published, config = cfg.warehouse.work, cfg.warehouse.published, str(cfg.path)
    assert run_nightly(_changed(cfg), run_id=SECOND)["status"] == "published"
    first_sha = _sha(next(s.path for s in publish.list_snapshots(published)))
    _damage(published)
    _damage(work, _block_offset(work, None))
    work_sha = _sha(work)
    capsys.readouterr()

    assert main(["--config", config, "recover"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(published) in err and "--from" in err
    assert _sha(work) == work_sha  # nothing moved

    assert main(["--config", config, "recover", "--from", FIRST]) == 0
    assert f"run {FIRST}'s" in capsys.readouterr().out
    assert _sha(work) == first_sha
