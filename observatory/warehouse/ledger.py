"""The load ledger (`ops.load_ledger`): one row per batch, from landing to publication."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

# A batch in one of these states needs no new load when its file is unchanged ('refused':
# the partition rule refused it; read again with --allow-deletions).
SETTLED = ("merged", "published", "rejected", "replaced", "refused")


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class LedgerEntry:
    batch_id: str
    status: str
    rows_loaded: int | None
    rows_rejected: int | None


def find_settled(
    con: duckdb.DuckDBPyConnection, source: str, fingerprint: str, input_key: str | None = None,
    *, retry_refused: bool = False,
) -> LedgerEntry | None:
    """The batch that settled this very input, if its file is unchanged since.

    With `input_key` (a file name; a BACI archive and year file), the input is the source's
    file of that key: it is unchanged when its latest batch (whatever happened to it) has
    the same fingerprint and is settled. A file
    restored to an earlier version therefore differs from its latest batch and is loaded
    again, even though an older batch had the same content. Without `file_name`, any settled
    batch of the source with the fingerprint counts. `retry_refused`: a batch refused by the
    partition rule does not count (the run allows deletions).
    """
    settled = [s for s in SETTLED if not (retry_refused and s == "refused")]
    if input_key is not None:
        row = con.execute(
            """
            select batch_id, status, rows_loaded, rows_rejected, file_fingerprint
            from ops.load_ledger
            where source = ? and coalesce(input_key, file_name) = ?
            order by seq desc nulls last, started_at desc limit 1
            """,
            [source, input_key],
        ).fetchone()
        if row is None or row[4] != fingerprint or row[1] not in settled:
            return None
        return LedgerEntry(*row[:4])
    row = con.execute(
        """
        select batch_id, status, rows_loaded, rows_rejected from ops.load_ledger
        where source = ? and file_fingerprint = ? and status in (select unnest(?::varchar[]))
        order by seq desc nulls last, started_at desc limit 1
        """,
        [source, fingerprint, settled],
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
    input_key: str | None = None,
) -> str:
    """Open a batch (`loading`) and return its id.

    A batch id is derived from the file's content: a re-run of an unfinished (or failed,
    rejected, refused, replaced) batch replaces its earlier ledger row instead of adding one.
    A batch of the same id still live in core (`merged`, `published`: the same content read
    from another file, or read again) keeps its row, and the new batch gets an id of its own.
    """
    row = con.execute("select status from ops.load_ledger where batch_id = ?",
                      [batch_id]).fetchall()
    if row and row[0][0] in ("merged", "published"):
        taken = {r[0] for r in con.execute(
            "select batch_id from ops.load_ledger where starts_with(batch_id, ?)",
            [f"{batch_id}~"]).fetchall()}
        n = 2
        while f"{batch_id}~{n}" in taken:
            n += 1
        batch_id = f"{batch_id}~{n}"
    con.execute("delete from ops.load_ledger where batch_id = ?", [batch_id])
    con.execute(
        """
        insert into ops.load_ledger
            (batch_id, run_id, source, release, period, file_name, file_path, file_sha256,
             file_fingerprint, parameters, started_at, status, is_synthetic, seq, input_key)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loading', ?,
                (select coalesce(max(seq), 0) + 1 from ops.load_ledger), ?)
        """,
        [batch_id, run_id, source, release, period, file_name, file_path, file_sha256,
         file_fingerprint, json.dumps(parameters or {}, sort_keys=True), now(), is_synthetic,
         input_key or file_name],
    )
    return batch_id


def update_batch(con: duckdb.DuckDBPyConnection, batch_id: str, **fields: Any) -> None:
    """Set ledger fields of a batch (status, rows_read, rows_loaded, rows_rejected, message)."""
    allowed = {"status", "rows_read", "rows_loaded", "rows_rejected", "message", "ended_at",
               "rows_live"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown ledger field(s): {', '.join(sorted(unknown))}")
    if fields.get("status") in ("merged", "rejected", "refused", "failed", "published"):
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
