"""The researchers' read-only SQL entry point and `observatory status`."""

from __future__ import annotations

from typing import Any

import pytest

from observatory.cli import main
from observatory.errors import ReadOnlyViolation
from observatory.sqlshell import format_csv, format_table, run_query


def test_select_returns_the_loaded_rows(demo_run: dict[str, Any]) -> None:
    cfg = demo_run["cfg"]
    loaded = sum(i["rows_read"] for i in demo_run["summary"]["inputs"] if i["source"] == "baci")
    columns, rows = run_query(cfg.warehouse.published, "select count(*) as n "
                                                       "from core.trade_flows "
                                                       "where source = 'baci'")
    assert columns == ["n"] and rows == [(loaded,)]


@pytest.mark.parametrize(
    "statement",
    [
        "insert into core.trade_flows select * from core.trade_flows limit 1",
        "delete from core.trade_flows",
        "create table mart.x as select 1",
        "drop table core.trade_flows",
        "copy core.trade_flows to '/tmp/out.csv'",
        "attach '/tmp/other.duckdb' as other",
        "set enable_external_access = true",
        "select 1; delete from core.trade_flows",
    ],
)
def test_writes_are_refused(demo_run: dict[str, Any], statement: str) -> None:
    with pytest.raises(ReadOnlyViolation):
        run_query(demo_run["cfg"].warehouse.published, statement)


def test_file_access_from_a_select_is_refused(demo_run: dict[str, Any]) -> None:
    from observatory.errors import WarehouseError

    with pytest.raises(WarehouseError, match="disabled"):
        run_query(demo_run["cfg"].warehouse.published, "select * from read_csv('/etc/passwd')")


def test_formats() -> None:
    assert format_csv(["a", "b"], [(1, "x,y")]) == 'a,b\n1,"x,y"\n'
    table = format_table(["name", "n"], [("MAR", 12), ("ESP", 3)])
    assert table.splitlines()[2] == "MAR   12"
    assert table.endswith("(2 rows)\n")


def test_cli_sql_csv_and_one_line_errors(
    demo_run: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(demo_run["cfg"].path)
    assert main(["--config", config, "sql", "select 'MAR' as home, 2 as n", "--format",
                 "csv"]) == 0
    assert capsys.readouterr().out == "home,n\nMAR,2\n"
    assert main(["--config", config, "sql", "drop table core.trade_flows"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("observatory: error: refused: DROP") and err.count("\n") == 1
    assert main(["--config", config, "sql", "select * from no_such_table"]) == 1
    err = capsys.readouterr().err
    assert "no_such_table" in err and err.count("\n") == 1


def test_status_shows_runs_freshness_and_validation(
    demo_run: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(demo_run["cfg"].path), "status"]) == 0
    out = capsys.readouterr().out
    run_id = demo_run["summary"]["run_id"]
    assert f"by run {run_id}" in out
    assert "baci (CEPII BACI): release 202601, periods 2019–2024, 6 batches" in out
    for source in ("eping", "rasff", "wits"):
        assert f"  {source} (" in out  # freshness of every regulatory source
    assert "[demo data (synthetic)]" in out
    assert "trade_flows: " in out and " 0 failed" in out
    assert f"{run_id}: published" in out
