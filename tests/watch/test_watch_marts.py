"""mart.watch_market_shares, mart.watch_competitors and mart.watch_demand
(sql/mart/watch_trade/010-030) against a hand-computed world: home MAR, priority markets FRA
and SEN, competitors ESP and TUR (ITA supplies FRA but is not watched; USA is not a priority
market)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from observatory.warehouse.sql_runner import apply_file
from tests.study.conftest import StudyDb

REPO = Path(__file__).resolve().parents[2]
MIRROR_SQL = REPO / "sql" / "mart" / "trade" / "030_mirror_reconciliation.sql"
WATCH_SQL = [*sorted((REPO / "sql" / "mart" / "watch_trade").glob("*.sql")),
             *sorted((REPO / "sql" / "mart" / "watch_regulatory").glob("*.sql"))]
TRADE_MARTS = ["watch_market_shares", "watch_competitors", "watch_demand"]

A, A2, APPLES, B = "080510", "080521", "080810", "620342"  # oranges, mandarins, apples, trousers

FLOWS = [
    # FRA
    (2020, "MAR", "FRA", A, 10.0), (2020, "ESP", "FRA", A, 30.0), (2020, "TUR", "FRA", A, 10.0),
    (2020, "ESP", "FRA", A2, 10.0),
    (2021, "MAR", "FRA", A, 20.0), (2021, "ESP", "FRA", A, 40.0), (2021, "TUR", "FRA", A, 20.0),
    (2021, "ITA", "FRA", A, 20.0),
    (2021, "MAR", "FRA", A2, 20.0), (2021, "ESP", "FRA", A2, 20.0),
    (2021, "ESP", "FRA", APPLES, 80.0),
    (2021, "MAR", "FRA", B, 10.0), (2021, "TUR", "FRA", B, 30.0),
    (2022, "MAR", "FRA", A, 15.0), (2022, "ESP", "FRA", A, 60.0), (2022, "TUR", "FRA", A, 15.0),
    (2022, "ITA", "FRA", A, 10.0),
    (2022, "MAR", "FRA", A2, 10.0), (2022, "ESP", "FRA", A2, 30.0),
    (2022, "ESP", "FRA", APPLES, 80.0),
    (2022, "TUR", "FRA", B, 40.0),
    # SEN: the home country enters the trousers market in 2022.
    (2021, "TUR", "SEN", B, 10.0),
    (2022, "MAR", "SEN", B, 5.0), (2022, "TUR", "SEN", B, 15.0),
    # Not a priority market.
    (2022, "MAR", "USA", A, 1000.0),
]


def _declared(db: StudyDb, rows: list[tuple[str, int, str, str, str, float]]) -> None:
    """Annual flows as one side declares them: (reported_by, year, exporter, importer, hs6,
    value_usd)."""
    db.con.executemany(
        "insert into core.trade_flows by name select 'comtrade' as source, 'T' as release, "
        "'b' as batch_id, ? as reported_by, 'HS22' as classification, 6 as hs_level, "
        "? as product_code, 'A' as freq, ? as year, null as month, ? as exporter_iso3, "
        "? as importer_iso3, ? as value_usd, null as quantity_t",
        [(by, hs6, year, exp, imp, value) for by, year, exp, imp, hs6, value in rows],
    )


def _monthly(db: StudyDb, rows: list[tuple[int, int, str, str, str, float]],
             reported_by: str = "importer") -> None:
    """Monthly flows: (year, month, exporter, importer, HS code, value_usd); the HS level is
    the code's length."""
    db.con.executemany(
        "insert into core.trade_flows by name select 'comtrade' as source, 'T' as release, "
        "'b' as batch_id, ? as reported_by, 'HS22' as classification, ? as hs_level, "
        "? as product_code, 'M' as freq, ? as year, ? as month, ? as exporter_iso3, "
        "? as importer_iso3, ? as value_usd, null as quantity_t",
        [(reported_by, len(code), code, y, m, exp, imp, v)
         for y, m, exp, imp, code, v in rows],
    )


