"""The restricted database: where firm-level rows live, apart from the warehouse.

The published database is a file copy of the working one (`observatory.warehouse.publish`),
so anything in the working database reaches researchers. Firm-level rows (exporter-level
exports, the registry, the program file, their quarantine) therefore never enter it: they
are kept in `[fabric] restricted_db`, a separate DuckDB file in a folder only its owner can
read. The exporter source and the fabric refresh ATTACH it to the run's connection as
`fabric_db` for the time of one step (so that one SQL statement can read the reference
tables beside it) and DETACH it before anything else runs; attaching writes nothing into
the working file. Only the disclosed aggregates are written to `mart.fabric_*`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import duckdb

from observatory.config import Config
from observatory.fabric.settings import FabricConfig, fabric_config

ALIAS = "fabric_db"
SCHEMA_SQL = Path(__file__).resolve().parents[2] / "sql" / "restricted" / "010_fabric.sql"


def settings(cfg: Config) -> FabricConfig:
    """The `[fabric]` settings of a configuration (the defaults, resolved against its folder,
    when it was built without them)."""
    found = getattr(cfg, "fabric", None)
    return found if isinstance(found, FabricConfig) else fabric_config({}, cfg.root)


def restricted_dir(cfg: Config) -> Path:
    """The restricted folder (the database's), created owner-only."""
    folder = settings(cfg).restricted_db.parent
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def landing_config(cfg: Config) -> Config:
    """`cfg` with raw landings under the restricted folder: the exporter files are landed
    there, never under `warehouse.raw_dir`."""
    raw_dir = restricted_dir(cfg) / "raw"
    return replace(cfg, warehouse=replace(cfg.warehouse, raw_dir=raw_dir))


def exists(cfg: Config) -> bool:
    return settings(cfg).restricted_db.is_file()


@contextmanager
def attached(con: duckdb.DuckDBPyConnection, cfg: Config, *, read_only: bool = False
             ) -> Iterator[str]:
    """The restricted database attached to `con` as `fabric_db` (created with its tables
    when missing, unless read-only); detached on the way out, whatever happens."""
    path = settings(cfg).restricted_db
    if not read_only:
        restricted_dir(cfg)
    mode = " (read_only)" if read_only else ""
    con.execute(f"attach '{_quoted(path)}' as {ALIAS}{mode}")
    try:
        if not read_only:
            create_tables(con)
        yield ALIAS
    finally:
        con.execute(f"detach {ALIAS}")
    if not read_only and path.exists():
        os.chmod(path, 0o600)


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The restricted tables (`sql/restricted/010_fabric.sql`), if missing."""
    con.execute(SCHEMA_SQL.read_text(encoding="utf-8").replace("{db}", ALIAS))


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
