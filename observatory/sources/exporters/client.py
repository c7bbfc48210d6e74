"""Read an exporter-level file (CSV, delimiter sniffed, UTF-8) into its raw table, every
field as text, with its file line (1 = the header). DuckDB reads it: a year of customs
declarations is millions of lines, never read whole into pandas."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import duckdb

from observatory.errors import SourceError
from observatory.sources.exporters import settings


def normalise(name: str) -> str:
    """A header as compared: lower case, no accents, words joined by `_`."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")
    return settings.ALIASES.get(key, key)


def _relation(con: duckdb.DuckDBPyConnection, path: Path) -> duckdb.DuckDBPyRelation:
    try:
        return con.sql("select * from read_csv(?, all_varchar = true, header = true, "
                       "auto_detect = true)", params=[str(path)])
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise SourceError(f"{path.name}: not a readable CSV file ({first})") from exc


def file_kind(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """exports, registry or program, from the file's header."""
    header = {normalise(c) for c in _relation(con, path).columns}
    for kind in settings.KINDS:
        needed = set(settings.COLUMNS[kind]) - set(settings.OPTIONAL[kind])
        if needed <= header:
            return kind
    raise SourceError(f"{path.name}: line 1: the header is not an exporter file's "
                      f"(exports need {', '.join(settings.COLUMNS[settings.EXPORTS][:5])})")


def load_raw(con: duckdb.DuckDBPyConnection, path: Path, kind: str, batch_id: str,
             table: str) -> int:
    """The file's rows into `table` (the raw table of its kind, qualified); returns the
    number of data lines. A missing required column names the file, line 1 and the field."""
    relation = _relation(con, path)
    by_name: dict[str, str] = {}
    for column in relation.columns:
        by_name.setdefault(normalise(column), column)
    selected = []
    for column in settings.COLUMNS[kind]:
        if column in by_name:
            quoted = by_name[column].replace('"', '""')
            selected.append(f'nullif(trim("{quoted}"), \'\') as {column}')
        elif column in settings.OPTIONAL[kind]:
            selected.append(f"null::varchar as {column}")
        else:
            raise SourceError(f"{path.name}: line 1, field {column}: missing column")
    try:
        con.execute(
            f"insert into {table} (batch_id, line_number, {', '.join(settings.COLUMNS[kind])}) "
            f"select ?, row_number() over () + 1, {', '.join(selected)} "
            "from read_csv(?, all_varchar = true, header = true, auto_detect = true)",
            [batch_id, str(path)])
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise SourceError(f"{path.name}: cannot be read ({first})") from exc
    return int(con.execute(f"select count(*) from {table} where batch_id = ?",
                           [batch_id]).fetchall()[0][0])