def _apply_watch(db: StudyDb) -> dict[str, pd.DataFrame]:
    apply_file(db.con, MIRROR_SQL)
    for path in WATCH_SQL:
        apply_file(db.con, path)
    return {t: db.con.execute(f"select * from mart.{t}").df() for t in TRADE_MARTS}


def _build(db: StudyDb, **config) -> dict[str, pd.DataFrame]:
    db.configure(**({"home": "MAR", "first_year": 2020, "last_year": 2022,
                     "priority_markets": ["FRA", "SEN"], "competitors": ["ESP", "TUR"],
                     "growth_window": 2} | config))
    db.add_flows(FLOWS)
    # The mirror pair MAR -> FRA, oranges, 2022: declared exports 100, mirror imports 110.
    _declared(db, [("exporter", 2022, "MAR", "FRA", A, 100.0),
                   ("importer", 2022, "MAR", "FRA", A, 110.0)])
    return _apply_watch(db)


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory,
          _study_template: Path) -> Iterator[dict[str, pd.DataFrame]]:
    db = StudyDb(tmp_path_factory.mktemp("watch_marts"), _study_template)
    try:
        yield _build(db)
    finally:
        db.con.close()


def _one(table: pd.DataFrame, **keys) -> pd.Series:
    rows = table
    for column, value in keys.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, (keys, rows)
    return rows.iloc[0]


def _share(marts, market, level, code, period, kind="annual") -> pd.Series:
    return _one(marts["watch_market_shares"], market_iso3=market, level=level, code=code,
                period_kind=kind, period=period)


def test_columns_are_the_contracts(marts):
    assert list(marts["watch_market_shares"].columns) == [
        "market_iso3", "level", "code", "description", "period_kind", "period",
        "previous_period", "market_imports_usd", "market_imports_prev_usd", "home_exports_usd",
        "home_exports_prev_usd", "home_share", "home_share_prev", "share_change_pts",
        "home_rank", "home_rank_prev", "suppliers", "mirror_flag", "partners_complete",
        "total_from", "input", "source", "vintage", "data_through"]
    assert list(marts["watch_competitors"].columns) == [
        "market_iso3", "level", "code", "period_kind", "period", "supplier_iso3", "role",
        "exports_usd", "exports_prev_usd", "share", "share_prev", "share_change_pts", "rank",
        "gains_while_home_loses"]
    assert list(marts["watch_demand"].columns) == [
        "market_iso3", "level", "code", "year", "imports_usd", "imports_prev_usd",
        "growth_pct", "trend_cagr_pct"]


def test_hs6_shares_changes_and_ranks(marts):
    # Oranges in FRA, 2022: M = 15 + 60 + 15 + 10 = 100, home 15; 2021: M = 100, home 20.
    row = _share(marts, "FRA", "hs6", A, "2022")
    assert row.previous_period == "2021"
    assert row.market_imports_usd == pytest.approx(100.0)
    assert row.market_imports_prev_usd == pytest.approx(20 + 40 + 20 + 20)
    assert row.home_exports_usd == pytest.approx(15.0)
    assert row.home_exports_prev_usd == pytest.approx(20.0)
    assert row.home_share == pytest.approx(0.15)
    assert row.home_share_prev == pytest.approx(0.20)
    assert row.share_change_pts == pytest.approx(100 * (0.15 - 0.20))
    # ESP 60 is larger; TUR ties with MAR at 15 (ties share a rank).
    assert row.home_rank == 2 and row.home_rank_prev == 2
    assert row.suppliers == 4
    assert row.description.lower().startswith("fruit, edible; oranges")
    # Mandarins, 2021: the home country enters (2020: ESP 10 alone).
    row = _share(marts, "FRA", "hs6", A2, "2021")
    assert row.home_share == pytest.approx(20 / 40)
    assert row.home_share_prev == pytest.approx(0.0)
    assert row.share_change_pts == pytest.approx(50.0)
    assert row.home_rank == 1  # ties with ESP at 20
    assert pd.isna(row.home_rank_prev)


