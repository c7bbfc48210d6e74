"""Run a Great Expectations suite over a batch in bounded chunks, and SQL checks beside it.

GX's SQL datasource does not work on DuckDB in the versions we use (metric fetches after the
connection closed return nothing; regex is unsupported for the dialect), so rows go from
DuckDB to GX's pandas datasource as Arrow record batches of at most `chunk_rows` rows.
What GX sees is kept small without changing a verdict: categorical columns are checked on
their distinct values (one grouping-sets scan), and a row expectation whose rejected rows an
exact SQL condition can select (not null, between) runs on the rows that condition selects,
a superset of those it could reject (usually none); any other row expectation sees every
row. Checks that need the whole batch at once (compound-key uniqueness) run in SQL. Every
failing row is reported with its file line number.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from observatory.text import clip
from observatory.text import shown as shown_value

log = logging.getLogger(__name__)

LINE = "line_number"
ROWS = "_gate_rows"  # the batch's typed rows, materialised once per suite run


@dataclass
class CheckResult:
    """The outcome of one expectation (or SQL check) over a whole batch."""

    suite: str
    expectation: str
    column: str | None
    success: bool = True
    element_count: int = 0
    unexpected_count: int = 0
    sample: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class RowDefect:
    line_number: int | None
    field: str
    reason: str


@dataclass
class GateResult:
    suite: str
    checks: list[CheckResult]
    defects: list[RowDefect]

    @property
    def success(self) -> bool:
        return all(c.success for c in self.checks)

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.success]

    def rejected_lines(self) -> int:
        return len({d.line_number for d in self.defects})


@dataclass(frozen=True)
class SqlCheck:
    """A check GX cannot do chunk by chunk: a query returning (line_number, field, reason)
    rows for every offending row. `{rows}` in the query names the batch's typed rows;
    parameters are bound, never formatted into the SQL."""

    name: str
    column: str | None
    query: str
    params: Sequence[Any] = ()


_warm_up: threading.Thread | None = None


def warm_up() -> None:
    """Import Great Expectations in the background (it takes about 3 s) while the batch
    loads: DuckDB releases the GIL, so the two overlap. The gate's own import then finds it
    done (or waits for it)."""
    global _warm_up
    if _warm_up is None and "great_expectations" not in sys.modules:
        _quiet_gx()

        def load() -> None:
            import great_expectations  # noqa: F401
            import great_expectations.expectations  # noqa: F401

        _warm_up = threading.Thread(target=load, name="gx-warm-up", daemon=True)
        _warm_up.start()


def gx_expectations() -> Any:
    """`great_expectations.expectations`, once the background import (if any) is done:
    importing GX from two threads at once can hand one of them a half-initialised module."""
    if _warm_up is not None:
        _warm_up.join()
    import great_expectations.expectations as gxe

    return gxe


def _quiet_gx() -> None:
    # GX prints progress bars for every metric; the run summary says what matters.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


@dataclass(frozen=True)
class SuiteSpec:
    """What to validate and how.

    `query` returns the batch's rows with a `line_number` column; `params` are bound to it.
    `by_value` holds, per categorical column (codes, years, HS codes), the expectations
    checked on that column's DISTINCT values (with their row counts): a value passes an
    in-set, regex or not-null expectation exactly when every row holding it does, so this is
    the same verdict for a fraction of the work. `by_row` expectations (numeric ranges,
    nulls of measures) are checked row by row on chunks of `row_columns`.
    """

    name: str
    query: str
    params: Sequence[Any]
    by_value: dict[str, Callable[[], list[Any]]]
    by_row: Callable[[], list[Any]]
    row_columns: Sequence[str]
    sql_checks: Sequence[SqlCheck] = ()


def run_suite(spec: SuiteSpec, con: duckdb.DuckDBPyConnection, *, chunk_rows: int = 500_000,
              sample_rows: int = 5) -> GateResult:
    """Validate a batch with Great Expectations (pandas batches) and SQL checks."""
    _quiet_gx()
    gx_expectations()  # waits for the background import
    import great_expectations as gx

    # GX sets its loggers up on import; keep its INFO lines out of the run's output.
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}  # type: ignore[assignment]
    source = context.data_sources.add_pandas(name=f"{spec.name}_source")

    def definition(name: str, expectations: list[Any]) -> Any:
        batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(
            "frame")
        suite = context.suites.add(gx.ExpectationSuite(name=f"{spec.name}.{name}"))
        for expectation in expectations:
            suite.add_expectation(expectation)
        return context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{spec.name}.{name}.run", data=batch, suite=suite))

    checks: list[CheckResult] = []
    defects: list[RowDefect] = []
    # The batch is typed once (staging views cast and map codes) into a temporary table
    # that every check then scans.
    con.execute(f"create or replace temp table {ROWS} as {spec.query}", list(spec.params))
    try:
        _run_checks(spec, con, definition, checks, defects, chunk_rows, sample_rows)
    finally:
        con.execute(f"drop table if exists {ROWS}")
    return GateResult(spec.name, checks, defects)


def _run_checks(spec: SuiteSpec, con: duckdb.DuckDBPyConnection, definition: Callable[..., Any],
                checks: list[CheckResult], defects: list[RowDefect], chunk_rows: int,
                sample_rows: int) -> None:
    # 1. Categorical columns, on their distinct values with row counts (one scan for all).
    for column, values in _distinct_values(con, list(spec.by_value)).items():
        outcome = definition(f"values_{column}", spec.by_value[column]()).run(
            batch_parameters={"dataframe": values},
            result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False},
        )
        total_rows = int(values["n_rows"].sum())
        for res in outcome.results:
            cfg = res.expectation_config
            bad = _unexpected_values(values, column, res)
            check = CheckResult(spec.name, cfg.type, column, element_count=total_rows)
            check.success = bool(res.success) and not _raised(res)
            if bad.empty:
                checks.append(check)
                continue
            check.success = False
            check.unexpected_count = int(bad["n_rows"].sum())
            check.sample = [_sample(v) for v in bad[column].head(sample_rows)]
            checks.append(check)
            found = _locate(con, column, bad[column].tolist(), cfg.type, cfg.kwargs)
            # A failed check always names its lines; rows that cannot be located (it should
            # not happen) are said to be so rather than leaving the quarantine empty.
            defects.extend(found or [RowDefect(None, column, (
                f"{cfg.type} failed on {check.unexpected_count} row(s) whose lines could not "
                "be located"))])
    # 2. Row-level expectations. Those with an exact SQL pre-filter run on the rows the
    # filter selects (every row they could reject, usually none); the others on every row.
    # Either way in bounded chunks.
    expectations = spec.by_row()
    types = dict(con.execute(f"select column_name, column_type from (describe {ROWS})")
                 .fetchall())
    filters = {id(e): _candidates(e, types) for e in expectations}
    prefiltered = [e for e in expectations if filters[id(e)] is not None]
    scanned = [e for e in expectations if filters[id(e)] is None]
    total_rows = int(con.execute(f"select count(*) from {ROWS}").fetchall()[0][0])
    columns = ", ".join(f'"{c}"' for c in [LINE, *spec.row_columns])
    if prefiltered:
        where = " or ".join(f"({filters[id(e)]})" for e in prefiltered)
        totals = _row_checks(spec, con, definition, "rows_flagged", prefiltered,
                             f"select {columns} from {ROWS} where {where} order by {LINE}",
                             defects, chunk_rows, sample_rows)
        for total in totals:
            total.element_count = total_rows  # the rows left out pass by construction
        checks.extend(totals)
    if scanned:
        checks.extend(_row_checks(spec, con, definition, "rows", scanned,
                                  f"select {columns} from {ROWS} order by {LINE}",
                                  defects, chunk_rows, sample_rows))
    # 3. Whole-batch checks in SQL.
    for sql_check in spec.sql_checks:
        rows = con.execute(sql_check.query.format(rows=ROWS),
                           list(sql_check.params)).fetchall()
        checks.append(CheckResult(
            spec.name, sql_check.name, sql_check.column, success=not rows,
            element_count=-1, unexpected_count=len(rows),
            sample=[clip(str(r[2]), 200) for r in rows[:sample_rows]],
        ))
        defects.extend(RowDefect(int(r[0]) if r[0] is not None else None, r[1],
                                 clip(str(r[2]), 300)) for r in rows)


def _distinct_values(con: duckdb.DuckDBPyConnection, columns: list[str]) -> dict[str, Any]:
    """Each column's distinct values with their row counts, from one grouping-sets scan."""
    if not columns:
        return {}
    quoted = [f'"{c}"' for c in columns]
    flags = ", ".join(f"grouping({q}) = 0 as _g{i}" for i, q in enumerate(quoted))
    sets = ", ".join(f"({q})" for q in quoted)
    frame = con.sql(f"select {', '.join(quoted)}, {flags}, count(*) as n_rows from {ROWS} "
                    f"group by grouping sets ({sets})").df()
    out = {}
    for i, column in enumerate(columns):
        part = frame.loc[frame[f"_g{i}"], [column, "n_rows"]]
        out[column] = part.sort_values(column, na_position="last").reset_index(drop=True)
    return out


