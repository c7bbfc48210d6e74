"""Select-only reads of the published database for the reports.

`PublishedTables` knows which tables (and columns) the database holds, so that a missing
mart, or a column a mart does not have yet, empties one section instead of failing a page.
Every read that fails becomes one `WarehouseError` line naming the report that read.
"""

from __future__ import annotations

from typing import Any

import duckdb

from observatory.errors import WarehouseError

Record = dict[str, Any]


def fetch(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: list[Any] | None = None,
    *,
    reader: str = "report",
) -> tuple[list[str], list[Any]]:
    """(column names, rows) of a query; a DuckDB error becomes a one-line WarehouseError
    starting with `reader`."""
    try:
        result = con.execute(sql, params or [])
        names = [d[0] for d in result.description or []]
        return names, result.fetchall()
    except duckdb.Error as exc:
        text = str(exc).strip()
        first_line = text.splitlines()[0] if text else type(exc).__name__
        raise WarehouseError(f"{reader}: cannot read the published database: {first_line}") from exc


class PublishedTables:
    """The published database as one report reads it (`reader` names that report in errors)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, reader: str) -> None:
        self.con = con
        self.reader = reader
        self._columns: dict[str, list[str]] = {}
        for table, column in self.rows(
            "select table_schema || '.' || table_name, column_name "
            "from information_schema.columns where table_catalog = current_database() "
            "order by table_schema, table_name, ordinal_position"
        ):
            self._columns.setdefault(table, []).append(column)

    def with_reader(self, reader: str) -> PublishedTables:
        """The same tables, read in the name of another report (its errors say so)."""
        other = object.__new__(PublishedTables)
        other.con, other.reader, other._columns = self.con, reader, self._columns
        return other

    def rows(self, sql: str, params: list[Any] | None = None) -> list[Any]:
        return fetch(self.con, sql, params, reader=self.reader)[1]

    def has(self, table: str) -> bool:
        return table in self._columns

    def has_rows(self, table: str) -> bool:
        return self.has(table) and self.count(table) > 0

    def columns(self, table: str) -> list[str]:
        return list(self._columns.get(table, []))

    def select(self, table: str, columns: list[str]) -> str:
        """A select list of `columns`, `null as <column>` for those `table` lacks."""
        present = set(self._columns.get(table, []))
        return ", ".join(c if c in present else f"null as {c}" for c in columns)

    def records(self, sql: str, params: list[Any] | None = None) -> list[Record]:
        names, rows = fetch(self.con, sql, params, reader=self.reader)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def value(self, sql: str, params: list[Any] | None = None) -> Any:
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def count(self, table: str) -> int:
        return int(self.value(f"select count(*) from {table}")) if self.has(table) else 0