def test_hs4_and_sector_aggregate_the_hs6_codes(marts):
    # HS4 0805 = oranges + mandarins. 2020: M = 50 + 10 = 60, home 10 (ESP 40, TUR 10);
    # 2021: M = 100 + 40 = 140, home 40 (ESP 60, TUR 20, ITA 20).
    row = _share(marts, "FRA", "hs4", "0805", "2021")
    assert row.market_imports_usd == pytest.approx(140.0)
    assert row.home_share == pytest.approx(40 / 140)
    assert row.home_share_prev == pytest.approx(10 / 60)
    assert row.share_change_pts == pytest.approx(100 * (40 / 140 - 10 / 60))
    assert row.home_rank == 2 and row.home_rank_prev == 2
    assert row.suppliers == 4
    # Sector agrifood also holds ESP's apples (80), which the home country never ships.
    row = _share(marts, "FRA", "sector", "agrifood", "2022")
    assert row.market_imports_usd == pytest.approx(100 + 40 + 80)
    assert row.home_exports_usd == pytest.approx(15 + 10)
    assert row.home_share == pytest.approx(25 / 220)
    assert row.home_share_prev == pytest.approx(40 / 220)
    assert row.home_rank == 2  # ESP 60 + 30 + 80 = 170
    assert row.description == "Agriculture and agri-food"
    # No hs6 row for apples: the home country does not export them.
    shares = marts["watch_market_shares"]
    assert not ((shares.level == "hs6") & (shares.code == APPLES)).any()


def test_rows_follow_the_home_country_in_either_year(marts):
    shares = marts["watch_market_shares"]
    # Trousers in FRA: home exports in 2021 only, so rows for 2021 and 2022, none for 2020
    # (no previous year) and none in USA (not a priority market).
    rows = shares[(shares.market_iso3 == "FRA") & (shares.level == "hs6") & (shares.code == B)]
    assert sorted(rows.period) == ["2021", "2022"]
    row = _share(marts, "FRA", "hs6", B, "2022")
    assert row.home_share == pytest.approx(0.0)
    assert row.home_share_prev == pytest.approx(10 / 40)
    assert row.share_change_pts == pytest.approx(-25.0)
    assert pd.isna(row.home_rank) and row.home_rank_prev == 2
    row = _share(marts, "FRA", "hs6", B, "2021")
    assert row.market_imports_prev_usd == 0 and pd.isna(row.home_share_prev)
    assert pd.isna(row.share_change_pts)
    # SEN, trousers 2022: M = 20, home 5 (TUR 15); 2021: M = 10, home 0.
    row = _share(marts, "SEN", "hs6", B, "2022")
    assert row.share_change_pts == pytest.approx(100 * (5 / 20 - 0))
    assert row.home_rank == 2
    assert set(shares.market_iso3) == {"FRA", "SEN"}
    assert set(shares.period_kind) == {"annual"}  # no monthly data: no rolling12 rows
    assert set(shares.period) == {"2021", "2022"}


def test_mirror_flag_on_hs6_annual_rows_only(marts):
    # 110 / 100 = 1.1, inside [0.95, 1.25]: consistent. The declared rows do not enter the
    # shares (reconciled flows only).
    row = _share(marts, "FRA", "hs6", A, "2022")
    assert row.mirror_flag == "consistent"
    assert row.home_exports_usd == pytest.approx(15.0)
    assert pd.isna(_share(marts, "FRA", "hs6", A, "2021").mirror_flag)
    assert pd.isna(_share(marts, "FRA", "hs4", "0805", "2022").mirror_flag)


