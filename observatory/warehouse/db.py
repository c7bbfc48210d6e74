"""Open the working and published databases with the configured resources."""

from __future__ import annotations

from pathlib import Path

import duckdb

from observatory.config import WarehouseConfig
from observatory.errors import WarehouseError


def open_work(wh: WarehouseConfig) -> duckdb.DuckDBPyConnection:
    """Open the working database read-write; only the nightly job does this."""
    wh.work.parent.mkdir(parents=True, exist_ok=True)
    wh.temp_directory.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(wh.work))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseError(
                f"{wh.work}: the working database is held by another run "
                "(only one nightly job runs at a time)"
            ) from exc
        raise WarehouseError(f"{wh.work}: cannot open the working database: {exc}") from exc
    configure(con, wh)
    return con


def configure(con: duckdb.DuckDBPyConnection, wh: WarehouseConfig) -> None:
    """Apply the configured memory limit, threads and spill folder to a connection."""
    con.execute("set memory_limit = ?", [wh.memory_limit])
    con.execute("set threads = ?", [wh.threads])
    con.execute("set temp_directory = ?", [str(wh.temp_directory)])
    # Row order of a CSV scan must stay the file's order: quarantine cites line numbers.
    con.execute("set preserve_insertion_order = true")
    # No progress bars in the job's output (logs, Prefect).
    con.execute("set enable_progress_bar = false")


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the published database read-only (several readers may hold it at once)."""
    if not path.is_file():
        raise WarehouseError(
            f"{path}: no published database yet (run `observatory nightly` or `observatory demo`)"
        )
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseError(f"{path}: cannot open the published database: {exc}") from exc
