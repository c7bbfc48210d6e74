"""The nightly job end to end on the demo data, checked against the source files."""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from observatory.config import load_config
from observatory.nightly import run_nightly


def _year_frames(archive: Path) -> dict[int, pd.DataFrame]:
    """The archive's yearly CSVs read straight with pandas: an independent reference."""
    frames = {}
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            if name.startswith("BACI_") and name.endswith(".csv"):
                frame = pd.read_csv(io.BytesIO(zf.read(name)), dtype={"k": str},
                                    keep_default_na=False)
                frames[int(frame["t"].iloc[0])] = frame
    return frames


def _published(cfg: Any) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(cfg.warehouse.published), read_only=True)


def test_demo_run_publishes_every_row_of_the_archive(demo_run: dict[str, Any]) -> None:
    cfg, summary = demo_run["cfg"], demo_run["summary"]
    assert summary["status"] == "published"
    frames = _year_frames(demo_run["archive"])
    with _published(cfg) as con:
        # The demo's other trade sources (national statistics, Comext) have rows too.
        counts = dict(con.execute(
            "select year, count(*) from core.trade_flows where source = 'baci' "
            "group by year").fetchall())
        totals = dict(con.execute(
            "select year, sum(value_usd) from core.trade_flows where source = 'baci' "
            "group by year").fetchall())
        statuses = {r[0] for r in con.execute("select status from ops.load_ledger").fetchall()}
    assert counts == {year: len(frame) for year, frame in frames.items()}
    for year, frame in frames.items():
        assert totals[year] == pytest.approx(frame["v"].astype(float).sum() * 1000, rel=1e-12)
    assert statuses == {"published"}


def test_rca_and_market_share_equal_a_direct_computation(demo_run: dict[str, Any]) -> None:
    cfg = demo_run["cfg"]
    year = cfg.study.last_year
    frame = _year_frames(demo_run["archive"])[year]
    frame["hs6"] = frame["k"].str.zfill(6)
    frame["v"] = frame["v"].astype(float)
    home_code = 504  # Morocco's BACI code, as BACI publishes it
    world_k = frame.groupby("hs6")["v"].sum()
    home = frame[frame["i"] == home_code]
    home_k = home.groupby("hs6")["v"].sum()
    expected_rca = (home_k / home["v"].sum()) / (world_k[home_k.index] / frame["v"].sum())
    expected_share = home_k / world_k[home_k.index]
    with _published(cfg) as con:
        mart = con.execute(
            "select hs6, rca, world_market_share from mart.home_rca_hs6 "
            "where year = ? and home_exports_usd > 0", [year]).df().set_index("hs6")
    assert set(mart.index) == set(expected_rca.index)
    pd.testing.assert_series_equal(mart["rca"].sort_index(), expected_rca.sort_index(),
                                   check_names=False, rtol=1e-9)
    pd.testing.assert_series_equal(mart["world_market_share"].sort_index(),
                                   expected_share.sort_index(), check_names=False, rtol=1e-9)


def test_top_markets_rank_the_home_country_exports(demo_run: dict[str, Any]) -> None:
    cfg = demo_run["cfg"]
    year = cfg.study.last_year
    frame = _year_frames(demo_run["archive"])[year]
    by_importer = frame[frame["i"] == 504].groupby("j")["v"].sum().sort_values(ascending=False)
    with _published(cfg) as con:
        top = con.execute(
            "select m.importer_iso3, m.exports_usd, m.rank, c.baci_code "
            "from mart.home_top_markets m join ref.countries c on c.iso3 = m.importer_iso3 "
            "where year = ? order by rank limit 3", [year]).fetchall()
    assert [r[3] for r in top] == list(by_importer.index[:3])
    assert top[0][1] == pytest.approx(by_importer.iloc[0] * 1000)
    assert [r[2] for r in top] == [1, 2, 3]


