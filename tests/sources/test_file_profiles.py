"""Profiles of analysts' files (issue 15, part 5): a year given by the profile or the file's
name, blank values read as "no data", the HS revision from the file, the profile or the
row's year, HS4/HS2 rows kept at their level, and where a file's rows went."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from observatory.cli import main
from observatory.config import load_config
from observatory.errors import ConfigError
from observatory.nightly import run_file_ingest
from tests.conftest import real_sample, write_config

OTS_PROFILE = """
[profiles.ots_world_exports]
format = "csv"
reporter_column = "reporter_iso"
product_column = "product_code"
value_column = "export_value_usd"
year = 2017
blank_values = "no_data"
"""


def _workspace(folder: Path, profiles: str = "") -> Path:
    """A configuration with no BACI input (only the files given to `ingest file`) and the
    given [profiles.*] sections appended."""
    config = write_config(folder, baci_paths=["inputs/none-*.zip"])
    config.write_text(config.read_text(encoding="utf-8") + profiles, encoding="utf-8")
    return config


def _published(config: Path) -> duckdb.DuckDBPyConnection:
    cfg = load_config(config)
    return duckdb.connect(str(cfg.warehouse.published), read_only=True)


# ------------------------------------------------------------------ the real OTS table


def _ots_counts(path: Path) -> tuple[int, int, set[str], float]:
    """Read with the csv module alone: rows with a value, blank values, the reporters
    with at least one value, and the sum of the values."""
    kept = blank = 0
    reporters: set[str] = set()
    total = 0.0
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["export_value_usd"].strip() == "":
                blank += 1
                continue
            kept += 1
            reporters.add(row["reporter_iso"].upper())
            total += float(row["export_value_usd"])
    return kept, blank, reporters, total


def test_ots_world_exports_2017_load_into_trade_totals_with_blanks_as_no_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """The real OTS 2017 HS4 table has no year column and blank values meaning "no trade":
    through a profile with year = 2017 and blank_values = "no_data", every non-blank row is
    in core.trade_totals at HS4, and the blanks are counted in the summary and the ledger."""
    path = real_sample("ots-world-exports-hs4-2017", "world_trade_2017.csv")
    kept, blank, reporters, total = _ots_counts(path)
    assert (kept, blank) == (176_971, 56_461)  # what the issue reports
    config = _workspace(tmp_path, OTS_PROFILE)

    code = main(["--config", str(config), "ingest", "file", str(path), "--profile",
                 "ots_world_exports"])
    out = capsys.readouterr().out
    assert code == 0, out
    (line,) = [x for x in out.splitlines() if "world_trade_2017.csv" in x]
    assert f"{kept + blank:,} rows read" in line
    assert f"{blank:,} blank values read as no data (rows not loaded)" in line
    assert (f"{kept:,} rows to trade totals (World; HS4): they feed the exporter-side "
            "indicators (RCA, world market shares, complexity) where no reconciled data "
            "exist") in line

    with _published(config) as con:
        assert con.execute("select count(*) from core.trade_flows").fetchone() == (0,)
        rows, n_reporters, value, levels, years, flows, revisions = con.execute(
            "select count(*), count(distinct reporter_iso3), sum(value_usd), "
            "list(distinct hs_level), list(distinct year), list(distinct flow), "
            "list(distinct classification) from core.trade_totals").fetchone()
        got_reporters = {r for (r,) in con.execute(
            "select distinct reporter_iso3 from core.trade_totals").fetchall()}
        ledger = con.execute(
            "select rows_read, rows_loaded, rows_rejected, message from ops.load_ledger "
            "where source = 'file:ots_world_exports'").fetchone()
    assert rows == kept
    assert n_reporters == len(reporters) and got_reporters == reporters
    assert value == pytest.approx(total, rel=1e-12)
    assert (levels, years, flows) == ([4], [2017], ["X"])
    assert revisions == ["HS17"]  # the revision in force in 2017
    assert ledger[:3] == (kept + blank, kept, 0)
    assert f"{blank:,} blank values read as no data" in ledger[3]
    assert f"{kept:,} rows to trade totals (World; HS4)" in ledger[3]


def test_blank_values_are_rejected_by_default_naming_line_and_field(tmp_path: Path) -> None:
    """Without blank_values = "no_data" a blank value is still an error: the file is
    rejected and quarantine names each blank row's line and field."""
    source = real_sample("ots-world-exports-hs4-2017", "world_trade_2017.csv")
    head = source.read_text(encoding="utf-8").splitlines()[:40]
    path = tmp_path / "ots_head.csv"
    path.write_text("\n".join(head) + "\n", encoding="utf-8")
    blank_lines = {i for i, line in enumerate(head, start=1) if line.endswith(",")}
    assert 0 < len(blank_lines) < 39
    config = _workspace(tmp_path, OTS_PROFILE.replace('blank_values = "no_data"\n', ""))
    summary = run_file_ingest(load_config(config), path, "ots_world_exports")
    assert summary["status"] == "completed_with_rejections"
    (verdict,) = summary["validation"]
    assert verdict["rows_rejected"] == len(blank_lines)
    with duckdb.connect(str(load_config(config).warehouse.work), read_only=True) as con:
        quarantined = con.execute("select line_number, field, file_name from ops.quarantine"
                                  ).fetchall()
    assert {line for line, _, _ in quarantined} == blank_lines
    assert {(field, name) for _, field, name in quarantined} == {("value_usd",
                                                                  "ots_head.csv")}