def test_competitors_gain_while_home_loses(marts):
    comp = marts["watch_competitors"]
    rows = comp[(comp.market_iso3 == "FRA") & (comp.level == "hs6") & (comp.code == A)
                & (comp.period == "2022")]
    # ITA supplies but is not watched.
    assert sorted(rows.supplier_iso3) == ["ESP", "MAR", "TUR"]
    esp = _one(rows, supplier_iso3="ESP")
    assert esp.role == "competitor"
    assert esp.exports_usd == pytest.approx(60.0) and esp.exports_prev_usd == pytest.approx(40.0)
    assert esp.share == pytest.approx(0.60) and esp.share_prev == pytest.approx(0.40)
    assert esp.share_change_pts == pytest.approx(20.0)
    assert esp["rank"] == 1
    assert esp.gains_while_home_loses  # home: 20 % -> 15 %
    tur = _one(rows, supplier_iso3="TUR")
    assert tur.share_change_pts == pytest.approx(100 * (0.15 - 0.20))
    assert tur["rank"] == 2 and not tur.gains_while_home_loses
    home = _one(rows, supplier_iso3="MAR")
    assert home.role == "home" and home["rank"] == 2
    assert home.share_change_pts == pytest.approx(
        _share(marts, "FRA", "hs6", A, "2022").share_change_pts)
    assert not home.gains_while_home_loses
    # 2021: the home share does not move (20 % -> 20 %), so nobody gains what it loses.
    rows_2021 = comp[(comp.market_iso3 == "FRA") & (comp.code == A) & (comp.period == "2021")]
    assert not rows_2021.gains_while_home_loses.any()
    # HS4 0805, 2022: home 40/140 -> 25/140; ESP 60/140 -> 90/140 gains.
    esp4 = _one(comp, market_iso3="FRA", level="hs4", code="0805", period="2022",
                supplier_iso3="ESP")
    assert esp4.share_change_pts == pytest.approx(100 * (90 / 140 - 60 / 140))
    assert esp4.gains_while_home_loses
    # SEN trousers: TUR's share falls from 100 % to 75 % as the home country enters.
    tur_sen = _one(comp, market_iso3="SEN", level="hs6", code=B, period="2022",
                   supplier_iso3="TUR")
    assert tur_sen.share_change_pts == pytest.approx(100 * (15 / 20 - 10 / 10))
    assert tur_sen["rank"] == 1
    # Same (market, level, code, period) set as 010.
    keys = ["market_iso3", "level", "code", "period_kind", "period"]
    shares = marts["watch_market_shares"]
    assert set(map(tuple, comp[keys].drop_duplicates().values)) == set(
        map(tuple, shares[keys].values))


def test_demand_growth_and_trend(marts):
    demand = marts["watch_demand"]
    # Oranges: 2020 M = 50, 2021 100, 2022 100. growth_window = 2.
    row = _one(demand, market_iso3="FRA", level="hs6", code=A, year=2022)
    assert row.imports_usd == pytest.approx(100.0)
    assert row.imports_prev_usd == pytest.approx(100.0)
    assert row.growth_pct == pytest.approx(0.0)
    assert row.trend_cagr_pct == pytest.approx(100 * ((100 / 50) ** (1 / 2) - 1))
    row = _one(demand, market_iso3="FRA", level="hs6", code=A, year=2021)
    assert row.growth_pct == pytest.approx(100 * (100 / 50 - 1))
    assert pd.isna(row.trend_cagr_pct)  # 2021 - 2 < first_year
    # Mandarins 2022 against 2020: 40 / 10.
    row = _one(demand, market_iso3="FRA", level="hs6", code=A2, year=2022)
    assert row.trend_cagr_pct == pytest.approx(100 * ((40 / 10) ** 0.5 - 1))
    assert row.growth_pct == pytest.approx(0.0)
    # Sector agrifood: 220 in 2022 against 60 in 2020.
    row = _one(demand, market_iso3="FRA", level="sector", code="agrifood", year=2022)
    assert row.trend_cagr_pct == pytest.approx(100 * ((220 / 60) ** 0.5 - 1))
    # Trousers: FRA imported none in 2020, so no trend; the 2021 growth has no base.
    row = _one(demand, market_iso3="FRA", level="hs6", code=B, year=2022)
    assert pd.isna(row.trend_cagr_pct)
    assert pd.isna(_one(demand, market_iso3="FRA", level="hs6", code=B, year=2021).growth_pct)
    # SEN trousers: 10 -> 20.
    row = _one(demand, market_iso3="SEN", level="hs6", code=B, year=2022)
    assert row.growth_pct == pytest.approx(100.0)
    assert len(demand) == len(marts["watch_market_shares"])