def test_report_is_written_and_labelled_as_demo_data(demo_run: dict[str, Any]) -> None:
    paths = [Path(p) for p in demo_run["summary"]["report_paths"]]
    assert [p.name for p in paths] == ["index.html", "index.en.html", "study.html",
                                       "study.xlsx", "watch.html", "digest.html",
                                       "study.en.html", "study.en.xlsx", "watch.en.html",
                                       "digest.en.html"]
    french = paths[0].read_text(encoding="utf-8")
    english = paths[1].read_text(encoding="utf-8")
    assert "Données de démonstration (synthétiques)" in french
    assert "Demo data (synthetic)" in english
    assert "http://" not in french and "https://" not in french


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_unchanged_inputs_add_nothing_and_are_reported_unchanged(
        published_workspace: Path) -> None:
    cfg = load_config(published_workspace / "observatory.toml")  # its first run published
    with _published(cfg) as con:
        before = con.execute("select count(*) from core.trade_flows").fetchone()
        ledger_before = con.execute("select count(*) from ops.load_ledger").fetchone()
    published_sha = _file_sha(cfg.warehouse.published)
    second = run_nightly(cfg)
    assert second["status"] == "unchanged"
    assert {i["status"] for i in second["inputs"]} == {"unchanged"}
    assert second["published"] is False
    assert _file_sha(cfg.warehouse.published) == published_sha
    with _published(cfg) as con:
        assert con.execute("select count(*) from core.trade_flows").fetchone() == before
        assert con.execute("select count(*) from ops.load_ledger").fetchone() == ledger_before


def test_planted_defects_are_rejected_listed_and_leave_the_published_data(
    published_workspace: Path,
) -> None:
    from observatory.demo.generate import write_defective_year

    workspace = published_workspace  # its first run published
    cfg = load_config(workspace / "observatory.toml")
    published_sha = _file_sha(cfg.warehouse.published)
    archive = next((workspace / "inputs").glob("BACI_*.zip"))
    defective = workspace / "defective.zip"
    planted = write_defective_year(archive, defective, cfg.study.last_year)
    shutil.move(defective, archive)

    summary = run_nightly(cfg)
    assert summary["status"] == "completed_with_rejections"
    (rejected,) = [i for i in summary["inputs"] if i["status"] == "rejected"]
    assert rejected["year"] == cfg.study.last_year
    (verdict,) = summary["validation"]
    reported = {(d["line_number"], d["field"]) for d in verdict["defects"]}
    kinds = {d["defect"] for d in planted}
    assert len(kinds) == 4
    for defect in planted:
        assert any(line == defect["row"] for line, _ in reported), defect
    failed = {c["expectation"] for c in verdict["failed_checks"]}
    assert "expect_column_values_to_be_between" in failed  # the negative value
    assert any(name.startswith("compound_key_unique") for name in failed)
    # Nothing was published: the published file is byte for byte the one before.
    assert _file_sha(cfg.warehouse.published) == published_sha
    # The rejected rows are kept, with file, line, field and reason, in the working database.
    with duckdb.connect(str(cfg.warehouse.work), read_only=True) as con:
        quarantined = con.execute(
            "select line_number, field, reason, raw_record from ops.quarantine "
            "where batch_id = ?", [rejected["batch_id"]]).fetchall()
        status = con.execute("select status from ops.load_ledger where batch_id = ?",
                             [rejected["batch_id"]]).fetchone()
    assert status == ("rejected",)
    assert {d["row"] for d in planted} <= {q[0] for q in quarantined}
    assert all(q[2] and q[3] for q in quarantined)
    # A second run with the same defective file does not load it again.
    again = run_nightly(cfg)
    (same,) = [i for i in again["inputs"] if i["year"] == cfg.study.last_year]
    assert same["status"] == "unchanged" and same["previous_status"] == "rejected"


