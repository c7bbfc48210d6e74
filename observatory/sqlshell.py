"""The researchers' SQL entry point: read-only queries against the published database."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import duckdb

from observatory.errors import ReadOnlyViolation, WarehouseError

# Statements that only read. Everything else (DDL, DML, COPY, ATTACH, SET, INSTALL…) is refused.
READ_ONLY = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


def run_query(published: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only statement; returns column names and rows.

    Three locks: the statement must be a SELECT (or EXPLAIN); the database is opened
    read-only; and file-system access is disabled, so `read_csv`, `COPY … TO` or `ATTACH`
    cannot reach other files.
    """
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise ReadOnlyViolation(f"cannot parse the query: {str(exc).splitlines()[0]}") from exc
    if len(statements) != 1:
        raise ReadOnlyViolation(f"give exactly one statement (got {len(statements)})")
    kind = statements[0].type
    if kind not in READ_ONLY:
        raise ReadOnlyViolation(
            f"refused: {kind.name} statements are not allowed; the published database is "
            "read-only (use SELECT)"
        )
    if not published.is_file():
        raise WarehouseError(f"{published}: no published database yet (run `observatory demo`)")
    con = duckdb.connect(
        str(published), read_only=True,
        config={"enable_external_access": False, "lock_configuration": True},
    )
    try:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        return columns, cursor.fetchall()
    except duckdb.Error as exc:
        raise WarehouseError(str(exc).splitlines()[0]) from exc
    finally:
        con.close()


def format_csv(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def format_table(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    cells = [columns] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    numeric = [all(isinstance(row[i], int | float) for row in rows if row[i] is not None)
               and rows for i in range(len(columns))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if numeric[i] else v.ljust(w)
                         for i, (v, w) in enumerate(zip(values, widths, strict=True))).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