# -------------------------------------------------------------- a year in the file name

YEAR_FROM_NAME = """
[profiles.yearly_exports]
format = "csv"
reporter = "MAR"
partner_column = "partner"
product_column = "hs"
value_column = "usd"
year_from_filename = '_(\\d{4})\\.csv$'
"""


def test_year_from_the_file_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _workspace(tmp_path, YEAR_FROM_NAME)
    path = tmp_path / "exports_2019.csv"
    path.write_text("partner,hs,usd\nESP,940161,100\nFRA,9401,50\n", encoding="utf-8")
    summary = run_file_ingest(load_config(config), path, "yearly_exports")
    assert summary["status"] == "published", summary
    with _published(config) as con:
        got = con.execute("select importer_iso3, year, hs_level, classification "
                          "from core.trade_flows order by 1").fetchall()
    assert got == [("ESP", 2019, 6, "HS17"), ("FRA", 2019, 4, "HS17")]

    # A name the pattern does not match: a failed input naming the key, exit code 1.
    other = tmp_path / "exports.csv"
    other.write_text("partner,hs,usd\nESP,940161,100\n", encoding="utf-8")
    code = main(["--config", str(config), "ingest", "file", str(other), "--profile",
                 "yearly_exports"])
    out = capsys.readouterr().out
    assert code == 1
    assert ("FAILED: profiles.yearly_exports.year_from_filename: '_(\\\\d{4})\\\\.csv$' does "
            "not match the file name 'exports.csv'") in out


# --------------------------------------------------------------------- HS revisions


