"""Publish the working database as a read-only copy, atomically; keep and restore snapshots.

A DuckDB file held read-write by one process cannot be opened by another, even read-only.
The job therefore never lets readers touch the working database: once a run's gates pass it
checkpoints and closes the working file, copies it to a temporary file next to the published
one, and renames it over the published file with `os.replace`. A reader that opened the old
file keeps reading it; a reader that opens the path afterwards sees the new one; nobody
ever sees a half-written file.

Just before that rename, the database being replaced is kept as a snapshot
(`snapshots/<name>-<run_id>.duckdb` beside the published file, `<run_id>` the run that
published it) by a hard link: the published file is never written in place, so the link is
a frozen copy that costs no disk and no time. The last `warehouse.keep_snapshots` are kept;
`observatory rollback` copies one back over the published file the same atomic way.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from observatory.errors import WarehouseError
from observatory.faults import checkpoint

DEFAULT_KEEP_SNAPSHOTS = 3
SNAPSHOT_DIR = "snapshots"
# Beside the published file after a rollback: its fingerprint no longer counts, so the next
# run that reaches the publish step republishes the working database (and removes this file).
ROLLBACK_MARKER = ".rolled-back"


@contextmanager
def run_lock(work: Path) -> Iterator[None]:
    """Hold an exclusive lock for a whole run: one nightly job at a time."""
    work.parent.mkdir(parents=True, exist_ok=True)
    lock_path = work.with_name(work.name + ".lock")
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WarehouseError(
                f"{work}: another nightly run is in progress (lock {lock_path.name})"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def snapshot(work: Path, published: Path, run_id: str) -> Path:
    """Copy the (closed, checkpointed) working database next to the published file."""
    published.parent.mkdir(parents=True, exist_ok=True)
    # Copies left by a run killed before its swap: the caller holds the run lock, so no
    # other run is writing one.
    for stale in published.parent.glob(f".{published.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    tmp = published.with_name(f".{published.name}.{run_id}.tmp")
    try:
        _copy_checked(work, tmp)
    except (OSError, duckdb.Error) as exc:
        tmp.unlink(missing_ok=True)
        raise WarehouseError(f"{tmp}: cannot prepare the published copy: {exc}") from exc
    return tmp


def _copy_checked(source: Path, tmp: Path) -> None:
    shutil.copyfile(source, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    # Prove the copy opens as a database before it can replace the published one.
    duckdb.connect(str(tmp), read_only=True).close()


def replace_published(tmp: Path, published: Path, keep: int = DEFAULT_KEEP_SNAPSHOTS) -> None:
    """Keep the published database as a snapshot, swap the new copy in, prune to `keep`."""
    if keep > 0:
        keep_published(published)
    checkpoint("snapshot_kept")
    os.replace(tmp, published)
    _fsync_dir(published.parent)
    _marker(published).unlink(missing_ok=True)
    prune_snapshots(published, keep)


def _fsync_dir(path: Path) -> None:
    directory = os.open(path, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _marker(published: Path) -> Path:
    return published.with_name(published.name + ROLLBACK_MARKER)


def published_fingerprint(published: Path) -> str | None:
    """The fingerprint of what the published database holds, or None if there is none (or
    it was rolled back since: the working database is then republished)."""
    if not published.is_file() or _marker(published).exists():
        return None
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute(
            "select fingerprint from ops.publications order by published_at desc limit 1"
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return row[0] if row else None


# ------------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class Snapshot:
    """A published database kept aside: the run that published it, and when."""

    run_id: str
    published_at: datetime
    path: Path


def snapshot_dir(published: Path) -> Path:
    return published.parent / SNAPSHOT_DIR


def publication(path: Path) -> tuple[str, datetime] | None:
    """The run and time of the last publication a database file records, or None."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute(
            "select run_id, published_at from ops.publications order by published_at desc "
            "limit 1"
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return (str(row[0]), row[1]) if row else None


def _file_time(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)