def _candidates(expectation: Any, types: dict[str, str]) -> str | None:
    """A SQL condition true on every row the expectation could reject, or None when there is
    none we can state exactly (the expectation then sees every row).

    A superset on purpose, so that Great Expectations still gives every verdict: NaN and
    infinities are always candidates (GX reads NaN as a null), nulls are for the not-null
    check (GX leaves nulls out of range checks), bounds are compared as GX compares them,
    strict or not. An expectation with `mostly` below 1 or a row condition is judged on
    all rows, so it is never pre-filtered.
    """
    kwargs = expectation.configuration.kwargs
    column = kwargs.get("column")
    if column not in types or kwargs.get("mostly", 1) != 1 or kwargs.get("row_condition"):
        return None
    quoted = f'"{column}"'
    floating = types[column] in ("DOUBLE", "FLOAT", "REAL")
    odd = f"isnan({quoted}) or isinf({quoted})" if floating else "false"
    kind = expectation.expectation_type
    if kind == "expect_column_values_to_not_be_null":
        return f"{quoted} is null or {odd}"
    if kind == "expect_column_values_to_be_between" and _numeric(types[column]):
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if not all(v is None or isinstance(v, int | float) for v in (low, high)):
            return None  # bounds given as evaluation parameters or dates
        below = "<=" if kwargs.get("strict_min") else "<"
        above = ">=" if kwargs.get("strict_max") else ">"
        bounds = [f"{quoted} {below} {float(low)!r}" if low is not None else None,
                  f"{quoted} {above} {float(high)!r}" if high is not None else None]
        return " or ".join([odd, *[b for b in bounds if b]])
    return None


