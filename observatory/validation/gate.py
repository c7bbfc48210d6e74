"""Run a Great Expectations suite over a batch in bounded chunks, and SQL checks beside it.

GX's SQL datasource does not work on DuckDB in the versions we use (metric fetches after the
connection closed return nothing; regex is unsupported for the dialect), so batches are
streamed out of DuckDB as Arrow record batches of at most `chunk_rows` rows and validated
through GX's pandas datasource. Checks that need the whole batch at once (compound-key
uniqueness) run in SQL. Every failing row is reported with its file line number.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

log = logging.getLogger(__name__)

LINE = "line_number"


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
    rows for every offending row; parameters are bound, never formatted into the SQL."""

    name: str
    column: str | None
    query: str
    params: Sequence[Any] = ()


def _quiet_gx() -> None:
    # GX prints progress bars for every metric; the run summary says what matters.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def run_suite(
    con: duckdb.DuckDBPyConnection,
    *,
    suite_name: str,
    expectations: Callable[[], list[Any]],
    query: str,
    params: Sequence[Any],
    sql_checks: Sequence[SqlCheck] = (),
    chunk_rows: int = 500_000,
    sample_rows: int = 5,
) -> GateResult:
    """Validate the rows of `query` (which must return a `line_number` column)."""
    _quiet_gx()
    import great_expectations as gx

    # GX sets its loggers up on import; keep its INFO lines out of the run's output.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.WARNING)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}  # type: ignore[assignment]
    batch_definition = (
        context.data_sources.add_pandas(name=f"{suite_name}_source")
        .add_dataframe_asset(name=f"{suite_name}_chunks")
        .add_batch_definition_whole_dataframe("chunk")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for expectation in expectations():
        suite.add_expectation(expectation)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite_name}_run", data=batch_definition, suite=suite)
    )
    result_format = {
        "result_format": "COMPLETE",
        "unexpected_index_column_names": [LINE],
        "return_unexpected_index_query": False,
        "partial_unexpected_count": sample_rows,
    }
    totals: dict[str, CheckResult] = {}
    defects: list[RowDefect] = []
    reader = con.sql(query, params=list(params)).to_arrow_reader(chunk_rows)
    for record_batch in reader:
        frame = record_batch.to_pandas()
        if frame.empty:
            continue
        outcome = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format)
        for res in outcome.results:
            cfg = res.expectation_config
            column = cfg.kwargs.get("column")
            key = f"{cfg.type}:{column}:{cfg.kwargs.get('regex', '')}"
            total = totals.setdefault(key, CheckResult(suite_name, cfg.type, column))
            raised = bool(res.exception_info and res.exception_info.get("raised_exception"))
            total.element_count += int(res.result.get("element_count", len(frame)))
            total.unexpected_count += int(res.result.get("unexpected_count", 0) or 0)
            total.success = total.success and bool(res.success) and not raised
            if raised:
                message = str(res.exception_info.get("exception_message", "error"))
                defects.append(RowDefect(None, column or "", f"{cfg.type} raised: {message}"))
            for item in res.result.get("unexpected_index_list", []) or []:
                value = item.get(column) if column else None
                if len(total.sample) < sample_rows:
                    total.sample.append(_plain(value))
                defects.append(RowDefect(int(item[LINE]), column or "",
                                         _reason(cfg.type, column, value, cfg.kwargs)))
    checks = list(totals.values())
    for check in sql_checks:
        rows = con.execute(check.query, list(check.params)).fetchall()
        checks.append(CheckResult(
            suite_name, check.name, check.column, success=not rows,
            element_count=-1, unexpected_count=len(rows),
            sample=[r[2] for r in rows[:sample_rows]],
        ))
        defects.extend(RowDefect(int(r[0]) if r[0] is not None else None, r[1], r[2])
                       for r in rows)
    return GateResult(suite_name, checks, defects)


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _reason(kind: str, column: str | None, value: Any, kwargs: dict[str, Any]) -> str:
    shown = "null" if _plain(value) is None else repr(_plain(value))
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
