"""mart.product_competitiveness (sql/mart/study/010) against a hand-computed four-product world."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from observatory.indicators.trade_indices import (
    balassa_rca,
    cagr,
    symmetric_rca,
    trade_balance_index,
)
from observatory.warehouse.sql_runner import apply_file
from tests.study.conftest import StudyDb

SQL = (Path(__file__).resolve().parents[2] / "sql" / "mart" / "study"
       / "010_product_competitiveness.sql")

A, B, C, D = "080510", "080550", "080810", "620342"  # oranges, lemons, apples, trousers
# A and B share HS4 0805; A, B, C share HS2 08 and the sector 'agrifood'; D is 62 / 6203,
# sector 'textile_leather'.

# World of MAR (home), ESP (exporter), FRA and SEN (importers); MAR also imports D.
# Per product, world trade W_k is 100 in 2019 and 400, 400, 100, 100 in 2021, so world
# demand for A and B grows faster than all trade (W: 400 -> 1000) and for C and D slower.
FLOWS = [
    # 2019: W = 400, X_h = 40
    (2019, "MAR", "FRA", A, 10.0), (2019, "ESP", "FRA", A, 60.0), (2019, "ESP", "SEN", A, 30.0),
    (2019, "MAR", "FRA", B, 10.0), (2019, "ESP", "FRA", B, 90.0),
    (2019, "MAR", "SEN", C, 10.0), (2019, "ESP", "FRA", C, 90.0),
    (2019, "MAR", "FRA", D, 10.0), (2019, "ESP", "MAR", D, 40.0), (2019, "ESP", "FRA", D, 50.0),
    # 2020: W = 600, X_h = 40; MAR does not export B
    (2020, "MAR", "FRA", A, 20.0), (2020, "ESP", "FRA", A, 180.0),
    (2020, "ESP", "FRA", B, 200.0),
    (2020, "MAR", "SEN", C, 10.0), (2020, "ESP", "FRA", C, 90.0),
    (2020, "MAR", "FRA", D, 10.0), (2020, "ESP", "FRA", D, 90.0),
    # 2021: W = 1000, X_h = 90 + 10 + 40 + 2.5 = 142.5
    (2021, "MAR", "FRA", A, 60.0), (2021, "MAR", "SEN", A, 30.0), (2021, "ESP", "FRA", A, 310.0),
    (2021, "MAR", "FRA", B, 10.0), (2021, "ESP", "FRA", B, 300.0), (2021, "ESP", "SEN", B, 90.0),
    (2021, "MAR", "SEN", C, 40.0), (2021, "ESP", "FRA", C, 60.0),
    (2021, "MAR", "FRA", D, 2.5), (2021, "ESP", "MAR", D, 20.0), (2021, "ESP", "FRA", D, 77.5),
]

COLUMNS = [
    "year", "level", "code", "description", "description_fr", "sector", "home_exports_usd",
    "home_imports_usd", "world_exports_usd", "home_total_exports_usd",
    "world_total_exports_usd", "world_market_share", "world_market_share_change_pts", "rca",
    "rsca", "trade_balance_index", "markets_served", "markets_importing",
    "market_penetration", "window_start_year", "home_exports_cagr", "world_demand_cagr",
    "world_total_cagr", "quadrant", "input", "source", "vintage",
]


def _build(study_db, flows=FLOWS, **config) -> pd.DataFrame:
    study_db.configure(**({"first_year": 2019, "last_year": 2021, "growth_window": 2} | config))
    study_db.add_flows(flows)
    apply_file(study_db.con, SQL)
    return study_db.con.execute("select * from mart.product_competitiveness").df()


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory,
          _study_template: Path) -> Iterator[pd.DataFrame]:
    """The mart of the default world, built once: the tests that only read it share it."""
    db = StudyDb(tmp_path_factory.mktemp("competitiveness"), _study_template)
    try:
        yield _build(db)
    finally:
        db.con.close()


def _row(table: pd.DataFrame, year: int, level: str, code: str) -> pd.Series:
    rows = table[(table.year == year) & (table.level == level) & (table.code == code)]
    assert len(rows) == 1, (year, level, code)
    return rows.iloc[0]


def test_columns_and_rows(table):
    assert list(table.columns) == COLUMNS
    # Every year: 4 HS6, 3 HS4 (0805, 0808, 6203), 2 HS2 (08, 62), 2 sectors.
    counts = table.groupby(["year", "level"]).size().to_dict()
    for year in (2019, 2020, 2021):
        assert counts[(year, "hs6")] == 4 and counts[(year, "hs4")] == 3
        assert counts[(year, "hs2")] == 2 and counts[(year, "sector")] == 2
    assert not table.duplicated(["year", "level", "code"]).any()


def test_hs6_indicators_by_hand(table):
    a = _row(table, 2021, "hs6", A)
    assert a.description == a.description_fr
    assert a.description.startswith("Fruit, edible; oranges")
    assert a.sector == "agrifood"
    assert (a.home_exports_usd, a.world_exports_usd) == (90.0, 400.0)
    assert (a.home_total_exports_usd, a.world_total_exports_usd) == (142.5, 1000.0)
    assert a.world_market_share == pytest.approx(90 / 400)  # 0.225
    # 2020: 20 / 200 = 0.10 -> +12.5 points
    assert a.world_market_share_change_pts == pytest.approx(100 * (0.225 - 0.10))
    rca = (90 / 142.5) / (400 / 1000)  # 1.5789...
    assert a.rca == pytest.approx(rca)
    assert a.rsca == pytest.approx((rca - 1) / (rca + 1))  # 0.2245
    assert a.trade_balance_index == pytest.approx(1.0)  # (90 - 0) / (90 + 0)
    assert (a.markets_served, a.markets_importing) == (2, 2)  # FRA and SEN
    assert a.market_penetration == pytest.approx(1.0)

    b = _row(table, 2021, "hs6", B)
    assert (b.markets_served, b.markets_importing) == (1, 2)  # FRA of {FRA, SEN}
    assert b.market_penetration == pytest.approx(0.5)
    assert b.world_market_share_change_pts == pytest.approx(100 * (10 / 400 - 0 / 200))

    d = _row(table, 2021, "hs6", D)
    assert d.sector == "textile_leather"
    assert (d.home_exports_usd, d.home_imports_usd) == (2.5, 20.0)
    assert d.trade_balance_index == pytest.approx((2.5 - 20) / (2.5 + 20))  # -0.7778
    # D is imported by FRA and by MAR itself; the home country is not one of its markets.
    assert (d.markets_served, d.markets_importing) == (1, 1)


def test_zero_home_exports_and_first_year(table):
    b_2020 = _row(table, 2020, "hs6", B)  # the world trades B, MAR neither exports nor imports
    assert b_2020.home_exports_usd == 0 and b_2020.rca == 0 and b_2020.rsca == pytest.approx(-1)
    assert pd.isna(b_2020.trade_balance_index)  # 0 / 0
    assert b_2020.markets_served == 0 and b_2020.market_penetration == 0
    assert table[table.year == 2019].world_market_share_change_pts.isna().all()
    d_2019 = _row(table, 2019, "hs6", D)
    assert d_2019.trade_balance_index == pytest.approx((10 - 40) / (10 + 40))


def test_growth_and_every_quadrant(table):
    total = (1000 / 400) ** (1 / 2) - 1  # 0.5811: all world trade 2019 -> 2021
    # (home 2019 -> 2021, world demand 2019 -> 2021, quadrant)
    expected = {
        A: ((10, 90), (100, 400), "champion"),          # home 2.0 > demand 1.0 > total
        B: ((10, 10), (100, 400), "losing_ground"),     # home 0.0 <= demand 1.0; demand > total
        C: ((10, 40), (100, 100), "declining_winner"),  # home 1.0 > demand 0.0 <= total
        D: ((10, 2.5), (100, 100), "declining_loser"),  # home -0.5 <= demand 0.0 <= total
    }
    for code, ((h0, h1), (w0, w1), quadrant) in expected.items():
        row = _row(table, 2021, "hs6", code)
        assert row.window_start_year == 2019
        assert row.home_exports_cagr == pytest.approx((h1 / h0) ** 0.5 - 1)
        assert row.home_exports_cagr == pytest.approx(cagr(h0, h1, 2))
        assert row.world_demand_cagr == pytest.approx((w1 / w0) ** 0.5 - 1)
        assert row.world_total_cagr == pytest.approx(total)
        assert row.quadrant == quadrant, code
    assert _row(table, 2021, "hs6", A).home_exports_cagr == pytest.approx(2.0)
    assert _row(table, 2021, "hs6", D).home_exports_cagr == pytest.approx(-0.5)
    # 2019 and 2020: the window would start before first_year.
    early = table[table.year < 2021]
    assert early.window_start_year.isna().all() and early.quadrant.isna().all()
    assert early[["home_exports_cagr", "world_demand_cagr", "world_total_cagr"]].isna().all().all()


def test_no_quadrant_without_home_exports_at_either_end(study_db):
    # A window of 1 year: 2020 B has no home exports (end), 2021 B none at the start.
    table = _build(study_db, growth_window=1)
    for year in (2020, 2021):
        b = _row(table, year, "hs6", B)
        assert b.window_start_year == year - 1
        assert pd.isna(b.home_exports_cagr) and pd.isna(b.quadrant)
        assert b.world_demand_cagr == pytest.approx({2020: 1.0, 2021: 1.0}[year])  # 100->200->400
    c = _row(table, 2021, "hs6", C)  # 10 -> 40 over one year; world 100 -> 100; W 600 -> 1000
    assert c.home_exports_cagr == pytest.approx(3.0)
    assert c.world_total_cagr == pytest.approx(1000 / 600 - 1)
    assert c.quadrant == "declining_winner"


def test_hs4_hs2_and_sector_aggregation(table):
    h4 = _row(table, 2021, "hs4", "0805")  # A + B
    assert h4.description == h4.description_fr == "Citrus fruit; fresh or dried"
    assert pd.isna(h4.sector)
    assert (h4.home_exports_usd, h4.world_exports_usd) == (100.0, 800.0)
    assert h4.rca == pytest.approx((100 / 142.5) / (800 / 1000))  # 0.877
    assert h4.world_market_share_change_pts == pytest.approx(100 * (100 / 800 - 20 / 400))
    # Markets are counted once: A goes to FRA and SEN, B to FRA -> 2, not 3.
    assert (h4.markets_served, h4.markets_importing) == (2, 2)
    assert h4.home_exports_cagr == pytest.approx((100 / 20) ** 0.5 - 1)  # 1.236
    assert h4.world_demand_cagr == pytest.approx((800 / 200) ** 0.5 - 1)  # 1.0
    assert h4.quadrant == "champion"

    h2 = _row(table, 2021, "hs2", "08")  # A + B + C
    assert (h2.home_exports_usd, h2.world_exports_usd) == (140.0, 900.0)
    assert h2.description.startswith("Fruit and nuts")
    assert h2.rca == pytest.approx((140 / 142.5) / (900 / 1000))
    assert h2.home_exports_cagr == pytest.approx((140 / 30) ** 0.5 - 1)  # 2019: 10 + 10 + 10
    assert h2.world_demand_cagr == pytest.approx((900 / 300) ** 0.5 - 1)

    agri = _row(table, 2021, "sector", "agrifood")  # the same three products as HS2 08
    assert agri.description == "Agriculture and agri-food"
    assert agri.description_fr == "Agriculture et agroalimentaire"
    assert agri.home_exports_usd == 140.0 and agri.rca == pytest.approx(h2.rca)
    textile = _row(table, 2021, "sector", "textile_leather")
    assert textile.home_imports_usd == 20.0 and textile.markets_importing == 1
    assert textile.trade_balance_index == pytest.approx(_row(table, 2021, "hs6", D)
                                                        .trade_balance_index)
    # Levels add up: each level's world trade is all world trade.
    sums = table[table.year == 2021].groupby("level").world_exports_usd.sum()
    assert sums.to_dict() == {"hs2": 1000.0, "hs4": 1000.0, "hs6": 1000.0, "sector": 1000.0}


def test_cross_check_with_python_indicators(table):
    flows = pd.DataFrame(FLOWS, columns=["year", "exporter", "importer", "product", "value"])
    by_exporter = flows.groupby(["year", "exporter", "product"], as_index=False).value.sum()
    rca = balassa_rca(by_exporter, {"time": "year", "loc": "exporter", "prod": "product",
                                    "val": "value"})
    home = rca[rca.exporter == "MAR"]
    for r in home.itertuples():
        row = _row(table, r.year, "hs6", r.product)
        assert row.rca == pytest.approx(r.rca)
        assert row.rsca == pytest.approx(symmetric_rca(r.rca))
    d = _row(table, 2021, "hs6", D)
    assert d.trade_balance_index == pytest.approx(trade_balance_index(2.5, 20.0))


def test_codes_missing_from_sectors_go_to_other(study_db):
    odd = "010100"  # an HS92 code: not in ref.hs_sectors
    assert study_db.query("select count(*) from ref.hs_sectors where hs6 = ?", [odd]) == [(0,)]
    table = _build(study_db, FLOWS + [(2021, "MAR", "FRA", odd, 7.5)])
    assert _row(table, 2021, "hs6", odd).sector == "other"
    other = _row(table, 2021, "sector", "other")
    assert (other.description, other.description_fr) == ("Other industries", "Autres industries")
    assert other.home_exports_usd == 7.5 and other.world_exports_usd == 7.5


def test_home_country_and_years_come_from_the_configuration(study_db):
    # ESP is home: the same world seen from Spain, with the study limited to 2020-2021.
    table = _build(study_db, home="ESP", first_year=2020, last_year=2021, growth_window=1)
    assert sorted(table.year.unique()) == [2020, 2021]
    a = _row(table, 2021, "hs6", A)
    assert a.home_exports_usd == 310.0
    assert a.home_total_exports_usd == 310 + 390 + 60 + 97.5  # 857.5
    assert a.rca == pytest.approx((310 / 857.5) / (400 / 1000))
    # ESP ships A to FRA only; FRA and SEN import A.
    assert (a.markets_served, a.markets_importing) == (1, 2)
    d = _row(table, 2021, "hs6", D)
    assert d.home_imports_usd == 0 and d.markets_importing == 2  # FRA and MAR count for ESP
    assert d.home_exports_cagr == pytest.approx(97.5 / 90 - 1)


def test_tunisia_as_home(study_db):
    flows = FLOWS + [(2021, "TUN", "FRA", A, 100.0), (2021, "FRA", "TUN", B, 25.0)]
    table = _build(study_db, flows, home="TUN")
    a = _row(table, 2021, "hs6", A)
    assert (a.home_exports_usd, a.home_total_exports_usd) == (100.0, 100.0)
    assert a.world_market_share == pytest.approx(100 / 500)
    assert a.rca == pytest.approx((100 / 100) / (500 / 1125))
    b = _row(table, 2021, "hs6", B)
    assert (b.home_exports_usd, b.home_imports_usd, b.trade_balance_index) == (0, 25.0, -1.0)
    assert (table[table.year < 2021].home_exports_usd == 0).all()
