"""Named SQL statements kept in `sql/` files, run with named parameters.

A file holds statements each introduced by a `-- name: <name>` line (the convention of
yesql and aiosql): the merges of a source keep their statements together, in SQL, instead of
strings in Python. `$name` placeholders are bound from a dictionary; a statement receives
only the parameters it names. Text in `{braces}` is an identifier the caller fills in
(schema-qualified table names chosen by code, never by user input).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import duckdb

from observatory.errors import WarehouseError

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)
_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")


@functools.cache
def load(relative: str) -> dict[str, str]:
    """The statements of `sql/<relative>`, by name."""
    path = SQL_DIR / relative
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WarehouseError(f"{path}: cannot read the SQL file ({exc.strerror})") from exc
    names = list(_NAME.finditer(text))
    if not names:
        raise WarehouseError(f"{path}: no '-- name:' statement")
    out = {}
    for i, match in enumerate(names):
        end = names[i + 1].start() if i + 1 < len(names) else len(text)
        out[match.group(1)] = text[match.end():end].strip().rstrip(";")
    return out


def statement(relative: str, name: str, **identifiers: str) -> str:
    """One named statement, its `{identifiers}` filled in."""
    try:
        sql = load(relative)[name]
    except KeyError:
        raise WarehouseError(f"sql/{relative}: no statement named {name!r}") from None
    return sql.format(**identifiers) if identifiers else sql


def run(con: duckdb.DuckDBPyConnection, relative: str, name: str,
        params: dict[str, Any] | None = None, **identifiers: str) -> list[tuple[Any, ...]]:
    """Run one named statement with the parameters it names; returns its rows (if any)."""
    sql = statement(relative, name, **identifiers)
    wanted = set(_PARAMETER.findall(sql))
    given = {k: v for k, v in (params or {}).items() if k in wanted}
    missing = wanted - set(given)
    if missing:
        raise WarehouseError(f"sql/{relative} {name}: missing parameter(s) "
                             f"{', '.join(sorted(missing))}")
    result = con.execute(sql, given) if given else con.execute(sql)
    try:
        return result.fetchall()
    except duckdb.InvalidInputError:  # a statement that returns no result set
        return []
