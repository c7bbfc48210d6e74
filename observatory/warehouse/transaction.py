"""One transaction on the working database, whose failure reports its real cause.

When DuckDB meets a fatal error inside a transaction (a full disk, a damaged file), it ends
the transaction itself; a `rollback` then fails with "cannot rollback - no transaction is
active", and raising that would hide the cause. The rollback here is best effort: the
original error is what propagates.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """`begin` … `commit`; on any error, roll back if DuckDB has not already, and re-raise
    the error that happened."""
    con.execute("begin transaction")
    try:
        yield con
        con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass  # the transaction is already over: the error being raised says why
        raise
