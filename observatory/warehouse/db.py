"""Open the working and published databases with the configured resources."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from observatory.config import WarehouseConfig
from observatory.errors import DamagedDatabase, WarehouseError

# What DuckDB says of a database file it cannot trust: a block whose checksum does not
# match, a header that is not DuckDB's, a file cut short, metadata that does not add up.
DAMAGE = re.compile(r"corrupt database file|not a valid duckdb database file|could not read "
                    r"enough bytes|metadatareader|metadata pointer|replaying wal", re.IGNORECASE)
# The two recoveries (README, Operations, "Recover a damaged working database").
RECOVERY = (
    "`observatory recover` replaces it with a verified copy of the published database "
    "(alert and study history kept up to the last publication; the next run loads again "
    "what came after it); or move it aside and run `observatory nightly` to rebuild it from "
    "the landed files (alert and study history lost, every alert raised again as new); see "
    "README, Operations, \"Recover a damaged working database\"")


# The storage version the working database is created at, and so the published copy (a
# byte copy of it): DuckDB 1.0 and every later 1.x (and 2.x) client reads it; DuckDB 2.0's
# default (v2.0.0) is unreadable by 1.x (R, DBeaver, older Python). README, "Reading the
# published database"; DuckDB's tag for it is `v1.0.0+`.
STORAGE_VERSION = "v1.0.0"


def create_work_file(path: Path) -> None:
    """Create an empty database file at STORAGE_VERSION (a file that exists keeps the
    version it was created at: DuckDB never converts a file in place)."""
    if path.exists():
        return
    duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_VERSION}).close()


def open_work(wh: WarehouseConfig) -> duckdb.DuckDBPyConnection:
    """Open the working database read-write; only the nightly job does this. A damaged file
    raises DamagedDatabase, one line naming the recoveries."""
    wh.work.parent.mkdir(parents=True, exist_ok=True)
    wh.temp_directory.mkdir(parents=True, exist_ok=True)
    try:
        create_work_file(wh.work)
        con = duckdb.connect(str(wh.work))
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
            raise WarehouseError(
                f"{wh.work}: the working database is held by another run "
                "(only one nightly job runs at a time)"
            ) from exc
        damaged = damaged_work(wh, exc)
        if damaged is not None:
            raise damaged from exc
        raise WarehouseError(f"{wh.work}: cannot open the working database: "
                             f"{_first_line(exc)}") from exc
    configure(con, wh)
    return con


def damaged_work(wh: WarehouseConfig, exc: BaseException) -> DamagedDatabase | None:
    """The one-line error for a DuckDB error (in `exc` or its causes) that says the working
    database is damaged, or None when it says something else. A run meets such an error
    where it first reads the damaged block, at any stage."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DamagedDatabase):
            return None  # already said (a published file or snapshot, not the working one)
        if isinstance(seen, duckdb.Error) and DAMAGE.search(str(seen)) and _names_work(
                wh, str(seen)):
            return DamagedDatabase(f"{wh.work}: the working database is damaged "
                                   f"({_first_line(seen)}); {RECOVERY}")
        seen = seen.__cause__ or seen.__context__
    return None


def _names_work(wh: WarehouseConfig, message: str) -> bool:
    """Whether an error is about the working database: it names no file (a corrupt block
    does not), or names that one."""
    quoted = re.findall(r'"([^"]+)"', message)
    return not quoted or any(Path(q).resolve() == wh.work.resolve() for q in quoted)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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
