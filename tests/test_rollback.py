"""Snapshots of the published database (`warehouse.keep_snapshots`) and `observatory rollback`."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from observatory.cli import main
from observatory.config import load_config
from observatory.errors import ConfigError, WarehouseError
from observatory.nightly import run_nightly
from observatory.warehouse import publish
from tests.test_fault_injection import (
    archive_rows,
    revised_archive,
    small_archive,
    write_small_workspace,
)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Warehouse:
    """A tiny working database whose publications are recorded as the job records them."""

    def __init__(self, folder: Path, keep: int = 3) -> None:
        self.work = folder / "work.duckdb"
        self.published = folder / "observatory.duckdb"
        self.keep = keep
        self.shas: dict[str, str] = {}
        with duckdb.connect(str(self.work)) as con:
            con.execute("create schema ops")
            con.execute("create table ops.publications (run_id varchar, fingerprint varchar, "
                        "published_at timestamp, seq bigint)")

    def publish(self, run_id: str, day: int) -> str | None:
        """Publish as the job does; returns what the publication reports (a published file
        not kept as a snapshot because it no longer matches its checksum), if anything."""
        with duckdb.connect(str(self.work)) as con:
            con.execute("insert into ops.publications select ?, ?, ?, coalesce(max(seq), 0) + 1 "
                        "from ops.publications", [run_id, f"fp-{run_id}", datetime(2026, 1, day)])
        tmp = publish.snapshot(self.work, self.published, run_id)
        problem = publish.replace_published(tmp, self.published, self.keep)
        self.shas[run_id] = _sha(self.published)
        return problem

    def snapshots(self) -> list[str]:
        return [s.run_id for s in publish.list_snapshots(self.published)]


def test_a_publication_keeps_the_database_it_replaces_and_prunes_to_keep(
    tmp_path: Path,
) -> None:
    wh = Warehouse(tmp_path, keep=3)
    inodes = {}
    for day, run_id in enumerate(("r1", "r2", "r3", "r4", "r5"), start=1):
        wh.publish(run_id, day)
        inodes[run_id] = os.stat(wh.published).st_ino
    assert wh.snapshots() == ["r4", "r3", "r2"]
    for snap in publish.list_snapshots(wh.published):
        assert snap.path.name == f"observatory-{snap.run_id}.duckdb"
        assert _sha(snap.path) == wh.shas[snap.run_id]
        # A hard link to the file that was published, not a copy.
        assert os.stat(snap.path).st_ino == inodes[snap.run_id]
    assert publish.published_fingerprint(wh.published) == "fp-r5"


def test_keep_zero_keeps_no_snapshot(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path, keep=0)
    wh.publish("r1", 1)
    wh.publish("r2", 2)
    assert wh.snapshots() == []
    with pytest.raises(WarehouseError, match="no snapshot to roll back to"):
        publish.roll_back(wh.published, keep=0)


def test_rollback_steps_back_and_the_next_publication_takes_over(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path, keep=3)
    for day, run_id in enumerate(("r1", "r2", "r3"), start=1):
        wh.publish(run_id, day)

    done = publish.roll_back(wh.published, keep=3)
    assert (done.restored.run_id, done.replaced_run_id) == ("r2", "r3")
    assert _sha(wh.published) == wh.shas["r2"]
    assert done.kept is not None and _sha(done.kept) == wh.shas["r3"]
    # The restored fingerprint no longer counts: the next run republishes.
    assert publish.published_fingerprint(wh.published) is None

    assert publish.roll_back(wh.published, keep=3).restored.run_id == "r1"
    assert _sha(wh.published) == wh.shas["r1"]
    with pytest.raises(WarehouseError, match="no snapshot older than the published database"):
        publish.roll_back(wh.published, keep=3)
    with pytest.raises(WarehouseError, match="r1: that run's database is already the published"):
        publish.roll_back(wh.published, keep=3, to="r1")
    with pytest.raises(WarehouseError, match=r"--to r9: no snapshot of that run \(snapshots: "):
        publish.roll_back(wh.published, keep=3, to="r9")

    # Undo: the rolled-back database was kept.
    assert publish.roll_back(wh.published, keep=3, to="r3").restored.run_id == "r3"
    assert _sha(wh.published) == wh.shas["r3"]

    wh.publish("r4", 4)
    assert publish.published_fingerprint(wh.published) == "fp-r4"
    assert wh.snapshots() == ["r3", "r2", "r1"]


def test_rollback_without_a_snapshot_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.conftest import write_config

    config = write_config(tmp_path)
    assert main(["--config", str(config), "rollback"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("observatory: error: ") and "no snapshot to roll back to" in err
    assert err.count("\n") == 1


def test_keep_snapshots_must_not_be_negative(tmp_path: Path) -> None:
    from tests.conftest import write_config

    config = write_config(tmp_path)
    text = config.read_text(encoding="utf-8")
    assert "keep_snapshots = 3" in text
    config.write_text(text.replace("keep_snapshots = 3", "keep_snapshots = -1"),
                      encoding="utf-8")
    with pytest.raises(ConfigError, match="warehouse.keep_snapshots: must be 0 or more"):
        load_config(config)


def test_rollback_restores_the_previous_publication_and_the_next_run_republishes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    first = small_archive(tmp_path / "v1", 11)
    second = revised_archive(first, tmp_path / "v2")
    cfg = load_config(write_small_workspace(tmp_path / "ws", first))
    run_nightly(cfg, run_id="20260101T000000Z-first1")
    first_sha = _sha(cfg.warehouse.published)
    shutil.copy(second, tmp_path / "ws" / "inputs" / second.name)
    assert run_nightly(cfg, run_id="20260102T000000Z-second")["status"] == "published"
    work_sha = _sha(cfg.warehouse.work)
    capsys.readouterr()

    assert main(["--config", str(cfg.path), "rollback"]) == 0
    out = capsys.readouterr().out
    assert "run 20260101T000000Z-first1's" in out
    assert "--to 20260102T000000Z-second" in out
    assert _sha(cfg.warehouse.published) == first_sha
    assert _sha(cfg.warehouse.work) == work_sha  # the working database is not touched
    index = (cfg.report.dir / "index.html").read_text(encoding="utf-8")
    assert "20260101T000000Z-first1" in index and "20260102T000000Z-second" not in index
    assert main(["--config", str(cfg.path), "status"]) == 0
    assert ": rolled_back (ended " in capsys.readouterr().out

    # Nothing changed in the inputs, yet the next run republishes the working database.
    third = run_nightly(cfg, run_id="20260103T000000Z-third1")
    assert third["status"] == "published"
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        run_id = con.execute("select run_id from ops.publications "
                             "order by seq desc limit 1").fetchone()[0]
        counts = dict(con.execute(
            "select year, count(*) from core.trade_flows group by year").fetchall())
    assert run_id == "20260103T000000Z-third1"
    assert counts == archive_rows(second)
    assert [s.run_id for s in publish.list_snapshots(cfg.warehouse.published)] == [
        "20260102T000000Z-second", "20260101T000000Z-first1"]