def test_eu_scope_exposure_equals_a_direct_computation(demo_run: dict[str, Any]) -> None:
    """CBAM/EUDR products the home country sells to the EU27, against pandas on the CSVs."""
    from observatory.reference.countries import build_countries
    from observatory.reference.hs import build_hs_nomenclature

    cfg = demo_run["cfg"]
    year = cfg.study.last_year
    frame = _year_frames(demo_run["archive"])[year]
    frame["hs6"] = frame["k"].str.zfill(6)
    countries = build_countries()
    eu_codes = set(countries.loc[countries["eu_member"], "baci_code"].dropna().astype(int))
    to_eu = frame[(frame["i"] == 504) & frame["j"].isin(eu_codes)]
    by_product = to_eu.groupby("hs6")["v"].sum() * 1000
    hs = build_hs_nomenclature()
    cbam = set(hs.loc[(hs["level"] == 6) & hs["cbam"], "hs_code"])
    expected = by_product[by_product.index.isin(cbam)]
    with _published(cfg) as con:
        got = con.execute(
            "select hs6, exports_to_eu_usd, share_of_exports_to_eu from mart.eu_scope_exposure "
            "where year = ? and regulation = 'CBAM'", [year]).df().set_index("hs6")
    assert len(expected) > 0
    pd.testing.assert_series_equal(got["exports_to_eu_usd"].sort_index(),
                                   expected.sort_index(), check_names=False, rtol=1e-9)
    assert got["share_of_exports_to_eu"].sort_index().tolist() == pytest.approx(
        (expected / by_product.sum()).sort_index().tolist())


def test_demo_regulatory_sources_go_through_their_connectors(demo_run: dict[str, Any]) -> None:
    """The demo's ePing answer, RASFF export and WITS answer are ingested by the nightly job,
    labelled synthetic, and hold what the watch is meant to find."""
    from tests.conftest import DEMO_TODAY

    cfg, summary = demo_run["cfg"], demo_run["summary"]
    by_source = {i["source"]: i for i in summary["inputs"]}
    for source in ("eping", "rasff", "wits"):
        assert by_source[source]["status"] == "loaded", by_source[source]
        assert by_source[source]["is_synthetic"]
    with _published(cfg) as con:
        open_soon = con.execute(
            "select count(*) from core.notifications where comment_deadline between ? "
            "and ? + interval 45 day and revision_kind is null", [DEMO_TODAY, DEMO_TODAY]
        ).fetchone()[0]
        measures = con.execute("select count(distinct base_symbol), count(*) "
                               "from core.notifications").fetchone()
        on_top_products = con.execute(
            "select count(distinct p.notification_id) from core.notification_products p "
            "join mart.home_rca_hs6 m on m.hs6 = p.hs_code and m.year = ? and m.rca >= 1",
            [cfg.study.last_year]).fetchone()[0]
        morocco = con.execute("select count(distinct reference) from core.rasff_origins "
                              "where origin_iso3 = 'MAR'").fetchone()[0]
        preference = con.execute(
            "select count(*) from core.tariffs where partner_iso3 = 'MAR' and regime = 'PRF'"
        ).fetchone()[0]
        synthetic = con.execute("select bool_and(is_synthetic) from ops.load_ledger"
                                ).fetchone()[0]
    assert open_soon >= 5
    assert measures == (10, 12)  # an addendum and a corrigendum are not new measures
    assert on_top_products >= 8
    assert morocco == 14
    assert preference > 0
    assert synthetic is True


def test_complexity_marts_agree_with_the_rca_mart(demo_run: dict[str, Any]) -> None:
    """The home country's presence (RCA >= 1, computed in Python) is the SQL RCA mart's
    products with RCA >= 1, and its diversity their count, every year; PCI is normalised."""
    cfg = demo_run["cfg"]
    with _published(cfg) as con:
        for year in cfg.study.years:
            python_side = {r[0] for r in con.execute(
                "select product_code from mart.home_product_space "
                "where year = ? and level = 6 and m = 1",
                [year]).fetchall()}
            sql_side = {r[0] for r in con.execute(
                "select hs6 from mart.home_rca_hs6 where year = ? and rca >= 1",
                [year]).fetchall()}
            assert python_side == sql_side, year
            diversity = con.execute(
                "select diversity from mart.complexity_countries where year = ? "
                "and level = 6 and iso3 = 'MAR'", [year]).fetchone()[0]
            assert diversity == len(sql_side)
        eci_mean = con.execute("select avg(eci), stddev_samp(eci) from mart.complexity_countries "
                               "where year = ? and level = 6", [cfg.study.last_year]).fetchone()
        density = con.execute("select min(density), max(density) from mart.home_product_space"
                              ).fetchone()
    assert abs(eci_mean[0]) < 1 and eci_mean[1] > 0
    assert 0 <= density[0] <= density[1] <= 1
