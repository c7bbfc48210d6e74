"""The data dictionary of the published database, and how researchers read it.

One catalogue (`observatory/warehouse/data/dictionary.toml`) describes every table and view
and, where a column's name does not say it alone, its columns. `apply_comments` writes it
into the working database with DuckDB's `COMMENT ON TABLE / VIEW / COLUMN` just before the
publication copy is made, so that any client (DuckDB's CLI, R, DBeaver, Python) finds the
descriptions in `duckdb_tables()`, `duckdb_views()` and `duckdb_columns()`.
`observatory tables` and `observatory describe TABLE` read them back from the published
database, read-only.

A column's description is, in order: its table's own entry, the shared entry of its name,
else a phrase built from its name's words with the dictionary's glossary ([words]).

The published database is written at a DuckDB storage version that DuckDB 1.x reads
(`STORAGE_VERSION`, see `observatory.warehouse.db`).

Run `python -m observatory.warehouse.descriptions DATABASE` to list the tables and columns
the dictionary does not describe (tables without an entry; columns described only from
their name's words).
"""

from __future__ import annotations

import fnmatch
import re
import sys
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

DICTIONARY = Path(__file__).with_name("data") / "dictionary.toml"
# Schemas of the published database (the restricted fabric database is never attached then).
SCHEMAS = ("raw", "staging", "core", "ref", "mart", "ops")
# Words placed at the end of a built description (units).
_UNIT = re.compile(r"^\(.*\)$")


@lru_cache(maxsize=1)
def dictionary() -> dict[str, Any]:
    with open(DICTIONARY, "rb") as handle:
        return tomllib.load(handle)


def _plain(text: str) -> str:
    """A description as a database comment: no Markdown backticks, one line."""
    return " ".join(text.replace("`", "").split())


def table_description(table: str) -> str | None:
    """The description of `schema.table`, or None when the dictionary has none."""
    entry = dictionary().get("tables", {}).get(table)
    if not entry or not entry.get("description"):
        return None
    return _plain(entry["description"])


def column_description(table: str, column: str) -> tuple[str, str]:
    """(description, origin) of a column: origin `table`, `shared` or `words`."""
    entry = dictionary().get("tables", {}).get(table, {})
    own = entry.get("columns", {}).get(column)
    if own:
        return _plain(own), "table"
    shared = dictionary().get("columns", {}).get(column)
    if shared:
        return _plain(shared), "shared"
    return from_words(column), "words"


def from_words(column: str) -> str:
    """A description built from a column's name with the glossary: units last, in
    parentheses; `home_exports_prev_usd` -> "home country's exports, previous period (US
    dollars)"."""
    words = dictionary().get("words", {})
    body: list[str] = []
    units: list[str] = []
    for token in [t for t in column.split("_") if t]:
        text = words.get(token, token)
        (units if _UNIT.match(text) else body).append(text)
    sentence = " ".join(body).replace(" ,", ",").strip(" ,") or column
    if units:
        sentence = f"{sentence} {' '.join(units)}"
    return sentence[:1].upper() + sentence[1:]


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str
    kind: str  # "table" or "view"

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def relations(con: duckdb.DuckDBPyConnection) -> list[Relation]:
    """Every table and view of the connection's own database in the published schemas."""
    rows = con.execute(
        "select schema_name, table_name, 'table' from duckdb_tables() "
        "where database_name = current_database() and not internal "
        "union all select schema_name, view_name, 'view' from duckdb_views() "
        "where database_name = current_database() and not internal "
        "order by 1, 2").fetchall()
    return [Relation(s, n, k) for s, n, k in rows if s in SCHEMAS]


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def apply_comments(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """COMMENT ON every table, view and column of the database from the dictionary; returns
    counts {"tables": n, "columns": n, "undescribed_tables": n, "columns_from_words": n}.
    A table without an entry is described as such (never left blank)."""
    counts = {"tables": 0, "columns": 0, "undescribed_tables": 0, "columns_from_words": 0}
    columns = con.execute(
        "select schema_name, table_name, column_name, comment from duckdb_columns() "
        "where database_name = current_database() and not internal").fetchall()
    by_table: dict[str, list[tuple[str, str | None]]] = {}
    for schema, table, column, comment in columns:
        by_table.setdefault(f"{schema}.{table}", []).append((column, comment))
    existing = {(s, n): c for s, n, c in con.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = current_database() union all "
        "select schema_name, view_name, comment from duckdb_views() "
        "where database_name = current_database() and not internal").fetchall()}
    # One transaction, and only the comments that differ: each COMMENT ON is a catalog
    # write, and one commit per column made the publication step take seconds.
    statements = []
    for rel in relations(con):
        text = table_description(rel.qualified)
        if text is None:
            counts["undescribed_tables"] += 1
            text = f"{rel.kind} {rel.qualified} (not yet described in the data dictionary)"
        target = f"{_quoted(rel.schema)}.{_quoted(rel.name)}"
        if existing.get((rel.schema, rel.name)) != text:
            statements.append(f"comment on {rel.kind} {target} is {_literal(text)}")
        counts["tables"] += 1
        for column, comment in by_table.get(rel.qualified, []):
            description, origin = column_description(rel.qualified, column)
            if comment != description:
                statements.append(f"comment on column {target}.{_quoted(column)} is "
                                  f"{_literal(description)}")
            counts["columns"] += 1
            counts["columns_from_words"] += origin == "words"
    if statements:
        con.execute("begin transaction")
        try:
            for statement in statements:
                con.execute(statement)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return counts


