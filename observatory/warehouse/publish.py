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

Publications are ordered by `ops.publications.seq`, never by their time (a clock can step
back). Every published file and snapshot has a checksum manifest (`integrity`): the copy is
hashed as it is written, a published file is verified before it is kept as a snapshot, and a
snapshot before it is restored.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from observatory.errors import DamagedDatabase, RunInProgress, WarehouseError
from observatory.faults import checkpoint
from observatory.warehouse import integrity

DEFAULT_KEEP_SNAPSHOTS = 3
SNAPSHOT_DIR = "snapshots"
# Beside the published file after a rollback: its fingerprint no longer counts, so the next
# run that reaches the publish step republishes the working database (and removes this file).
ROLLBACK_MARKER = ".rolled-back"
# What to do about a damaged published database (`status`, `sql`).
DAMAGED_HINT = ("`observatory rollback` restores the last good snapshot (verified before it "
                "is restored); the next run that publishes replaces it too")


def check_not_running(work: Path) -> None:
    """Raise `RunInProgress` when a run holds the lock now (checked before starting Prefect,
    so that a refused run costs nothing and prints one line)."""
    with run_lock(work):
        pass


@contextmanager
def run_lock(work: Path) -> Iterator[None]:
    """Hold an exclusive lock for a whole run: one nightly job at a time."""
    work.parent.mkdir(parents=True, exist_ok=True)
    lock_path = work.with_name(work.name + ".lock")
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RunInProgress(
                f"{work}: another run is in progress (lock {lock_path.name}); this one did "
                "nothing and will not be recorded as failed"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def snapshot(work: Path, published: Path, run_id: str) -> Path:
    """Copy the (closed, checkpointed) working database next to the published file; its
    manifest (hashed while copying) waits beside it for `replace_published`."""
    published.parent.mkdir(parents=True, exist_ok=True)
    # Copies left by a run killed before its swap: the caller holds the run lock, so no
    # other run is writing one.
    for stale in [*published.parent.glob(f".{published.name}.*.tmp"),
                  *published.parent.glob(f".{published.name}.*.tmp{integrity.MANIFEST_SUFFIX}")]:
        stale.unlink(missing_ok=True)
    tmp = published.with_name(f".{published.name}.{run_id}.tmp")
    try:
        sha, _ = integrity.copy_hashed(work, tmp)
        recorded = _checked_publication(tmp)
        integrity.write_manifest(tmp, integrity.describe(
            tmp, sha, recorded.run_id if recorded else run_id, recorded.seq if recorded else None))
    except (OSError, duckdb.Error) as exc:
        tmp.unlink(missing_ok=True)
        integrity.remove_manifest(tmp)
        raise WarehouseError(f"{tmp}: cannot prepare the published copy: {exc}") from exc
    return tmp


def _checked_publication(copy: Path) -> Publication | None:
    """Prove a copy opens as a database before it can replace the published one; the
    publication it records."""
    con = duckdb.connect(str(copy), read_only=True)
    try:
        return latest_publication(con)
    finally:
        con.close()


def replace_published(tmp: Path, published: Path, keep: int = DEFAULT_KEEP_SNAPSHOTS
                      ) -> str | None:
    """Keep the published database as a snapshot, swap the new copy in, prune to `keep`.

    Returns one line when the published database no longer matched its checksum: it was
    then not kept as a snapshot (and no good snapshot was pruned for it)."""
    staged = integrity.read_manifest(tmp)
    if staged is None:  # a copy made without `snapshot`: hash it now
        entry = integrity.describe(tmp, integrity.file_sha256(tmp)[0], None, None)
    else:
        entry = integrity.describe(tmp, staged[0].sha256, staged[0].run_id, staged[0].seq)
    problem: str | None = None
    replaced: integrity.Manifest | None = None
    try:
        replaced = _keep_verified(published, keep)
    except DamagedDatabase as exc:
        problem = f"{exc}; not kept as a snapshot, replaced by this publication"
    checkpoint("snapshot_kept")
    # The manifest first: whoever reads between the two renames finds the file it sees
    # named in it (the new one, or the one it replaces as `previous`).
    integrity.write_manifest(published, entry, previous=replaced)
    os.replace(tmp, published)
    fsync_dir(published.parent)
    integrity.remove_manifest(tmp)
    _marker(published).unlink(missing_ok=True)
    prune_snapshots(published, keep)
    return problem


def _keep_verified(published: Path, keep: int) -> integrity.Manifest | None:
    """Before the published database is replaced: keep it as a snapshot (keep > 0) once it
    is verified in full, or check it by its signature (keep = 0). Its manifest entry, None
    when there is no file or no manifest; DamagedDatabase when it does not match."""
    if not published.is_file():
        return None
    if keep <= 0:
        return integrity.verify(published, quick=True)
    return keep_published(published)[1]


def fsync_dir(path: Path) -> None:
    directory = os.open(path, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _marker(published: Path) -> Path:
    return published.with_name(published.name + ROLLBACK_MARKER)


def published_fingerprint(published: Path) -> str | None:
    """The fingerprint of what the published database holds, or None if there is none (or
    it was rolled back since, or it no longer matches its checksum: the working database is
    then republished)."""
    if not published.is_file() or _marker(published).exists():
        return None
    try:
        # By signature: a file written since it was published is read in full.
        integrity.verify(published, quick=True)
        con = duckdb.connect(str(published), read_only=True)
    except (DamagedDatabase, duckdb.Error):
        return None
    try:
        latest = latest_publication(con)
    except duckdb.Error:
        return None
    finally:
        con.close()
    return latest.fingerprint if latest else None


def refuse_damaged(published: Path) -> None:
    """For readers of the published database (`observatory sql`): DamagedDatabase, one line,
    when it no longer matches its checksum manifest. Checked by signature (size and
    modification time); a file whose signature differs is read in full and refused unless
    its checksum matches. A missing file, or one without a manifest, passes."""
    if not published.is_file():
        return
    try:
        integrity.verify(published, quick=True)
    except DamagedDatabase as exc:
        raise DamagedDatabase(f"{exc}; refused: {DAMAGED_HINT}") from exc


# ------------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class Publication:
    """One row of `ops.publications`: the run, what it published, when, and its order."""

    run_id: str
    fingerprint: str
    published_at: datetime
    seq: int


@dataclass(frozen=True)
class Snapshot:
    """A published database kept aside: the run that published it, when, and in which
    order (`seq`)."""

    run_id: str
    published_at: datetime
    path: Path
    seq: int = 0


def snapshot_dir(published: Path) -> Path:
    return published.parent / SNAPSHOT_DIR


def latest_publication(con: duckdb.DuckDBPyConnection) -> Publication | None:
    """The last publication a database records: by `seq`, or, in a file written before
    `seq` existed, the last row inserted (numbered as the migration numbers it)."""
    columns = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'ops' "
        "and table_name = 'publications'").fetchall()}
    if not columns:
        return None
    seq = "seq" if "seq" in columns else "null"
    row = con.execute(
        f"select run_id, fingerprint, published_at, coalesce({seq}, rowid + 1) as n "
        "from ops.publications order by n desc limit 1").fetchone()
    return Publication(str(row[0]), str(row[1]), row[2], int(row[3])) if row else None