def _numeric(data_type: str) -> bool:
    return data_type in ("DOUBLE", "FLOAT", "REAL", "TINYINT", "SMALLINT", "INTEGER",
                         "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                         "UBIGINT") or data_type.startswith("DECIMAL")


def _row_checks(spec: SuiteSpec, con: duckdb.DuckDBPyConnection,
                definition: Callable[..., Any], name: str, expectations: list[Any],
                query: str, defects: list[RowDefect], chunk_rows: int,
                sample_rows: int) -> list[CheckResult]:
    """Run row expectations over the rows of `query`, chunk by chunk; one total per
    expectation."""
    row_definition = definition(name, expectations)
    result_format = {
        "result_format": "COMPLETE",
        "unexpected_index_column_names": [LINE],
        "return_unexpected_index_query": False,
        "partial_unexpected_count": sample_rows,
    }
    totals = {f"{e.expectation_type}:{getattr(e, 'column', None)}": CheckResult(
        spec.name, e.expectation_type, getattr(e, "column", None)) for e in expectations}
    reader = con.sql(query).to_arrow_reader(chunk_rows)
    for frame in _frames(reader, chunk_rows):
        outcome = row_definition.run(batch_parameters={"dataframe": frame},
                                     result_format=result_format)
        for res in outcome.results:
            cfg = res.expectation_config
            column = cfg.kwargs.get("column")
            total = totals[f"{cfg.type}:{column}"]
            total.element_count += int(res.result.get("element_count", len(frame)))
            total.unexpected_count += int(res.result.get("unexpected_count", 0) or 0)
            total.success = total.success and bool(res.success) and not _raised(res)
            if _raised(res):
                message = str(res.exception_info.get("exception_message", "error"))
                defects.append(RowDefect(None, column or "", f"{cfg.type} raised: {message}"))
            for item in res.result.get("unexpected_index_list", []) or []:
                value = item.get(column) if column else None
                if len(total.sample) < sample_rows:
                    total.sample.append(_sample(value))
                defects.append(RowDefect(int(item[LINE]), column or "",
                                         _reason(cfg.type, column, value, cfg.kwargs)))
    return list(totals.values())


def _frames(reader: Any, chunk_rows: int) -> Iterator[Any]:
    """pandas frames of about `chunk_rows` rows: DuckDB hands Arrow batches of its own size,
    and each GX run has a fixed cost, so small batches are gathered first."""
    import pyarrow as pa

    pending: list[Any] = []
    size = 0
    for record_batch in reader:
        pending.append(record_batch)
        size += record_batch.num_rows
        if size >= chunk_rows:
            yield pa.Table.from_batches(pending).to_pandas()
            pending, size = [], 0
    if size:
        yield pa.Table.from_batches(pending).to_pandas()


def _raised(res: Any) -> bool:
    return bool(res.exception_info and res.exception_info.get("raised_exception"))


def _unexpected_values(values: Any, column: str, res: Any) -> Any:
    """The distinct values an expectation rejected (nulls included for not-null checks)."""
    if res.expectation_config.type == "expect_column_values_to_not_be_null":
        return values[values[column].isna()]
    unexpected = res.result.get("unexpected_list") or []
    if not unexpected:
        return values.iloc[0:0]
    return values[values[column].isin(unexpected)]


def _locate(con: duckdb.DuckDBPyConnection, column: str, bad: list[Any], kind: str,
            kwargs: dict[str, Any]) -> list[RowDefect]:
    """The rows holding rejected values, with their line numbers."""
    present = [_plain(v) for v in bad if _plain(v) is not None]
    with_null = len(present) < len(bad)
    rows = con.execute(
        f'select {LINE}, "{column}" from {ROWS} '
        f'where list_contains(?, "{column}") or (? and "{column}" is null) '
        f"order by {LINE}",
        [present, with_null],
    ).fetchall()
    return [RowDefect(int(line), column, _reason(kind, column, value, kwargs))
            for line, value in rows]


def _plain(value: Any) -> Any:
    """A plain Python value; every kind of missing value (None, NaN, pandas' NA and NaT)
    becomes None."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):  # lists and other containers: not a missing value
        pass
    return value


def _sample(value: Any) -> Any:
    """A failing value as kept in a check's sample: long text cut (the quarantine keeps the
    raw record whole)."""
    value = _plain(value)
    return clip(value) if isinstance(value, str) else value


def _reason(kind: str, column: str | None, value: Any, kwargs: dict[str, Any]) -> str:
    value = _plain(value)
    if isinstance(value, float) and math.isinf(value):
        return f"{column} {value!r} is not a finite number"
    shown = "null" if value is None else shown_value(value)
    reasons = {
        "expect_column_values_to_not_be_null": f"{column} is missing or unreadable",
        "expect_column_values_to_match_regex": f"{column} {shown} does not match "
                                               f"{kwargs.get('regex')}",
        "expect_column_values_to_be_in_set": f"{column} {shown} is not a known code",
        "expect_column_values_to_be_between": f"{column} {shown} is outside "
                                              f"[{kwargs.get('min_value')}, "
                                              f"{kwargs.get('max_value')}]",
    }
    return reasons.get(kind, f"{kind} failed on {column} = {shown}")
