"""Apply the SQL models in `sql/`, idempotently, layer by layer as the plan declares them
(`observatory.plan.SQL_LAYERS`); inside a layer, files run in file-name order (their numeric
prefixes declare it). One file may hold several statements.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from observatory import plan
from observatory.errors import WarehouseError

SQL_DIR = plan.SQL_DIR


def apply_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        con.execute(path.read_text(encoding="utf-8"))
    except duckdb.Error as exc:
        raise WarehouseError(f"{path.relative_to(SQL_DIR)}: {str(exc).splitlines()[0]}"
                             ) from exc


def apply_layers(con: duckdb.DuckDBPyConnection, layers: tuple[str, ...]) -> list[str]:
    """Run every file of the given layers (names of `plan.SQL_LAYERS`), in order; returns
    the files applied."""
    applied: list[str] = []
    for name in layers:
        files = plan.layer_files(name)
        if not files:
            raise WarehouseError(f"sql/{plan.layer(name).folder}: SQL layer folder is empty "
                                 "or missing")
        for path in files:
            apply_file(con, path)
            applied.append(str(path.relative_to(SQL_DIR)))
    return applied


def sql_fingerprint(sql_dir: Path = SQL_DIR) -> str:
    """A hash of every SQL model: a changed model means the marts must be rebuilt."""
    digest = hashlib.sha256()
    for path in sorted(sql_dir.rglob("*.sql")):
        digest.update(str(path.relative_to(sql_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