MONTHS = [(2021 + (6 + i) // 12, (6 + i) % 12 + 1) for i in range(24)]  # 2021-07 .. 2023-06


def test_rolling_twelve_months(study_db):
    db = study_db
    db.configure(home="MAR", first_year=2020, last_year=2022,
                 priority_markets=["FRA", "SEN", "CIV"], competitors=["ESP", "TUR"])
    db.add_flows(FLOWS)
    rows = []
    for n, (year, month) in enumerate(MONTHS):
        current = n >= 12  # 2022-07 .. 2023-06
        rows.append((year, month, "ESP", "FRA", A, 10.0))
        rows.append((year, month, "MAR", "FRA", A, 3.0 if current else 5.0))
        if current:
            rows.append((year, month, "TUR", "FRA", A, 4.0))
    rows.append((2021, 6, "MAR", "FRA", A, 1000.0))  # before the two windows
    # SEN: five months only, not enough for a 12-month comparison.
    rows += [(2023, m, "MAR", "SEN", B, 7.0) for m in range(1, 6)]
    # CIV declares HS4 codes only (heading 6203): hs4 rows, no hs6 or sector rows.
    for n, (year, month) in enumerate(MONTHS):
        rows += [(year, month, "MAR", "CIV", "6203", 2.0 if n >= 12 else 1.0),
                 (year, month, "TUR", "CIV", "6203", 6.0)]
    _monthly(db, rows)
    # The exporter's own declaration is ignored where the market's own is loaded.
    _monthly(db, [(2023, 6, "MAR", "FRA", A, 999.0)], reported_by="exporter")
    marts = _apply_watch(db)
    shares = marts["watch_market_shares"]
    rolling = shares[shares.period_kind == "rolling12"]
    assert set(rolling.market_iso3) == {"FRA", "CIV"}
    assert set(rolling[rolling.market_iso3 == "FRA"].level) == {"hs6", "hs4", "sector"}
    civ = _one(rolling, market_iso3="CIV")
    assert (civ.level, civ.code, civ.period) == ("hs4", "6203", "2023-06")
    assert civ.home_share == pytest.approx(24 / (24 + 72))
    assert civ.home_share_prev == pytest.approx(12 / (12 + 72))
    row = _one(rolling, market_iso3="FRA", level="hs6", code=A)
    assert row.period == "2023-06" and row.previous_period == "2022-06"
    # Current window: ESP 120, TUR 48, MAR 36 = 204; previous: ESP 120, MAR 60 = 180.
    assert row.market_imports_usd == pytest.approx(12 * (10 + 4 + 3))
    assert row.market_imports_prev_usd == pytest.approx(12 * (10 + 5))
    assert row.home_exports_usd == pytest.approx(36.0)
    assert row.home_share == pytest.approx(36 / 204)
    assert row.home_share_prev == pytest.approx(60 / 180)
    assert row.share_change_pts == pytest.approx(100 * (36 / 204 - 60 / 180))
    assert row.home_rank == 3 and row.home_rank_prev == 2
    assert row.suppliers == 3
    assert pd.isna(row.mirror_flag)
    comp = marts["watch_competitors"]
    tur = _one(comp, period_kind="rolling12", level="hs6", code=A, supplier_iso3="TUR")
    assert tur.period == "2023-06"
    assert tur.share == pytest.approx(48 / 204) and tur.share_prev == pytest.approx(0.0)
    assert tur["rank"] == 2 and tur.gains_while_home_loses
    # The annual rows are untouched by the monthly ones, and demand stays annual.
    assert _share(marts, "FRA", "hs6", A, "2022").market_imports_usd == pytest.approx(100.0)
    assert set(marts["watch_demand"].year) == {2021, 2022}


def test_the_home_country_is_a_parameter(study_db):
    """Another home country, TUR, with MAR among its competitors (and TUR itself listed as
    one, which must not double it)."""
    marts = _build(study_db, home="TUR", priority_markets=["FRA"],
                   competitors=["MAR", "ESP", "TUR"])
    shares = marts["watch_market_shares"]
    row = _share(marts, "FRA", "hs6", A, "2022")
    assert row.home_exports_usd == pytest.approx(15.0)
    assert row.home_share == pytest.approx(0.15) and row.home_share_prev == pytest.approx(0.20)
    assert row.home_rank == 2
    assert pd.isna(row.mirror_flag)  # the mirror pair is MAR's, not TUR's
    # Trousers: TUR 30 of 40 in 2021, 40 of 40 in 2022.
    row = _share(marts, "FRA", "hs6", B, "2022")
    assert row.home_share == pytest.approx(1.0) and row.home_share_prev == pytest.approx(0.75)
    assert row.home_rank == 1
    # TUR never ships mandarins: no hs6 row for them.
    assert not ((shares.level == "hs6") & (shares.code == A2)).any()
    comp = marts["watch_competitors"]
    rows = comp[(comp.level == "hs6") & (comp.code == A) & (comp.period == "2022")]
    assert sorted(zip(rows.supplier_iso3, rows.role, strict=True)) == [
        ("ESP", "competitor"), ("MAR", "competitor"), ("TUR", "home")]
    mar = _one(rows, supplier_iso3="MAR")
    assert mar.share_change_pts == pytest.approx(100 * (0.15 - 0.20))
    assert not mar.gains_while_home_loses


def test_demand_does_not_compare_years_from_different_inputs(study_db):
    """FRA declares its own 2022 imports of oranges (a World row of 300 and two partners):
    2022 then comes from its declarations, 2021 from reconciled flows. The share still
    compares (a ratio), but demand growth across two inputs would read coverage as demand:
    no growth, and the 2022 row says where it comes from."""
    db = study_db
    db.configure(home="MAR", first_year=2020, last_year=2022, priority_markets=["FRA", "SEN"],
                 competitors=["ESP", "TUR"], growth_window=2)
    db.add_flows(FLOWS)
    _declared(db, [("importer", 2022, "MAR", "FRA", A, 60.0),
                   ("importer", 2022, "ESP", "FRA", A, 200.0)])
    db.con.execute(
        "insert into core.trade_totals by name select 'comtrade' as source, 'T' as release, "
        "'b' as batch_id, 'FRA' as reporter_iso3, 'M' as flow, 'HS22' as classification, "
        "6 as hs_level, ? as product_code, 'A' as freq, 2022 as year, null as month, "
        "300.0 as value_usd, null as quantity_t", [A])
    marts = _apply_watch(db)
    share = _share(marts, "FRA", "hs6", A, "2022")
    assert (share.input, share.source, share.total_from) == ("declared", "comtrade", "world_row")
    assert share.home_share == pytest.approx(60 / 300)
    row = _one(marts["watch_demand"], market_iso3="FRA", level="hs6", code=A, year=2022)
    assert row.imports_usd == pytest.approx(300.0)
    assert pd.isna(row.growth_pct) and pd.isna(row.trend_cagr_pct)
    # SEN has no declarations: its years still compare.
    row = _one(marts["watch_demand"], market_iso3="SEN", level="hs6", code=B, year=2022)
    assert row.growth_pct == pytest.approx(100.0)
