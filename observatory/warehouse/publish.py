"""Publish the working database as a read-only copy, atomically.

A DuckDB file held read-write by one process cannot be opened by another, even read-only.
The job therefore never lets readers touch the working database: once a run's gates pass it
checkpoints and closes the working file, copies it to a temporary file next to the published
one, and renames it over the published file with `os.replace`. A reader that opened the old
file keeps reading it; a reader that opens the path afterwards sees the new one; nobody
ever sees a half-written file.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from observatory.errors import WarehouseError


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
    tmp = published.with_name(f".{published.name}.{run_id}.tmp")
    try:
        shutil.copyfile(work, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        # Prove the copy opens as a database before it can replace the published one.
        duckdb.connect(str(tmp), read_only=True).close()
    except (OSError, duckdb.Error) as exc:
        tmp.unlink(missing_ok=True)
        raise WarehouseError(f"{tmp}: cannot prepare the published copy: {exc}") from exc
    return tmp


def replace_published(tmp: Path, published: Path) -> None:
    os.replace(tmp, published)
    directory = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def published_fingerprint(published: Path) -> str | None:
    """The fingerprint of what the published database holds, or None if there is none."""
    if not published.is_file():
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