def publication(path: Path) -> Publication | None:
    """The last publication a database file records, or None (none, or unreadable)."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        return latest_publication(con)
    except duckdb.Error:
        return None
    finally:
        con.close()


def _file_time(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)


def _snapshot_path(published: Path, run_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", run_id)
    return snapshot_dir(published) / f"{published.stem}-{safe}{published.suffix}"


def keep_published(published: Path) -> tuple[Path | None, integrity.Manifest | None]:
    """Keep the published database as a snapshot named after the run that published it
    (a hard link; a copy where the file system has none), with its manifest, once the file
    is verified in full against its manifest (DamagedDatabase when it does not match).
    Returns the snapshot (None when there is nothing to keep) and the published file's
    manifest entry. An existing snapshot of the same run is already this very database."""
    if not published.is_file():
        return None, None
    entry = integrity.verify(published)
    recorded = publication(published)
    if entry is None:  # published by an older version: accepted as it is, hashed once now
        entry = integrity.describe(published, integrity.file_sha256(published)[0],
                                   recorded.run_id if recorded else None,
                                   recorded.seq if recorded else None)
    run_id = (recorded.run_id if recorded else entry.run_id
              or f"unrecorded-{_file_time(published):%Y%m%dT%H%M%S}")
    target = _snapshot_path(published, run_id)
    if target.exists():
        return target, entry
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(published, target)
    except FileExistsError:
        return target, entry
    except OSError:
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            if integrity.copy_hashed(published, tmp)[0] != entry.sha256:
                raise OSError(f"the copy differs from {published.name} (read error?)")
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise WarehouseError(f"{target}: cannot keep the published database: {exc}") from exc
    integrity.write_manifest(target, integrity.describe(target, entry.sha256, run_id, entry.seq))
    fsync_dir(target.parent)
    return target, entry


def list_snapshots(published: Path) -> list[Snapshot]:
    """The kept snapshots, newest publication (highest `seq`) first."""
    folder = snapshot_dir(published)
    if not folder.is_dir():
        return []
    found = []
    prefix = f"{published.stem}-"
    for path in folder.glob(f"{published.stem}-*{published.suffix}"):
        recorded = publication(path)
        if recorded is not None:
            found.append(Snapshot(recorded.run_id, recorded.published_at, path, recorded.seq))
            continue
        # Unreadable: what its manifest (or its name) says.
        try:
            entries = integrity.read_manifest(path)
        except DamagedDatabase:
            entries = None
        stem = path.name[len(prefix):len(path.name) - len(published.suffix)]
        entry = entries[0] if entries else None
        found.append(Snapshot(entry.run_id if entry and entry.run_id else stem,
                              _file_time(path), path,
                              entry.seq if entry and entry.seq is not None else 0))
    return sorted(found, key=lambda s: (s.seq, s.run_id), reverse=True)


def prune_snapshots(published: Path, keep: int, spare: Path | None = None) -> list[Path]:
    """Delete all but the `keep` newest snapshots (and `spare`), with their manifests;
    returns the deleted files."""
    dropped = [s.path for s in list_snapshots(published)[max(keep, 0):] if s.path != spare]
    for path in dropped:
        path.unlink(missing_ok=True)
        integrity.remove_manifest(path)
    return dropped


@dataclass(frozen=True)
class Rollback:
    restored: Snapshot
    replaced_run_id: str | None  # the run whose database was published until the rollback
    kept: Path | None  # where that database is kept (`rollback --to` restores it)
    note: str | None = None  # why it was not kept (it no longer matched its checksum)


def verified_copy(source: Path, tmp: Path, hint: str) -> integrity.Manifest:
    """Copy a published database or snapshot to `tmp`, checking the bytes copied against
    its manifest and that the copy opens; its entry (with the copy's signature). Refuses
    (DamagedDatabase, one line naming `source`, then `hint`) a file that does not match."""
    try:
        entries = integrity.read_manifest(source)
        sha, size = integrity.copy_hashed(source, tmp)
        if entries is not None and (sha, size) not in {(e.sha256, e.size) for e in entries}:
            raise DamagedDatabase(
                f"{source}: refused: damaged: its content no longer matches its checksum "
                f"manifest {integrity.manifest_path(source).name}; {hint}")
        recorded = _checked_publication(tmp)
    except DamagedDatabase:
        tmp.unlink(missing_ok=True)
        raise
    except (OSError, duckdb.Error) as exc:
        tmp.unlink(missing_ok=True)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DamagedDatabase(f"{source}: refused: cannot be read as a database ({first}); "
                              f"{hint}") from exc
    return integrity.describe(tmp, sha, recorded.run_id if recorded else None,
                              recorded.seq if recorded else None)


def roll_back(published: Path, keep: int, to: str | None = None) -> Rollback:
    """Make a snapshot the published database again, atomically: the one published before
    the current one, or run `to`'s. The snapshot is verified against its manifest first;
    the database it replaces is kept as a snapshot when it is intact. The caller holds the
    run lock (no run may publish meanwhile)."""
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
        if current is not None and current.run_id == to:
            raise WarehouseError(f"--to {to}: that run's database is already the published one")
        target = matches[0]
    else:
        older = [s for s in snapshots if current is None
                 or (s.seq < current.seq and s.run_id != current.run_id)]
        if not older:
            raise WarehouseError(
                f"no snapshot older than the published database (run "
                f"{current and current.run_id}); snapshots: {available} (choose one with "
                "--to RUN_ID)")
        target = older[0]
    tmp = published.with_name(f".{published.name}.rollback.tmp")
    entry = verified_copy(target.path, tmp, f"restore another snapshot with --to RUN_ID "
                                            f"(snapshots: {available})")
    note: str | None = None
    replaced: integrity.Manifest | None = None
    kept: Path | None = None
    try:
        if keep > 0:
            kept, replaced = keep_published(published)
        elif published.is_file():
            replaced = integrity.verify(published, quick=True)
    except DamagedDatabase as exc:
        note = f"{exc}; not kept as a snapshot"
    # The marker first: a rollback killed before the swap only makes the next run republish.
    marker = _marker(published)
    marker_tmp = marker.with_name(marker.name + ".tmp")
    marker_tmp.write_text(json.dumps({
        "restored_run_id": target.run_id,
        "replaced_run_id": current.run_id if current else None,
        "rolled_back_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }), encoding="utf-8")
    os.replace(marker_tmp, marker)
    integrity.write_manifest(published, entry, previous=replaced)
    os.replace(tmp, published)
    fsync_dir(published.parent)
    prune_snapshots(published, keep, spare=target.path)
    return Rollback(target, current.run_id if current else None, kept, note)
