"""The Comtrade ledgers in DuckDB: which requests are done, and which datasets we have seen.

`ops.comtrade_requests` holds one row per concrete request (its id is a hash of its path and
parameters, so the same request planned again is the same row):
status `pending` (to run), `done` (records delivered), `failed` (last attempt raised; run
again next time), `split` (came back at the row cap; its children, linked by `parent_id`,
replace it). After `QuotaExhausted` the remaining rows stay `pending` and the next run
executes only those.

`ops.comtrade_availability` holds the fingerprint of each (type, freq, classification,
reporter, period, classification_code) dataset last loaded, for incremental refreshes.
Neither table ever holds the subscription key (it is a header, never a parameter).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from observatory.sources.comtrade.requests import AvailabilityChange, ComtradeRequest

STATUSES = ("pending", "done", "failed", "split")

# The ledgers' DDL: sql/ops/110_comtrade.sql (applied with the ops layer at every run).
DDL = Path(__file__).resolve().parents[3] / "sql" / "ops" / "110_comtrade.sql"


@dataclass(frozen=True)
class RequestRow:
    request_id: str
    path: str
    params: dict[str, str]
    status: str
    rows: int | None
    message: str | None
    parent_id: str | None


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ledgers if they do not exist (idempotent; a run's prepare step has done it
    already, a connection of its own has not)."""
    con.execute("create schema if not exists ops")
    con.execute(DDL.read_text(encoding="utf-8"))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def register(con: duckdb.DuckDBPyConnection, requests: Sequence[ComtradeRequest],
             parent_id: str | None = None) -> int:
    """Add requests not yet in the ledger as `pending`; known ones keep their status.
    Returns how many were new."""
    ensure_tables(con)
    row = con.execute("select coalesce(max(seq), 0) from ops.comtrade_requests").fetchone()
    seq = int(row[0]) if row else 0
    known = {
        r[0]
        for r in con.execute(
            "select request_id from ops.comtrade_requests where request_id in "
            "(select unnest(?::varchar[]))",
            [[r.request_id for r in requests]],
        ).fetchall()
    }
    new = 0
    now = _now()
    for request in requests:
        if request.request_id in known:
            if parent_id is not None:
                # The same request planned on its own earlier: it now also covers the split.
                con.execute(
                    "update ops.comtrade_requests set parent_id = ? "
                    "where request_id = ? and parent_id is null",
                    [parent_id, request.request_id],
                )
            continue
        seq += 1
        new += 1
        known.add(request.request_id)
        con.execute(
            "insert into ops.comtrade_requests (request_id, path, url_params, status, seq, "
            "parent_id, planned_at) values (?, ?, ?, 'pending', ?, ?, ?)",
            [request.request_id, request.path, json.dumps(dict(request.params)), seq,
             parent_id, now],
        )
    return new


def get(con: duckdb.DuckDBPyConnection, request_id: str) -> RequestRow | None:
    ensure_tables(con)
    row = con.execute(
        "select request_id, path, url_params, status, rows, message, parent_id "
        "from ops.comtrade_requests where request_id = ?",
        [request_id],
    ).fetchone()
    return _row(row) if row else None


def children(con: duckdb.DuckDBPyConnection, request_id: str) -> list[RequestRow]:
    """The requests that replaced a split one, in the order they were planned."""
    rows = con.execute(
        "select request_id, path, url_params, status, rows, message, parent_id "
        "from ops.comtrade_requests where parent_id = ? order by seq",
        [request_id],
    ).fetchall()
    return [_row(r) for r in rows]


def unfinished(con: duckdb.DuckDBPyConnection) -> list[RequestRow]:
    """Every `pending` or `failed` request, in the order they were planned."""
    ensure_tables(con)
    rows = con.execute(
        "select request_id, path, url_params, status, rows, message, parent_id "
        "from ops.comtrade_requests where status in ('pending', 'failed') order by seq"
    ).fetchall()
    return [_row(r) for r in rows]


def mark(con: duckdb.DuckDBPyConnection, request_id: str, status: str,
         rows: int | None = None, message: str | None = None) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown request status {status!r}")
    con.execute(
        "update ops.comtrade_requests set status = ?, rows = ?, message = ?, "
        "attempted_at = ? where request_id = ?",
        [status, rows, message, _now(), request_id],
    )


def reset(con: duckdb.DuckDBPyConnection, request_ids: Sequence[str]) -> int:
    """Make requests `pending` again (e.g. their data was republished), forgetting any split
    below them so the row cap is judged afresh. Returns how many were reset."""
    ensure_tables(con)
    frontier = list(request_ids)
    descendants: list[str] = []
    while frontier:
        found = [
            r[0]
            for r in con.execute(
                "select request_id from ops.comtrade_requests where parent_id in "
                "(select unnest(?::varchar[]))",
                [frontier],
            ).fetchall()
        ]
        descendants += found
        frontier = found
    if descendants:
        con.execute(
            "delete from ops.comtrade_requests where request_id in "
            "(select unnest(?::varchar[]))",
            [descendants],
        )
    con.execute(
        "update ops.comtrade_requests set status = 'pending', rows = null, "
        "message = 'reset for refetch' where request_id in (select unnest(?::varchar[]))",
        [list(request_ids)],
    )
    row = con.execute(
        "select count(*) from ops.comtrade_requests where request_id in "
        "(select unnest(?::varchar[]))",
        [list(request_ids)],
    ).fetchone()
    return int(row[0]) if row else 0


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Number of ledger rows by status (every status present, zero when none)."""
    ensure_tables(con)
    found = dict(
        con.execute(
            "select status, count(*) from ops.comtrade_requests group by status"
        ).fetchall()
    )
    return {s: int(found.get(s, 0)) for s in STATUSES}


def _row(row: tuple) -> RequestRow:  # type: ignore[type-arg]
    return RequestRow(request_id=row[0], path=row[1], params=json.loads(row[2]),
                      status=row[3], rows=row[4], message=row[5], parent_id=row[6])


# ---- availability ------------------------------------------------------------------------

def stored_fingerprints(
    con: duckdb.DuckDBPyConnection, type_code: str, freq: str, classification: str
) -> dict[tuple[int, str, str], str]:
    """{(reporter_code, period, classification_code): fingerprint} last loaded."""
    ensure_tables(con)
    rows = con.execute(
        "select reporter_code, period, classification_code, fingerprint "
        "from ops.comtrade_availability "
        "where type_code = ? and freq = ? and classification = ?",
        [type_code, freq, classification],
    ).fetchall()
    return {(int(r[0]), str(r[1]), str(r[2])): str(r[3]) for r in rows}


def save_fingerprints(con: duckdb.DuckDBPyConnection, type_code: str, freq: str,
                      classification: str, changes: Sequence[AvailabilityChange]) -> int:
    """Remember the fingerprints of datasets now loaded (upsert). Returns rows written."""
    ensure_tables(con)
    now = _now()
    for change in changes:
        con.execute(
            "insert or replace into ops.comtrade_availability values (?,?,?,?,?,?,?,?,?)",
            [type_code, freq, classification, change.reporter_code, change.period,
             change.classification_code, change.fingerprint, change.publication_date, now],
        )
    return len(changes)