# ------------------------------------------------------------------- reading them back


def storage_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The storage version DuckDB reports for the connection's database (`v1.0.0+`)."""
    row = con.execute("select tags['storage_version'] from duckdb_databases() "
                      "where database_name = current_database()").fetchone()
    value = row[0] if row else None
    if isinstance(value, list):  # map lookups returned a list in older DuckDB
        value = value[0] if value else None
    return value


def list_tables(con: duckdb.DuckDBPyConnection, pattern: str | None = None
                ) -> list[tuple[str, str, int | None, str]]:
    """(table, kind, rows, description) of the published tables and views whose name
    matches the glob `pattern` (e.g. `mart.watch_*`; case-insensitive); views have no row
    count (None)."""
    comments = {(s, n): c for s, n, c in con.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = current_database() union all "
        "select schema_name, view_name, comment from duckdb_views() "
        "where database_name = current_database() and not internal").fetchall()}
    out = []
    for rel in relations(con):
        if pattern and not fnmatch.fnmatch(rel.qualified.lower(), pattern.lower()):
            continue
        rows = None
        if rel.kind == "table":
            rows = int(con.execute(
                f"select count(*) from {_quoted(rel.schema)}.{_quoted(rel.name)}"
            ).fetchone()[0])
        out.append((rel.qualified, rel.kind, rows, comments.get((rel.schema, rel.name)) or ""))
    return out


def describe_table(con: duckdb.DuckDBPyConnection, table: str
                   ) -> tuple[Relation, str, list[tuple[str, str, str]]]:
    """(relation, its description, [(column, type, description)]) of `schema.table`;
    LookupError (one line, with the closest names) when there is no such table."""
    wanted = table.strip().lower()
    rels = {r.qualified.lower(): r for r in relations(con)}
    if "." not in wanted:  # a bare name: unique across schemas
        found = [r for r in rels.values() if r.name.lower() == wanted]
        rel = found[0] if len(found) == 1 else None
    else:
        rel = rels.get(wanted)
    if rel is None:
        import difflib

        close = difflib.get_close_matches(wanted, list(rels), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else \
            "; `observatory tables` lists them"
        raise LookupError(f"{table}: no such table or view in the published database{hint}")
    described = con.execute(
        "select comment from duckdb_tables() where database_name = current_database() "
        "and schema_name = ? and table_name = ? union all select comment from duckdb_views() "
        "where database_name = current_database() and schema_name = ? and view_name = ?",
        [rel.schema, rel.name, rel.schema, rel.name]).fetchone()
    columns = con.execute(
        "select column_name, data_type, coalesce(comment, '') from duckdb_columns() "
        "where database_name = current_database() and schema_name = ? and table_name = ? "
        "order by column_index", [rel.schema, rel.name]).fetchall()
    return rel, (described[0] if described and described[0] else ""), columns


def format_rows(header: tuple[str, ...], rows: list[tuple[Any, ...]], wrap: int = 0) -> str:
    """A plain text table: columns padded to their widest cell; the last column is not
    padded (descriptions may be long)."""
    cells = [tuple("" if v is None else (f"{v:,}" if isinstance(v, int) else str(v))
                   for v in row) for row in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header) - 1)]
    lines = []
    for row in cells:
        lead = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False))
        lines.append(f"{lead}  {row[-1]}".rstrip())
    return "\n".join(lines)


def _missing(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        for rel in relations(con):
            if table_description(rel.qualified) is None:
                print(f"table without an entry: {rel.qualified}")
            for (column,) in con.execute(
                    "select column_name from duckdb_columns() where database_name = "
                    "current_database() and schema_name = ? and table_name = ?",
                    [rel.schema, rel.name]).fetchall():
                text, origin = column_description(rel.qualified, column)
                if origin == "words":
                    print(f"column from its words: {rel.qualified}.{column}: {text}")
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(_missing(Path(sys.argv[1])))
