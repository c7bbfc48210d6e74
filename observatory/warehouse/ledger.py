"""The load ledger (`ops.load_ledger`): one row per batch, from landing to publication."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

# A batch in one of these states needs no new load when its file is unchanged.
SETTLED = ("merged", "published", "rejected")


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class LedgerEntry:
    batch_id: str
    status: str
    rows_loaded: int | None
    rows_rejected: int | None


def find_settled(
    con: duckdb.DuckDBPyConnection, source: str, fingerprint: str
) -> LedgerEntry | None:
    """The last settled batch of this source with the same file fingerprint, if any."""
    row = con.execute(
        """
        select batch_id, status, rows_loaded, rows_rejected from ops.load_ledger
        where source = ? and file_fingerprint = ? and status in ('merged', 'published',
              'rejected')
        order by started_at desc limit 1
        """,
        [source, fingerprint],
    ).fetchone()
    return LedgerEntry(*row) if row else None


def start_batch(
    con: duckdb.DuckDBPyConnection,
    *,
    batch_id: str,
    run_id: str,
    source: str,
    release: str | None,
    period: str | None,
    file_name: str,
    file_path: str,
    file_sha256: str,
    file_fingerprint: str,
    parameters: dict[str, Any] | None = None,
    is_synthetic: bool = False,
) -> None:
    # A batch id is derived from the file's content: a re-run of an unfinished batch
    # replaces its earlier ledger row instead of adding one.
    con.execute("delete from ops.load_ledger where batch_id = ?", [batch_id])
    con.execute(
        """
        insert into ops.load_ledger
            (batch_id, run_id, source, release, period, file_name, file_path, file_sha256,
             file_fingerprint, parameters, started_at, status, is_synthetic)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loading', ?)
        """,
        [batch_id, run_id, source, release, period, file_name, file_path, file_sha256,
         file_fingerprint, json.dumps(parameters or {}, sort_keys=True), now(), is_synthetic],
    )


def update_batch(con: duckdb.DuckDBPyConnection, batch_id: str, **fields: Any) -> None:
    """Set ledger fields of a batch (status, rows_read, rows_loaded, rows_rejected, message)."""
    allowed = {"status", "rows_read", "rows_loaded", "rows_rejected", "message", "ended_at"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown ledger field(s): {', '.join(sorted(unknown))}")
    if fields.get("status") in ("merged", "rejected", "failed", "published"):
        fields.setdefault("ended_at", now())
    assignments = ", ".join(f"{name} = ?" for name in fields)
    con.execute(
        f"update ops.load_ledger set {assignments} where batch_id = ?",
        [*fields.values(), batch_id],
    )


def abandon_unfinished(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Batches left half-way by a killed run: drop their raw rows and mark them failed, so
    the next ingest loads their files again."""
    rows = con.execute(
        "select batch_id from ops.load_ledger where status in ('loading', 'loaded', 'validated')"
    ).fetchall()
    batch_ids = [r[0] for r in rows]
    raw_tables = [
        r[0] for r in con.execute(
            "select table_name from information_schema.columns "
            "where table_schema = 'raw' and column_name = 'batch_id'"
        ).fetchall()
    ]
    for batch_id in batch_ids:
        for table in raw_tables:
            con.execute(f'delete from raw."{table}" where batch_id = ?', [batch_id])
        update_batch(con, batch_id, status="failed",
                     message="run ended before this batch was settled")
    return batch_ids
