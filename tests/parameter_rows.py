"""The run's parameters in a hand-built test database, through the warehouse's own DDL
(`sql/ops/050_run_parameters.sql`): a report test names the values it needs, the others stay
null, as in a database whose run never set them."""

from __future__ import annotations

from typing import Any

import duckdb

from observatory.warehouse.sql_runner import SQL_DIR, apply_file


def write_parameters(con: duckdb.DuckDBPyConnection, values: dict[str, Any],
                     markets: list[tuple[str, str]] = ()) -> None:
    """Create ops.run_parameters and ops.run_markets (when missing), replace the run's row
    with `values` (by column name) and the markets with `markets` ((iso3, role) pairs)."""
    con.execute("create schema if not exists ops")
    apply_file(con, SQL_DIR / "ops" / "050_run_parameters.sql")
    names = ", ".join(values)
    con.execute("delete from ops.run_parameters")
    con.execute(f"insert into ops.run_parameters ({names}) values "
                f"({', '.join('$' + k for k in values)})", values)
    con.execute("delete from ops.run_markets")
    if markets:
        con.executemany("insert into ops.run_markets values (?, ?)", list(markets))


def update_parameters(con: duckdb.DuckDBPyConnection, values: dict[str, Any]) -> None:
    """Set more of the run's parameters (the watch's, on a study database)."""
    sets = ", ".join(f"{k} = ${k}" for k in values)
    con.execute(f"update ops.run_parameters set {sets}", values)
