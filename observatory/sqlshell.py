"""The researchers' SQL entry point: read-only queries against the published database, within
the limits of `[sql]` (README, "Limits of `observatory sql`")."""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path
from typing import Any, TextIO

import duckdb

from observatory.config import SqlConfig
from observatory.errors import QueryLimitReached, ReadOnlyViolation, WarehouseError

# Statements that only read. Everything else (DDL, DML, COPY, ATTACH, SET, INSTALL…) is refused.
READ_ONLY = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
# Rows per fetch: a few of DuckDB's 2,048-row vectors, small next to any memory limit.
FETCH_ROWS = 8192
# A text cell starting with one of these is a formula to a spreadsheet (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = tuple[Any, ...]


class RowWriter:
    """Receives a query's columns, then its rows batch by batch, then whether the row cap
    cut them; counts the rows. Subclasses write them somewhere."""

    def __init__(self) -> None:
        self.columns: list[str] = []
        self.row_count = 0
        self.truncated = False

    def start(self, columns: list[str]) -> None:
        self.columns = columns

    def write(self, rows: list[Row]) -> None:
        self.row_count += len(rows)

    def finish(self, *, truncated: bool) -> None:
        self.truncated = truncated


class RowCollector(RowWriter):
    """Keeps the rows (at most the row cap) in `rows`."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []

    def write(self, rows: list[Row]) -> None:
        super().write(rows)
        self.rows.extend(rows)


class CsvWriter(RowWriter):
    """Writes CSV as the rows come, text cells that would be formulas neutralised."""

    def __init__(self, out: TextIO) -> None:
        super().__init__()
        self._out = out
        self._batch = io.StringIO()
        self._csv = csv.writer(self._batch, lineterminator="\n")
        # Python's csv quotes a field holding a character of the line terminator, and ours is
        # "\n": a bare "\r" would go out unquoted and start a new row in a spreadsheet (one
        # that could begin with "="). Rows of a batch holding one are written again with a
        # "\r\n" terminator, which quotes it, cut back to "\n".
        self._row = io.StringIO()
        self._quoting_cr = csv.writer(self._row, lineterminator="\r\n")

    def start(self, columns: list[str]) -> None:
        super().start(columns)
        self._write([neutralise_formulas(columns)])

    def write(self, rows: list[Row]) -> None:
        super().write(rows)
        self._write([neutralise_formulas(row) for row in rows])

    def _write(self, rows: list[list[Any]]) -> None:
        self._batch.seek(0)
        self._batch.truncate()
        self._csv.writerows(rows)
        text = self._batch.getvalue()
        if "\r" in text:
            text = "".join(self._quoted_cr(row) for row in rows)
        self._out.write(text)

    def _quoted_cr(self, row: list[Any]) -> str:
        self._row.seek(0)
        self._row.truncate()
        self._quoting_cr.writerow(row)
        return self._row.getvalue()[:-2] + "\n"

    def finish(self, *, truncated: bool) -> None:
        super().finish(truncated=truncated)
        self._out.flush()


class TableWriter(RowCollector):
    """An aligned text table, written once every row is in (so at most the row cap)."""

    def __init__(self, out: TextIO) -> None:
        super().__init__()
        self._out = out

    def finish(self, *, truncated: bool) -> None:
        super().finish(truncated=truncated)
        self._out.write(format_table(self.columns, self.rows))
        self._out.flush()


def run_query(published: Path, sql: str, *, limits: SqlConfig | None = None,
              writer: RowWriter | None = None) -> tuple[list[str], list[Row]]:
    """Run one read-only statement within `limits` (default: `SqlConfig()`); returns column
    names and rows, or, given a `writer`, hands them to it as they come and returns no rows.

    Three locks: the statement must be a SELECT (or EXPLAIN); the database is opened
    read-only; and file-system access is disabled, so `read_csv`, `COPY … TO` or `ATTACH`
    cannot reach other files. Four limits: threads and memory (DuckDB's own settings, locked;
    nothing spills to disk, so the memory limit is a hard bound), time (DuckDB has no
    statement timeout: a timer interrupts the connection), and rows (at most `max_rows` are
    fetched; `writer.truncated` tells whether more were there). A time or memory limit
    raises `QueryLimitReached` naming it.
    """
    from observatory.warehouse.publish import refuse_damaged

    refuse_damaged(published)  # a published file that no longer matches its checksum
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise ReadOnlyViolation(f"cannot parse the query: {one_line(str(exc))}") from exc
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
    limits = limits or SqlConfig()
    collector = RowCollector()
    sink = writer if writer is not None else collector
    con = _connect(published, limits)
    timed_out = threading.Event()
    closing = threading.Lock()
    closed = False

    def interrupt() -> None:
        with closing:
            if not closed:
                timed_out.set()
                con.interrupt()

    timer = threading.Timer(limits.timeout_seconds, interrupt)
    timer.daemon = True
    timer.start()
    try:
        con.execute(sql)
        sink.start([d[0] for d in con.description or []])
        _stream(con, sink, limits, timed_out)
    except duckdb.InterruptException as exc:
        if timed_out.is_set():
            raise QueryLimitReached(_time_message(limits)) from exc
        raise KeyboardInterrupt from exc  # Ctrl-C reached DuckDB first
    except duckdb.OutOfMemoryException as exc:
        raise QueryLimitReached(f"stopped: the query needs more than {limits.memory_limit} "
                                "(sql.memory_limit)") from exc
    except duckdb.Error as exc:
        raise WarehouseError(one_line(str(exc))) from exc
    finally:
        timer.cancel()
        with closing:
            closed = True
            con.close()
    return sink.columns, (collector.rows if writer is None else [])


def _connect(published: Path, limits: SqlConfig) -> duckdb.DuckDBPyConnection:
    # temp_directory "": a read-only database would otherwise spill into "<file>.tmp" beside
    # the published file, up to 90 % of the free disk; without it the memory limit is hard.
    config: dict[str, str | bool | int] = {
        "enable_external_access": False,
        "memory_limit": limits.memory_limit,
        "threads": limits.threads,
        "temp_directory": "",
    }
    try:
        con = duckdb.connect(str(published), read_only=True, config=config)
    except duckdb.Error as exc:
        raise WarehouseError(f"{published}: cannot open the published database: "
                             f"{one_line(str(exc))}") from exc
    # The progress bar is a connection setting (refused in `config`) that DuckDB's Python
    # client turns on when run from `python -c` or a notebook; it prints on the standard
    # output, into the CSV. Then the lock: every SET, RESET or PRAGMA is refused from here.
    try:
        con.execute("set enable_progress_bar = false")
        con.execute("set lock_configuration = true")
    except duckdb.Error:
        con.close()
        raise
    return con


def _stream(con: duckdb.DuckDBPyConnection, sink: RowWriter, limits: SqlConfig,
            timed_out: threading.Event) -> None:
    written = 0
    while True:
        # One row beyond what the cap leaves tells whether the cap cut the result.
        batch = con.fetchmany(min(FETCH_ROWS, limits.max_rows - written + 1))
        if timed_out.is_set():  # the timer fired while these rows were being written
            raise QueryLimitReached(_time_message(limits))
        if not batch:
            sink.finish(truncated=False)
            return
        if written + len(batch) > limits.max_rows:
            sink.write(batch[: limits.max_rows - written])
            sink.finish(truncated=True)
            return
        sink.write(batch)
        written += len(batch)


def _time_message(limits: SqlConfig) -> str:
    return (f"stopped after {limits.timeout_seconds:g} s (sql.timeout_seconds); narrow the "
            "query, or allow more time with --timeout")


def truncation_note(max_rows: int) -> str:
    """The one line said when the row cap cut a result."""
    return f"stopped at {max_rows:,} rows (sql.max_rows); add LIMIT or --max-rows"


def one_line(message: str) -> str:
    """A DuckDB error on one line: its meaningful lines, hints such as `Did you mean
    "trade_flows"?` or `Candidate bindings` included, joined with "; "; the `LINE 1: …`
    excerpt of the query and its caret pointer left out."""
    kept = []
    for line in message.splitlines():
        text = line.strip()
        if not text or text.startswith("LINE ") or set(text) <= {"^"}:
            continue
        kept.append(text)
    return "; ".join(kept)


def neutralise_formulas(values: Row | list[Any]) -> list[Any]:
    """Text cells a spreadsheet would run as a formula (starting with =, +, -, @, tab or
    carriage return) get a leading single quote, as OWASP recommends; numbers, negative
    ones included, stay numbers."""
    return [("'" + v) if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
            for v in values]


def format_csv(columns: list[str], rows: list[Row]) -> str:
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.start(columns)
    writer.write(rows)
    writer.finish(truncated=False)
    return buffer.getvalue()


def format_table(columns: list[str], rows: list[Row]) -> str:
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
