"""Comext raw loads: an SDMX-CSV answer or a bulk file's .dat into `raw.comext_records`
(streamed by DuckDB, never read whole into pandas), and what a batch holds that core will not
receive (aggregates, areas, unknown codes, confidential products), counted and named."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from observatory.errors import SourceError
from observatory.sources.base import Resource
from observatory.sources.comext import settings
from observatory.warehouse import ledger

COMEXT_RECORDS = Resource(
    table="raw.comext_records",
    # A figure: one series (reporter, partner, product, flow) in one period; a bulk file
    # splits it by statistical procedure, and staging adds those up.
    primary_key=("batch_id", "reporter", "partner", "product", "flow", "period",
                 "stat_procedure"),
    load_mode="append",
)
RAW_TABLES = ("raw.comext_records", "raw.comext_batches")
# How a rejected row is shown in quarantine.
def raw_record(alias: str, flow: str = "flow") -> str:
    """SQL of a row's record as quarantine shows it, from a table or view aliased `alias`
    holding the raw columns (the raw flow code in column `flow`)."""
    return (f"concat_ws(',', {alias}.reporter, {alias}.partner, {alias}.product, "
            f"{alias}.{flow}, {alias}.period, {alias}.value_eur, {alias}.quantity)")


RAW_RECORD = raw_record("r")
# The line number of bulk rows loaded without numbering (`load_bulk(numbered=False)`).
UNNUMBERED = 0

_API_READ = ("read_csv(?, header = true, delim = ',', quote = '\"', auto_detect = false, "
             "strict_mode = true, null_padding = false, ignore_errors = false, "
             "columns = {'dataflow': 'VARCHAR', 'last_update': 'VARCHAR', "
             "'freq': 'VARCHAR', 'reporter': 'VARCHAR', 'partner': 'VARCHAR', "
             "'product': 'VARCHAR', 'flow': 'VARCHAR', 'indicators': 'VARCHAR', "
             "'time_period': 'VARCHAR', 'obs_value': 'VARCHAR'})")


# ---- API answers ---------------------------------------------------------------------------

@dataclass(frozen=True)
class AnswerFacts:
    """What an answer says about itself, read before it is loaded: its periods (sorted) and
    its release (the latest LAST UPDATE, as ISO 8601), if it has one."""

    periods: list[str]
    release: str | None


def header(path: Path) -> list[str]:
    """The first line of a CSV file, as column names."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        first = fh.readline()
    return [c.strip().strip('"') for c in first.rstrip("\r\n").split(",")]


