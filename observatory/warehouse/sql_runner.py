"""Apply the SQL models in `sql/`, idempotently and in a declared order.

Layers run in `LAYERS` order; inside a layer, files run in file-name order (their numeric
prefixes declare it). Every file is written to be re-run: `create ... if not exists` for
tables that keep history (`ops`, `core`), `create or replace` for views and marts.
One file may hold several statements.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from observatory.errors import WarehouseError

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
# Schemas first, then the tables every run keeps; the staging views (which read `ref`,
# loaded from Python in between) and the marts are applied separately.
LAYERS = ("schemas", "ops", "raw", "core")
VIEW_LAYER = "staging"
MART_LAYER = "marts"


def sql_files(layer: str, sql_dir: Path = SQL_DIR) -> list[Path]:
    folder = sql_dir / layer
    if not folder.is_dir():
        raise WarehouseError(f"{folder}: SQL layer folder is missing")
    return sorted(folder.glob("*.sql"))


def apply_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        con.execute(path.read_text(encoding="utf-8"))
    except duckdb.Error as exc:
        raise WarehouseError(f"{path.name}: {str(exc).splitlines()[0]}") from exc


def apply_layers(con: duckdb.DuckDBPyConnection, layers: tuple[str, ...] = LAYERS) -> list[str]:
    """Run every file of the given layers; returns the file names applied, in order."""
    applied: list[str] = []
    for layer in layers:
        for path in sql_files(layer):
            apply_file(con, path)
            applied.append(f"{layer}/{path.name}")
    return applied


def sql_fingerprint(sql_dir: Path = SQL_DIR) -> str:
    """A hash of every SQL model: a changed model means the marts must be rebuilt."""
    digest = hashlib.sha256()
    for path in sorted(sql_dir.rglob("*.sql")):
        digest.update(str(path.relative_to(sql_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
