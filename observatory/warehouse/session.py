"""The working database for a run: one connection held for the whole run, shared by stages.

Each stage used to open and close the file, and every close checkpoints: a batch landed in
raw was written to disk only to be deleted by the merge. Held open, with a large checkpoint
threshold, raw rows live in the write-ahead log until the run checkpoints once before
publishing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from observatory.config import Config
from observatory.warehouse import db

# The working database held open for a whole run (`run_database`), by path.
_held: dict[Path, duckdb.DuckDBPyConnection] = {}


@contextmanager
def run_database(cfg: Config) -> Iterator[duckdb.DuckDBPyConnection]:
    """Hold the working database open for a run, so that stages share it. Damage found in a
    block a stage reads becomes the one-line error that names the recovery."""
    con = db.open_work(cfg.warehouse)
    con.execute("set checkpoint_threshold = '4GB'")
    _held[cfg.warehouse.work] = con
    try:
        yield con
    except Exception as exc:
        damaged = db.damaged_work(cfg.warehouse, exc)
        if damaged is None:
            raise
        raise damaged from exc
    finally:
        _held.pop(cfg.warehouse.work, None)
        con.close()


@contextmanager
def work_db(cfg: Config) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the working database: a cursor of the run's held connection, or a
    connection of its own outside a run (tests, one stage by hand)."""
    held = _held.get(cfg.warehouse.work)
    if held is not None:
        cursor = held.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
        return
    con = db.open_work(cfg.warehouse)
    try:
        yield con
    finally:
        con.close()


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: Any,
                 *, replace_batch: str | None = None) -> None:
    """Insert a pandas frame into `table` by column name (after deleting the rows of
    `replace_batch`, when given, so a re-run of a batch does not add rows twice)."""
    if replace_batch is not None:
        con.execute(f"delete from {table} where batch_id = ?", [replace_batch])
    con.register("_frame", frame)
    try:
        con.execute(f"insert into {table} by name select * from _frame")
    finally:
        con.unregister("_frame")