def answer_facts(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> AnswerFacts:
    """The periods and release of an SDMX-CSV answer; `SourceError` naming the file when it
    is not one (another header, a line of the wrong width, a LAST UPDATE not read)."""
    found = header(path)
    if found != list(settings.API_COLUMNS):
        raise SourceError(f"{name}: line 1: expected the SDMX-CSV columns "
                          f"{','.join(settings.API_COLUMNS)}, got {','.join(found)[:160]}")
    try:
        rows = con.execute(
            f"select time_period, max(last_update), bool_or(last_update is not null "
            f"and try_strptime(last_update, '%d/%m/%y %H:%M:%S') is null), "
            f"max(try_strptime(last_update, '%d/%m/%y %H:%M:%S')) "
            f"from {_API_READ} group by time_period order by time_period",
            [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise SourceError(f"{name}: {csv_error(exc)}") from exc
    bad = next((r[1] for r in rows if r[2]), None)
    if bad is not None:
        raise SourceError(f"{name}: LAST UPDATE {bad!r} is not dd/mm/yy hh:mm:ss")
    stamps = [r[3] for r in rows if r[3] is not None]
    release = max(stamps).isoformat() if stamps else None
    return AnswerFacts([r[0] for r in rows if r[0] is not None], release)


def load_answer(con: duckdb.DuckDBPyConnection, path: Path, name: str, batch_id: str,
                release: str) -> tuple[int, list[str]]:
    """An SDMX-CSV answer into raw: each series' value and quantity of one period side by
    side, with their lines. Returns the lines read and notes (indicators left aside).

    A value that is not a number stops the load, naming its line; a figure given twice (two
    value lines of one series and period) is kept twice, for the gate to name both lines."""
    con.execute("delete from raw.comext_records where batch_id = ?", [batch_id])
    con.execute("delete from raw.comext_batches where batch_id = ?", [batch_id])
    try:
        # row_number() over () is evaluated in scan order: the data row's position; + 1
        # for the header gives the file's line number.
        con.execute(f"create or replace temp table _comext_answer as "
                    f"select row_number() over () + 1 as line_number, * from {_API_READ}",
                    [str(path)])
    except duckdb.Error as exc:
        raise SourceError(f"{name}: {csv_error(exc)}") from exc
    try:
        bad = con.execute(
            "select line_number, obs_value from _comext_answer where obs_value is not null "
            "and try_cast(obs_value as double) is null order by line_number limit 1"
        ).fetchall()
        if bad:
            line, value = bad[0]
            raise SourceError(f"{name}: line {line}: OBS_VALUE {value!r} is not a number")
        ((lines, other, other_names),) = con.execute(
            "select count(*), count(*) filter (where indicators not in (?, ?)), "
            "string_agg(distinct indicators, ', ' order by indicators) "
            "filter (where indicators not in (?, ?)) from _comext_answer",
            [*settings.INDICATORS, *settings.INDICATORS]).fetchall()
        con.execute(
            """
            insert into raw.comext_records (batch_id, line_number, reporter, partner, product,
                                            flow, stat_procedure, period, value_eur, quantity,
                                            quantity_line)
            with known as (
                select *, row_number() over (
                    partition by freq, reporter, partner, product, flow, time_period,
                                 indicators order by line_number) as occurrence
                from _comext_answer
                where indicators in ($value, $quantity)
            )
            select $batch_id,
                   coalesce(min(line_number) filter (where indicators = $value),
                            min(line_number)),
                   reporter, partner, product, flow, null, time_period,
                   max(obs_value::double) filter (where indicators = $value),
                   max(obs_value::double) filter (where indicators = $quantity),
                   min(line_number) filter (where indicators = $quantity)
            from known
            group by freq, reporter, partner, product, flow, time_period, occurrence
            """,
            {"batch_id": batch_id, "value": settings.VALUE, "quantity": settings.QUANTITY})
    finally:
        con.execute("drop table if exists _comext_answer")
    con.execute("insert into raw.comext_batches values (?, 'api', '100kg', ?, false)",
                [batch_id, release])
    notes = ([f"{other:,} line(s) of other indicators ({other_names}) not read"]
             if other else [])
    return int(lines), notes


# ---- bulk files ----------------------------------------------------------------------------

def bulk_period(path: Path) -> str | None:
    """PERIOD of the first data line of a landed .dat (YYYYMM, or YYYY52 for a year)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        fh.readline()
        first = fh.readline().rstrip("\r\n").split(",")
    position = list(settings.BULK_COLUMNS).index("PERIOD")
    return first[position].strip() if len(first) > position else None


def load_bulk(con: duckdb.DuckDBPyConnection, path: Path, name: str, batch_id: str,
              release: str, *, numbered: bool = True) -> int:
    """Stream a landed .dat into raw with DuckDB's CSV reader; returns the data rows read.

    A wrong header, a line of the wrong width or a value that is not a number raises
    `SourceError` naming the line (the reader counts lines itself). Numbering rows
    serialises the parallel scan and only a rejected batch needs the numbers: with
    `numbered=False` every line is `UNNUMBERED`, and `number_bulk` reads the file again."""
    found = [c.upper() for c in header(path)]
    if found != list(settings.BULK_COLUMNS):
        raise SourceError(f"{name}: line 1: expected columns {','.join(settings.BULK_COLUMNS)}, "
                          f"got {','.join(found)[:200]}")
    columns = ", ".join(f"'{c}': '{t}'" for c, t in settings.BULK_COLUMNS.items())
    line = "row_number() over () + 1" if numbered else str(UNNUMBERED)
    con.execute("delete from raw.comext_records where batch_id = ?", [batch_id])
    con.execute("delete from raw.comext_batches where batch_id = ?", [batch_id])
    try:
        inserted = con.execute(
            f"""
            insert into raw.comext_records (batch_id, line_number, reporter, partner, product,
                                            flow, stat_procedure, period, value_eur, quantity)
            select ?, {line}, REPORTER, PARTNER, PRODUCT_NC, FLOW, STAT_PROCEDURE, PERIOD,
                   VALUE_EUR, QUANTITY_KG
            from read_csv(?, header = true, delim = ',', quote = '"', auto_detect = false,
                          strict_mode = true, null_padding = false, ignore_errors = false,
                          columns = {{{columns}}})
            """,
            [batch_id, str(path)]).fetchall()
    except duckdb.Error as exc:
        con.execute("delete from raw.comext_records where batch_id = ?", [batch_id])
        raise SourceError(f"{name}: {csv_error(exc)}") from exc
    con.execute("insert into raw.comext_batches values (?, 'bulk', 'kg', ?, true)",
                [batch_id, release])
    return int(inserted[0][0]) if inserted else 0


def is_numbered(con: duckdb.DuckDBPyConnection, batch_id: str) -> bool:
    """Whether the batch's raw rows carry their file line numbers."""
    row = con.execute("select line_number from raw.comext_records where batch_id = ? limit 1",
                      [batch_id]).fetchall()
    return not row or row[0][0] != UNNUMBERED


def number_bulk(con: duckdb.DuckDBPyConnection, batch_id: str) -> None:
    """Load a bulk batch's landed .dat again, with its line numbers, in place of its rows."""
    ((path, name, release),) = con.execute(
        "select l.file_path, l.file_name, b.release from ops.load_ledger as l "
        "join raw.comext_batches as b using (batch_id) where batch_id = ?",
        [batch_id]).fetchall()
    load_bulk(con, Path(path), name, batch_id, release, numbered=True)


def csv_error(exc: duckdb.Error) -> str:
    """DuckDB's CSV error reduced to one line: where it is (line) and what is wrong."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    head = lines[0] if lines else type(exc).__name__
    found = re.search(r"CSV Error on Line: (\d+)", head)
    where = f"line {found.group(1)}" if found else head
    problem = next(
        (ln for ln in lines[1:4] if not ln.startswith(("Original Line", "Possible fixes"))), ""
    )
    return f"{where}: {problem}".rstrip(": ")


# ---- what core will not receive ------------------------------------------------------------

@dataclass(frozen=True)
class SetAside:
    """Rows (file lines) of a batch that core will not receive, by why: `unknown` (a
    reporter or partner code neither a country nor a known aggregate: quarantined),
    `aggregate` (EU groupings and Eurostat's areas: kept in raw only), `product` (TOTAL or
    codes not CN8 in a bulk file, confidential products); with their codes, most rows
    first."""

    rows: dict[str, int]
    codes: dict[str, list[str]]

    def notes(self, quarantined: int = 0) -> list[str]:
        """One line per why; `quarantined`: the figures the unknown codes sent to
        quarantine (an answer gives a figure's value and quantity on two rows)."""
        def named(why: str) -> str:
            codes = self.codes.get(why, [])
            shown = ", ".join(codes[: settings.NAMED_CODES])
            return shown + (", …" if len(codes) > settings.NAMED_CODES else "")

        out = []
        if self.rows.get("aggregate"):
            out.append(f"{self.rows['aggregate']:,} rows to aggregates and areas "
                       f"({named('aggregate')}): not merged")
        if self.rows.get("product"):
            out.append(f"{self.rows['product']:,} rows of product codes that core does not "
                       f"take ({named('product')}: totals, confidential or not CN8): "
                       "not merged")
        if self.rows.get("unknown"):
            out.append(f"{self.rows['unknown']:,} rows with unknown country codes "
                       f"({named('unknown')}): {quarantined:,} figure(s) quarantined")
        return out


_WHY = """
    with lines as (
        select *,
               case when reporter_kind = 'unknown' or partner_kind = 'unknown' then 'unknown'
                    when reporter_kind = 'aggregate' or partner_kind = 'aggregate'
                        then 'aggregate'
                    else 'product' end as why
        from staging.stg_comext_lines
        where batch_id = ? and not is_kept
    )
"""


def set_aside(con: duckdb.DuckDBPyConnection, batch_id: str) -> SetAside:
    """What of the batch core will not receive, counted by why and named by code."""
    rows = con.execute(
        _WHY + """
        select why,
               case why when 'product' then product
                        when 'unknown' then case when reporter_kind = 'unknown' then reporter
                                                 else partner end
                        else case when reporter_kind = 'aggregate' then reporter
                                  else partner end end as code,
               sum(file_lines) as n
        from lines group by all order by why, n desc, code
        """, [batch_id]).fetchall()
    counts: dict[str, int] = {}
    codes: dict[str, list[str]] = {}
    for why, code, n in rows:
        counts[why] = counts.get(why, 0) + int(n)
        codes.setdefault(why, []).append("(empty)" if code is None else str(code))
    return SetAside(counts, codes)


def quarantine_unknown_codes(con: duckdb.DuckDBPyConnection, batch_id: str, run_id: str,
                             file_name: str) -> int:
    """Every figure whose reporter or partner code is neither a country nor a known
    aggregate goes to `ops.quarantine` with its line (an answer's value line) and the
    reason; returns how many."""
    con.execute("delete from ops.quarantine where batch_id = ?", [batch_id])
    con.execute(
        f"""
        insert into ops.quarantine
        select l.batch_id, ?, ?, ?, l.line_number,
               case when l.reporter_kind = 'unknown' then 'reporter' else 'partner' end,
               case when l.reporter_kind = 'unknown'
                    then 'reporter ' || coalesce(l.reporter, '(empty)')
                    else 'partner ' || coalesce(l.partner, '(empty)') end
               || ' is neither a country code of ref.countries nor a known Comext aggregate '
               || 'or area; the row is not merged',
               {raw_record("l", flow="flow_code")}, ?
        from staging.stg_comext_lines as l
        where l.batch_id = ? and (l.reporter_kind = 'unknown' or l.partner_kind = 'unknown')
        order by l.line_number
        """,
        [run_id, settings.SOURCE, file_name, ledger.now(), batch_id])
    ((count,),) = con.execute("select count(*) from ops.quarantine where batch_id = ?",
                              [batch_id]).fetchall()
    return int(count)
