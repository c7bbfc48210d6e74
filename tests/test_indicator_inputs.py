"""Every trade source feeds the indicators (issue 15, part 1): the exporter side from
reporters' World rows when no reconciled flows cover the year, the market side from a
market's own declarations with its World row as denominator, and mart.input_coverage and the
run summary saying what fed what. Expected values are computed directly on the real files
with pandas, never from the code's own output."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from observatory.config import load_config
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


def _published(cfg) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(cfg.warehouse.published), read_only=True)


@pytest.fixture(scope="module")
def ots_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The real OTS 2017 HS4 world-exports table, alone, through a profile; the study
    covers 2017."""
    folder = tmp_path_factory.mktemp("ots")
    config = write_config(folder, baci_paths=["inputs/none-*.zip"], first_year=2017,
                          last_year=2017, growth_window=1)
    config.write_text(config.read_text(encoding="utf-8") + OTS_PROFILE, encoding="utf-8")
    cfg = load_config(config)
    path = real_sample("ots-world-exports-hs4-2017", "world_trade_2017.csv")
    summary = run_file_ingest(cfg, path, "ots_world_exports")
    return {"cfg": cfg, "path": path, "summary": summary}


def test_hs4_rca_from_the_world_export_table_equals_a_direct_computation(ots_run) -> None:
    assert ots_run["summary"]["status"] == "published", ots_run["summary"]
    raw = pd.read_csv(ots_run["path"], dtype={"product_code": str, "reporter_iso": str},
                      keep_default_na=False)
    raw = raw[raw.export_value_usd.astype(str).str.strip() != ""].copy()
    raw["value"] = raw.export_value_usd.astype(float)
    raw["reporter"] = raw.reporter_iso.str.upper()
    world_k = raw.groupby("product_code")["value"].sum()
    world = raw["value"].sum()
    home = raw[raw.reporter == "MAR"].groupby("product_code")["value"].sum()
    expected = (home / home.sum()) / (world_k[home.index] / world)
    assert len(expected) > 500

    with _published(ots_run["cfg"]) as con:
        got = con.execute(
            "select code, rca, input, source, vintage, world_exports_usd, "
            "world_total_exports_usd from mart.product_competitiveness "
            "where level = 'hs4' and year = 2017 and home_exports_usd > 0").df()
        hs2 = con.execute(
            "select count(*) from mart.product_competitiveness where level = 'hs2' "
            "and year = 2017").fetchall()[0][0]
    got = got.set_index("code")
    pd.testing.assert_series_equal(got["rca"].sort_index(), expected.sort_index(),
                                   check_names=False, rtol=1e-9)
    assert got["world_total_exports_usd"].iloc[0] == pytest.approx(world, rel=1e-12)
    assert set(got["input"]) == {"reported_totals"}
    assert set(got["source"]) == {"file:ots_world_exports"}
    assert got["vintage"].notna().all()
    # Rows reported at HS4 do not roll up: HS2 would need every heading of an exporter.
    assert hs2 == 0


def test_input_coverage_and_the_summary_say_what_fed_the_study(ots_run) -> None:
    with _published(ots_run["cfg"]) as con:
        rows = con.execute(
            "select side, input, source, year, hs_level, used, units, reason "
            "from mart.input_coverage where side = 'exporter'").fetchall()
    assert rows == [("exporter", "reported_totals", "file:ots_world_exports", 2017, 4, True,
                     224, "chosen for the year and level")]
    (line,) = [x for x in ots_run["summary"]["coverage"]
               if x.startswith("file:ots_world_exports:")]
    assert "exporter side (reported_totals) 2017 HS4" in line


def test_too_few_reporters_are_not_the_world(tmp_path: Path) -> None:
    """Five reporters' World rows are not world exports: below min_world_reporters the input
    is not used, and mart.input_coverage says why."""
    source = real_sample("ots-world-exports-hs4-2017", "world_trade_2017.csv")
    raw = pd.read_csv(source, dtype=str, keep_default_na=False)
    few = raw[raw.reporter_iso.isin(["mar", "fra", "esp", "deu", "ita"])]
    path = tmp_path / "five_reporters.csv"
    few.to_csv(path, index=False)
    config = write_config(tmp_path, baci_paths=["inputs/none-*.zip"], first_year=2017,
                          last_year=2017, growth_window=1)
    config.write_text(config.read_text(encoding="utf-8") + OTS_PROFILE, encoding="utf-8")
    cfg = load_config(config)
    summary = run_file_ingest(cfg, path, "ots_world_exports")
    assert summary["status"] == "published", summary
    with _published(cfg) as con:
        assert con.execute("select count(*) from mart.product_competitiveness"
                           ).fetchall() == [(0,)]
        (reason,) = con.execute("select reason from mart.input_coverage "
                                "where side = 'exporter'").fetchall()[0]
    assert reason == "covers 5 exporters, fewer than min_world_reporters (30)"


def test_morocco_share_of_eu_seat_imports_from_the_market_tables(tmp_path: Path) -> None:
    """Morocco's share of each EU priority market's imports of HS 9401 (an HS4 heading), read
    from mart.market_product_shares, equals the extract's partner-Morocco rows over its World
    rows, computed with pandas."""
    bilateral = real_sample("comtrade-eu27-wood-imports-2018-2022",
                            "data_eu_imports_partner_MAR.csv")
    world = real_sample("comtrade-eu27-wood-imports-2018-2022", "data_eu_imports_world.csv")
    config = write_config(tmp_path, baci_paths=["inputs/none-*.zip"], first_year=2018,
                          last_year=2022, priority_markets=["ESP", "FRA", "DEU", "ITA"])
    cfg = load_config(config)
    for path in (world, bilateral):
        summary = run_file_ingest(cfg, path, "comtrade")
        assert summary["status"] == "published", summary["validation"]

    raw = pd.read_csv(bilateral, dtype={"cmd_code": str})
    raw_world = pd.read_csv(world, dtype={"cmd_code": str})
    markets = ["ESP", "FRA", "DEU", "ITA"]
    num = raw[(raw.partner_iso == "MAR") & (raw.cmd_code == "9401")
              & raw.reporter_iso.isin(markets)].groupby(
        ["reporter_iso", "ref_year"])["primary_value"].sum()
    den = raw_world[(raw_world.cmd_code == "9401") & (raw_world.mot_code == 0)
                    & (raw_world.customs_code == "C00")
                    & raw_world.reporter_iso.isin(markets)].groupby(
        ["reporter_iso", "ref_year"])["primary_value"].sum()
    expected = (num.reindex(den.index).fillna(0) / den)
    assert len(expected) >= 15

    with _published(cfg) as con:
        got = con.execute(
            "select market_iso3, year, home_share, input, total_from, partners_complete, "
            "home_rank, source from mart.market_product_shares "
            "where level = 'hs4' and code = '9401'").df()
    shares = got.set_index(["market_iso3", "year"])["home_share"]
    shares.index.names = expected.index.names
    pd.testing.assert_series_equal(shares.sort_index(), expected.sort_index(),
                                   check_names=False, rtol=1e-12, check_index_type=False)
    assert set(got["input"]) == {"declared"} and set(got["total_from"]) == {"world_row"}
    # Morocco and the World are not every supplier: a share, no rank.
    assert not got["partners_complete"].any() and got["home_rank"].isna().all()
    assert set(got["source"]) == {"file:comtrade"}