def test_comtrade_rows_without_a_classification_column_take_their_years_revision(
    tmp_path: Path,
) -> None:
    """The partner-Morocco extract has no classification column; its World file says H5
    (HS17) for 2018-2021 and H6 (HS22) for 2022. Through the built-in comtrade profile both
    now agree: no product-year under two revisions."""
    bilateral = real_sample("comtrade-eu27-wood-imports-2018-2022",
                            "data_eu_imports_partner_MAR.csv")
    world = real_sample("comtrade-eu27-wood-imports-2018-2022", "data_eu_imports_world.csv")
    config = _workspace(tmp_path)
    for path in (world, bilateral):
        summary = run_file_ingest(load_config(config), path, "comtrade")
        assert summary["status"] == "published", summary["validation"]
    raw = pd.read_csv(bilateral, dtype={"cmd_code": str})
    expected_levels = raw.cmd_code.str.len().value_counts().to_dict()
    with _published(config) as con:
        by_year = dict(con.execute(
            "select year, list(distinct classification) from core.trade_flows "
            "group by year").fetchall())
        two_revisions = con.execute(
            """
            select year, product_code, count(distinct classification)
            from (select year, product_code, classification from core.trade_flows
                  union all
                  select year, product_code, classification from core.trade_totals)
            group by all having count(distinct classification) > 1
            """).fetchall()
        levels = dict(con.execute("select hs_level, count(*) from core.trade_flows "
                                  "group by 1").fetchall())
    assert by_year == {2018: ["HS17"], 2019: ["HS17"], 2020: ["HS17"], 2021: ["HS17"],
                       2022: ["HS22"]}
    assert two_revisions == []
    # HS2 and HS4 rows (9401 itself) stay at their level, none dropped.
    assert levels == expected_levels and levels[4] > 0 and levels[2] > 0


REVISION_PROFILE = """
[profiles.revisions]
format = "csv"
reporter = "MAR"
partner_column = "partner"
product_column = "hs"
year_column = "year"
value_column = "usd"
"""

# The revision in force in each year, written out by hand from the WCO's dates.
IN_FORCE = {1995: "HS92", 1996: "HS96", 2001: "HS96", 2002: "HS02", 2006: "HS02",
            2007: "HS07", 2011: "HS07", 2012: "HS12", 2016: "HS12", 2017: "HS17",
            2021: "HS17", 2022: "HS22", 2024: "HS22"}


@pytest.mark.parametrize(
    ("profile_line", "column", "expected"),
    [
        # no column, no profile value: the year's revision
        ("", None, IN_FORCE),
        # the profile's revision for every row
        ('classification = "HS12"\n', None, dict.fromkeys(IN_FORCE, "HS12")),
        # a column wins over the profile; a blank cell falls back to the profile
        ('classification = "HS12"\nclassification_column = "rev"\n',
         {1995: "H1", 2022: "HS07", 2017: ""},
         {**dict.fromkeys(IN_FORCE, "HS12"), 1995: "HS96", 2022: "HS07"}),
        # a blank cell without a profile value: the year's revision
        ('classification_column = "rev"\n', {1995: "H5", 2024: ""},
         {**IN_FORCE, 1995: "HS17"}),
    ],
    ids=["year", "profile", "column_wins", "column_else_year"],
)
def test_classification_from_column_then_profile_then_year(
    tmp_path: Path, profile_line: str, column: dict[int, str] | None,
    expected: dict[int, str],
) -> None:
    # HS4 codes: the labels are what is tested here, not the conversion of HS6 flows into
    # the study's revision (the shipped tables link HS12, HS17 and HS22 only).
    config = _workspace(tmp_path, REVISION_PROFILE + profile_line)
    header = "partner,hs,year,usd" + (",rev" if column is not None else "")
    lines = [header] + [
        f"ESP,9401,{year},{year}" + (f",{column.get(year, '')}" if column is not None else "")
        for year in IN_FORCE]
    path = tmp_path / "revisions.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = run_file_ingest(load_config(config), path, "revisions")
    assert summary["status"] == "published", summary["validation"]
    with _published(config) as con:
        got = dict(con.execute("select year, classification from core.trade_flows"
                               ).fetchall())
    assert got == expected


# ---------------------------------------------------------------- HS4 rows stay HS4

RECONCILED = """
[profiles.reconciled_hs4]
format = "csv"
reporter_column = "exporter"
partner_column = "importer"
product_column = "hs"
year_column = "year"
value_column = "usd"
reported_by = "reconciled"
"""