def _snapshot_path(published: Path, run_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", run_id)
    return snapshot_dir(published) / f"{published.stem}-{safe}{published.suffix}"


def keep_published(published: Path) -> Path | None:
    """Keep the published database as a snapshot named after the run that published it
    (a hard link; a copy where the file system has none). None when there is nothing to
    keep; an existing snapshot of the same run is already this very database."""
    if not published.is_file():
        return None
    recorded = publication(published)
    run_id = recorded[0] if recorded else f"unrecorded-{_file_time(published):%Y%m%dT%H%M%S}"
    target = _snapshot_path(published, run_id)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(published, target)
    except FileExistsError:
        return target
    except OSError:
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            shutil.copyfile(published, tmp)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise WarehouseError(f"{target}: cannot keep the published database: {exc}") from exc
    _fsync_dir(target.parent)
    return target


def list_snapshots(published: Path) -> list[Snapshot]:
    """The kept snapshots, newest publication first."""
    folder = snapshot_dir(published)
    if not folder.is_dir():
        return []
    found = []
    prefix = f"{published.stem}-"
    for path in folder.glob(f"{published.stem}-*{published.suffix}"):
        recorded = publication(path)
        if recorded is None:
            stem = path.name[len(prefix):len(path.name) - len(published.suffix)]
            recorded = (stem, _file_time(path))
        found.append(Snapshot(recorded[0], recorded[1], path))
    return sorted(found, key=lambda s: (s.published_at, s.run_id), reverse=True)


def prune_snapshots(published: Path, keep: int, spare: Path | None = None) -> list[Path]:
    """Delete all but the `keep` newest snapshots (and `spare`); returns the deleted files."""
    dropped = [s.path for s in list_snapshots(published)[max(keep, 0):] if s.path != spare]
    for path in dropped:
        path.unlink(missing_ok=True)
    return dropped


@dataclass(frozen=True)
class Rollback:
    restored: Snapshot
    replaced_run_id: str | None  # the run whose database was published until the rollback
    kept: Path | None  # where that database is kept (`rollback --to` restores it)


def roll_back(published: Path, keep: int, to: str | None = None) -> Rollback:
    """Make a snapshot the published database again, atomically: the one published before
    the current one, or run `to`'s. The database it replaces is kept as a snapshot first.
    The caller holds the run lock (no run may publish meanwhile)."""
    snapshots = list_snapshots(published)
    if not snapshots:
        raise WarehouseError(
            f"{snapshot_dir(published)}: no snapshot to roll back to (a snapshot is kept each "
            "time a publication replaces the published database; warehouse.keep_snapshots)")
    current = publication(published) if published.is_file() else None
    available = ", ".join(s.run_id for s in snapshots)
    if to is not None:
        matches = [s for s in snapshots if s.run_id == to]
        if not matches:
            raise WarehouseError(f"--to {to}: no snapshot of that run (snapshots: {available})")
        if current is not None and current[0] == to:
            raise WarehouseError(f"--to {to}: that run's database is already the published one")
        target = matches[0]
    else:
        older = [s for s in snapshots if current is None
                 or (s.published_at < current[1] and s.run_id != current[0])]
        if not older:
            raise WarehouseError(
                f"no snapshot older than the published database (run {current and current[0]}"
                f"); snapshots: {available} (choose one with --to RUN_ID)")
        target = older[0]
    kept = keep_published(published) if keep > 0 else None
    tmp = published.with_name(f".{published.name}.rollback.tmp")
    try:
        _copy_checked(target.path, tmp)
    except (OSError, duckdb.Error) as exc:
        tmp.unlink(missing_ok=True)
        raise WarehouseError(f"{target.path}: cannot restore this snapshot: {exc}") from exc
    # The marker first: a rollback killed before the swap only makes the next run republish.
    marker = _marker(published)
    marker_tmp = marker.with_name(marker.name + ".tmp")
    marker_tmp.write_text(json.dumps({
        "restored_run_id": target.run_id,
        "replaced_run_id": current[0] if current else None,
        "rolled_back_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }), encoding="utf-8")
    os.replace(marker_tmp, marker)
    os.replace(tmp, published)
    _fsync_dir(published.parent)
    prune_snapshots(published, keep, spare=target.path)
    return Rollback(target, current[0] if current else None, kept)
