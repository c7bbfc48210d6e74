"""BACI raw loads: the yearly flow files into `raw.baci_flows` (streamed by DuckDB), the
release's dictionaries into `raw.baci_country_codes` and `raw.baci_product_codes`."""

from __future__ import annotations

from pathlib import Path

import duckdb

from observatory.errors import SourceError
from observatory.sources.baci import client, settings

# The line number of rows loaded without numbering (`load_raw_flows(numbered=False)`).
UNNUMBERED = 0


def load_raw_flows(con: duckdb.DuckDBPyConnection, path: Path, batch_id: str, *,
                   numbered: bool = True) -> int:
    """Stream a landed yearly CSV into `raw.baci_flows`, with line numbers.

    The file is never read into pandas: DuckDB's CSV reader streams it with BACI's types
    (`k` stays text). A wrong header, a row with the wrong number of fields, a truncated last
    line or a value that is not a number raises `SourceError` naming the file, line and
    column (the reader counts lines itself). Returns the number of data rows read.

    Numbering rows costs as much as the load (`row_number() over ()` serialises DuckDB's
    parallel CSV scan), and only a rejected batch needs them: with `numbered=False` every
    row's line is `UNNUMBERED`, and the gate loads the file again, numbered, when it rejects
    the batch (`number_raw_flows`).
    """
    header = client.read_header(path)
    columns = [settings.COLUMN_ALIASES.get(c, c) for c in header]
    if columns != list(settings.TRADE_COLUMNS):
        raise SourceError(
            f"{path.name}: line 1: expected columns {','.join(settings.TRADE_COLUMNS)}, "
            f"got {','.join(header)}"
        )
    # row_number() over () is evaluated by DuckDB's streaming window in scan order, so it is
    # the data row's position; +1 for the header gives the file's line number.
    line = "row_number() over () + 1" if numbered else str(UNNUMBERED)
    try:
        inserted = con.execute(
            f"""
            insert into raw.baci_flows (batch_id, line_number, t, i, j, k, v, q)
            select ?, {line}, t, i, j, k, v, q
            from read_csv(?, header = true, delim = ',', quote = '"', nullstr = ['NA', ''],
                          null_padding = false, strict_mode = true, ignore_errors = false,
                          auto_detect = false,
                          columns = {{'t': 'INTEGER', 'i': 'INTEGER', 'j': 'INTEGER',
                                     'k': 'VARCHAR', 'v': 'DOUBLE', 'q': 'DOUBLE'}})
            """,
            [batch_id, str(path)],
        ).fetchall()
    except duckdb.Error as exc:
        raise SourceError(f"{path.name}: {_csv_error(exc)}") from exc
    return int(inserted[0][0]) if inserted else 0  # an insert answers its row count


def is_numbered(con: duckdb.DuckDBPyConnection, batch_id: str) -> bool:
    """Whether the batch's raw rows carry their file line numbers."""
    row = con.execute("select line_number from raw.baci_flows where batch_id = ? limit 1",
                      [batch_id]).fetchall()
    return not row or row[0][0] != UNNUMBERED


def number_raw_flows(con: duckdb.DuckDBPyConnection, path: Path, batch_id: str) -> int:
    """Load the batch's landed file again, with its line numbers, in place of its rows."""
    con.execute("delete from raw.baci_flows where batch_id = ?", [batch_id])
    return load_raw_flows(con, path, batch_id, numbered=True)


def _csv_error(exc: duckdb.Error) -> str:
    """DuckDB's CSV error reduced to one line: where it is (line) and what is wrong."""
    import re

    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    head = lines[0] if lines else type(exc).__name__
    found = re.search(r"CSV Error on Line: (\d+)", head)
    where = f"line {found.group(1)}" if found else head
    problem = next(
        (ln for ln in lines[1:4] if not ln.startswith(("Original Line", "Possible fixes"))), ""
    )
    return f"{where}: {problem}".rstrip(": ")


def load_dictionaries(
    con: duckdb.DuckDBPyConnection, archive: client.BaciArchive, release: str
) -> list[str]:
    """Keep the archive's country and product dictionaries in raw; returns repair notes."""
    countries, country_notes = archive.country_codes()
    products, product_notes = archive.product_codes()
    revision = archive.year_files()[0].hs_revision
    con.execute("delete from raw.baci_country_codes where release = ?", [release])
    con.execute("delete from raw.baci_product_codes where release = ?", [release])
    countries = countries.assign(release=release)
    products = products.assign(release=release, hs_revision=revision)
    con.register("_baci_countries", countries)
    con.register("_baci_products", products)
    try:
        con.execute(
            "insert into raw.baci_country_codes by name select * from _baci_countries"
        )
        con.execute(
            "insert into raw.baci_product_codes by name select * from _baci_products"
        )
    finally:
        con.unregister("_baci_countries")
        con.unregister("_baci_products")
    return country_notes + product_notes