def test_rows_at_hs4_and_hs2_stay_at_their_level_with_reconciled_profile(
    tmp_path: Path,
) -> None:
    """9401 given at HS4 (with one of its HS6 codes beside it, worth less) is kept as the
    HS4 row the file gives, not rebuilt from the HS6 rows present; HS2 likewise; a World
    row goes to the totals, and the summary says how many rows went where."""
    config = _workspace(tmp_path, RECONCILED)
    path = tmp_path / "reconciled.csv"
    path.write_text("exporter,importer,hs,year,usd\n"
                    "MAR,ESP,940161,2022,100\n"
                    "MAR,ESP,9401,2022,1000\n"
                    "MAR,ESP,94,2022,5000\n"
                    "MAR,WLD,9401,2022,9000\n", encoding="utf-8")
    summary = run_file_ingest(load_config(config), path, "reconciled_hs4")
    assert summary["status"] == "published", summary["validation"]
    with _published(config) as con:
        flows = con.execute("select product_code, hs_level, value_usd, reported_by "
                            "from core.trade_flows order by hs_level").fetchall()
        totals = con.execute("select product_code, hs_level, value_usd "
                             "from core.trade_totals").fetchall()
    assert flows == [("94", 2, 5000.0, "reconciled"), ("9401", 4, 1000.0, "reconciled"),
                     ("940161", 6, 100.0, "reconciled")]
    assert totals == [("9401", 4, 9000.0)]
    changes = summary["inputs"][0]["changes"]
    assert changes["summary"].startswith(
        "3 rows to trade flows (bilateral; HS6, HS4, HS2), 1 row to trade totals "
        "(World; HS4): they feed the exporter-side indicators")


# ---------------------------------------------------------------- bad option values

BASE = """
[profiles.bad]
format = "csv"
reporter = "MAR"
product_column = "hs"
value_column = "usd"
"""


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("", "profiles.bad.year_column: missing (a file without a year column needs "
             "year = 2017 or year_from_filename = \"a regex with one group\")"),
        ('year_column = "year"\nyear = 2017\n',
         "profiles.bad.year: give only one of year_column, year and year_from_filename "
         "(this profile gives year_column and year)"),
        ("year = 2017\nyear_from_filename = '(\\d{4})'\n",
         "profiles.bad.year_from_filename: give only one of year_column, year and "
         "year_from_filename (this profile gives year and year_from_filename)"),
        ('year = "2017"\n', "profiles.bad.year: '2017' is not a year from 1988 to "),
        ("year = 1850\n", "profiles.bad.year: 1850 is not a year from 1988 to "),
        ("year_from_filename = '\\d{4}'\n",
         "profiles.bad.year_from_filename: '\\\\d{4}' has 0 groups; it needs exactly one, "
         "around the year"),
        ("year_from_filename = '(\\d{2})(\\d{2})'\n",
         "profiles.bad.year_from_filename: '(\\\\d{2})(\\\\d{2})' has 2 groups; it needs "
         "exactly one, around the year"),
        ("year_from_filename = '(\\d{4'\n",
         "profiles.bad.year_from_filename: not a regular expression (missing ), unterminated "
         "subpattern at position 0)"),
        ("year = 2017\nblank_values = \"zero\"\n",
         "profiles.bad.blank_values: 'zero' is not one of reject, no_data"),
        ("year = 2017\nclassification = \"HS2017\"\n",
         "profiles.bad.classification: 'HS2017' is not one of HS92, HS96, HS02, HS07, HS12, "
         "HS17, HS22 ('' or absent: the revision in force in the row's year)"),
    ],
    ids=["no_year", "column_and_year", "year_and_filename", "year_text", "year_range",
         "no_group", "two_groups", "bad_regex", "blank_values", "classification"],
)
def test_bad_profile_options_are_one_line_errors_naming_the_key(
    tmp_path: Path, lines: str, message: str,
) -> None:
    config = _workspace(tmp_path, BASE + lines)
    with pytest.raises(ConfigError) as err:
        load_config(config)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)
