"""The gate's SQL pre-filter never hides a row Great Expectations would reject.

Row-level expectations with an exact SQL condition (not null, between) run on the rows that
condition selects; every verdict here is compared with a plain GX run over the whole frame.
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from observatory.validation import gate

EDGE_VALUES = [0.0, -0.0, 1.0, -1.0, 10.0, 10.000001, 9.999999, 1e308, -1e308, math.inf,
               -math.inf, math.nan, None, 5.5, -5.5]


def _expectations() -> list[object]:
    gxe = gate.gx_expectations()
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="v"),
        gxe.ExpectColumnValuesToBeBetween(column="v", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="w", max_value=10),
        gxe.ExpectColumnValuesToBeBetween(column="w", min_value=-1, max_value=10,
                                          strict_min=True, strict_max=True),
        gxe.ExpectColumnValuesToBeBetween(column="n", min_value=1, max_value=3),
        gxe.ExpectColumnValuesToNotBeNull(column="n"),
        gxe.ExpectColumnValuesToBeBetween(column="v", min_value=0, mostly=0.5),
    ]


@pytest.fixture
def frame() -> pd.DataFrame:
    values = EDGE_VALUES * 3
    return pd.DataFrame({
        "line_number": range(2, len(values) + 2),
        "v": values,
        "w": list(reversed(values)),
        "n": pd.array([None if i % 7 == 0 else i % 5 for i in range(len(values))],
                      dtype="Int64"),
    })


def _reference(frame: pd.DataFrame) -> dict[str, tuple[bool, set[int]]]:
    """Each expectation run by GX alone over the whole frame: success and failing lines."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    batch = (context.data_sources.add_pandas(name="reference")
             .add_dataframe_asset(name="frame").add_batch_definition_whole_dataframe("all"))
    suite = context.suites.add(gx.ExpectationSuite(name="reference"))
    for expectation in _expectations():
        suite.add_expectation(expectation)
    run = context.validation_definitions.add(
        gx.ValidationDefinition(name="reference", data=batch, suite=suite))
    outcome = run.run(batch_parameters={"dataframe": frame}, result_format={
        "result_format": "COMPLETE", "unexpected_index_column_names": ["line_number"],
        "return_unexpected_index_query": False})
    out = {}
    for res in outcome.results:
        key = _key(res.expectation_config.type, res.expectation_config.kwargs)
        out[key] = (bool(res.success), {int(item["line_number"]) for item in
                                         res.result.get("unexpected_index_list") or []})
    return out


def _key(kind: str, kwargs: dict[str, object]) -> str:
    shown = {k: kwargs[k] for k in sorted(kwargs) if k not in ("batch_id",)}
    return f"{kind}{shown}"


def test_prefiltered_row_checks_agree_with_gx_on_every_row(frame: pd.DataFrame) -> None:
    # Through Arrow, NaN stays NaN in DuckDB (a pandas frame would turn it into NULL).
    con = duckdb.connect()
    con.register("frame_view", pa.table({
        "line_number": frame["line_number"].tolist(),
        "v": pa.array(EDGE_VALUES * 3, pa.float64()),
        "w": pa.array(list(reversed(EDGE_VALUES * 3)), pa.float64()),
        "n": pa.array([None if pd.isna(x) else int(x) for x in frame["n"]], pa.int64())}))
    con.execute("create table batch as select line_number, v::double as v, w::double as w, "
                "n::bigint as n from frame_view")
    assert con.execute("select count(*) from batch where isnan(v)").fetchall()[0][0] == 3
    expected = _reference(frame)
    for position, expectation in enumerate(_expectations()):
        cfg = expectation.configuration  # type: ignore[attr-defined]
        spec = gate.SuiteSpec(
            name="edge", query="select * from batch", params=(), by_value={},
            by_row=lambda position=position: [_expectations()[position]],
            row_columns=("v", "w", "n"))
        result = gate.run_suite(spec, con, chunk_rows=7)
        [check] = result.checks
        assert check.element_count == len(frame)
        success, lines = expected[_key(cfg.type, cfg.kwargs)]
        assert (check.success, {d.line_number for d in result.defects}) == (success, lines), \
            cfg.kwargs
    # the frame does hold rejected rows of every kind
    assert sum(not ok for ok, _ in expected.values()) >= 5


def test_a_clean_batch_sends_no_row_to_the_row_expectations() -> None:
    frame = pd.DataFrame({"line_number": range(1, 1001), "v": [float(i) for i in range(1000)],
                          "w": [1.0] * 1000, "n": [2] * 1000})
    con = duckdb.connect()
    con.register("frame_view", frame)
    con.execute("create table batch as select * from frame_view")
    spec = gate.SuiteSpec(name="clean", query="select * from batch", params=(), by_value={},
                          by_row=lambda: _expectations()[:6], row_columns=("v", "w", "n"))
    result = gate.run_suite(spec, con)
    assert result.success and not result.defects
    assert {c.element_count for c in result.checks} == {1000}
    assert gate._candidates(_expectations()[6], {"v": "DOUBLE"}) is None  # mostly < 1


def test_a_failing_null_check_on_codes_names_every_line() -> None:
    """Nulls in a categorical integer column (codes the crosswalk could not give) come back
    from DuckDB as pandas' NA: each is located by its line, never "failed on 0 row(s)"."""
    con = duckdb.connect()
    con.execute("create table batch as select * from (values (2, 504), (3, null), (4, 251), "
                "(5, null)) as v(line_number, code)")
    gxe = gate.gx_expectations()
    spec = gate.SuiteSpec(
        name="codes", query="select * from batch", params=(),
        by_value={"code": lambda: [gxe.ExpectColumnValuesToNotBeNull(column="code")]},
        by_row=lambda: [], row_columns=())
    result = gate.run_suite(spec, con)
    assert not result.success
    assert [(d.line_number, d.field) for d in result.defects] == [(3, "code"), (5, "code")]
    assert result.rejected_lines() == 2
