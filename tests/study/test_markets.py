"""mart.market_product_shares, mart.market_indicators and mart.home_concentration
(sql/mart/study/020-040) against a hand-computed world of three suppliers and three markets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from observatory.indicators.trade_indices import (
    concentration,
    equivalent_number,
    hhi,
    normalized_hhi,
    trade_complementarity,
    trade_intensity,
)
from observatory.warehouse.sql_runner import apply_file
from tests.study.conftest import StudyDb

STUDY_SQL = Path(__file__).resolve().parents[2] / "sql" / "mart" / "study"
FILES = ["010_product_competitiveness.sql", "020_market_product_shares.sql",
         "030_market_indicators.sql", "040_home_concentration.sql"]

A, B, C = "080510", "620342", "080810"  # oranges, men's cotton trousers, apples

# Home MAR; suppliers ESP and TUR; priority markets FRA and SEN; USA is not a priority market.
FLOWS = [
    # 2020: MAR ships only oranges, only to FRA.
    (2020, "MAR", "FRA", A, 10.0), (2020, "ESP", "FRA", A, 30.0),
    # 2021
    (2021, "MAR", "FRA", A, 30.0), (2021, "ESP", "FRA", A, 50.0), (2021, "TUR", "FRA", A, 20.0),
    (2021, "MAR", "FRA", B, 10.0), (2021, "TUR", "FRA", B, 10.0),
    (2021, "ESP", "FRA", C, 80.0),
    (2021, "MAR", "SEN", B, 40.0), (2021, "TUR", "SEN", B, 60.0),
    (2021, "ESP", "SEN", C, 50.0),
    (2021, "MAR", "USA", C, 40.0), (2021, "ESP", "USA", A, 200.0),
]
# 2021 by hand. Home exports to the world: A 30, B 50, C 40, X_h = 120.
# FRA imports A 100, B 20, C 80: M_FRA = 200; SEN imports B 100, C 50: M_SEN = 150;
# USA imports 240; W = 200 + 150 + 240 = 590.

SHARE_COLUMNS = ["year", "market_iso3", "level", "hs_level", "code", "hs6",
                 "market_imports_usd", "home_exports_usd", "home_share", "partners_complete",
                 "home_rank", "suppliers", "top_supplier_iso3", "top_supplier_share",
                 "total_from", "input", "source", "vintage"]
INDICATOR_COLUMNS = ["year", "market_iso3", "market_name_en", "market_name_fr",
                     "market_imports_usd", "home_exports_usd", "home_share",
                     "trade_complementarity", "trade_intensity", "products_exported",
                     "export_hhi"]
CONCENTRATION_COLUMNS = ["year", "dimension", "n_items", "hhi", "normalized_hhi",
                         "equivalent_number", "input", "source", "vintage"]


def _build(db: StudyDb, flows=FLOWS, **config) -> dict[str, pd.DataFrame]:
    db.configure(**({"first_year": 2020, "last_year": 2021,
                     "priority_markets": ["FRA", "SEN"]} | config))
    db.add_flows(flows)
    for name in FILES:
        apply_file(db.con, STUDY_SQL / name)
    return {t: db.con.execute(f"select * from mart.{t}").df()
            for t in ("market_product_shares", "market_indicators", "home_concentration")}


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory,
          _study_template: Path) -> Iterator[dict[str, pd.DataFrame]]:
    """The marts of the default world, built once: the tests that only read them share it."""
    db = StudyDb(tmp_path_factory.mktemp("markets"), _study_template)
    try:
        yield _build(db)
    finally:
        db.con.close()


def _one(table: pd.DataFrame, **keys) -> pd.Series:
    rows = table
    for column, value in keys.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, keys
    return rows.iloc[0]


def test_columns(marts):
    assert list(marts["market_product_shares"].columns) == SHARE_COLUMNS
    assert list(marts["market_indicators"].columns) == INDICATOR_COLUMNS
    assert list(marts["home_concentration"].columns) == CONCENTRATION_COLUMNS


def test_market_product_shares_by_hand(marts):
    every_level = marts["market_product_shares"]
    # Reconciled flows: every level, from the one input, with its provenance.
    assert set(every_level.level) == {"hs6", "hs4", "hs2"}
    assert set(every_level.input) == {"reconciled"}
    assert set(every_level.total_from) == {"partners"} and every_level.partners_complete.all()
    shares = every_level[every_level.level == "hs6"]
    # Every HS6 each priority market imports, and nothing for USA.
    keys = set(zip(shares.year, shares.market_iso3, shares.hs6, strict=True))
    assert keys == {(2020, "FRA", A), (2021, "FRA", A), (2021, "FRA", B), (2021, "FRA", C),
                    (2021, "SEN", B), (2021, "SEN", C)}

    fra_a = _one(shares, year=2021, market_iso3="FRA", hs6=A)  # MAR 30, ESP 50, TUR 20
    assert (fra_a.market_imports_usd, fra_a.home_exports_usd) == (100.0, 30.0)
    assert fra_a.home_share == pytest.approx(0.30)
    assert (fra_a.home_rank, fra_a.suppliers) == (2, 3)  # behind ESP
    assert fra_a.top_supplier_iso3 == "ESP" and fra_a.top_supplier_share == pytest.approx(0.5)

    fra_b = _one(shares, year=2021, market_iso3="FRA", hs6=B)  # MAR 10, TUR 10: a tie
    assert fra_b.home_share == pytest.approx(0.5) and fra_b.home_rank == 1
    assert fra_b.top_supplier_iso3 == "MAR"  # ties: first code alphabetically
    assert fra_b.top_supplier_share == pytest.approx(0.5)

    fra_c = _one(shares, year=2021, market_iso3="FRA", hs6=C)  # ESP only
    assert fra_c.home_exports_usd == 0 and fra_c.home_share == 0
    assert pd.isna(fra_c.home_rank)
    assert (fra_c.suppliers, fra_c.top_supplier_iso3, fra_c.top_supplier_share) == (1, "ESP", 1)

    sen_b = _one(shares, year=2021, market_iso3="SEN", hs6=B)  # MAR 40, TUR 60
    assert sen_b.home_share == pytest.approx(0.4) and sen_b.home_rank == 2
    assert sen_b.top_supplier_iso3 == "TUR" and sen_b.top_supplier_share == pytest.approx(0.6)

    fra_a_2020 = _one(shares, year=2020, market_iso3="FRA", hs6=A)  # MAR 10, ESP 30
    assert fra_a_2020.home_share == pytest.approx(0.25) and fra_a_2020.home_rank == 2


def test_market_indicators_by_hand(marts):
    indicators = marts["market_indicators"]
    assert set(zip(indicators.year, indicators.market_iso3, strict=True)) == {
        (2020, "FRA"), (2021, "FRA"), (2021, "SEN")}

    fra = _one(indicators, year=2021, market_iso3="FRA")
    assert (fra.market_name_en, fra.market_name_fr) == ("France", "France")
    assert (fra.market_imports_usd, fra.home_exports_usd) == (200.0, 40.0)
    assert fra.home_share == pytest.approx(0.2)
    # x (home, world): A 30/120 = .25, B 50/120 = .4167, C 40/120 = .3333
    # m (FRA):         A 100/200 = .5, B 20/200 = .1,    C 80/200 = .4
    # sum |m - x| = .25 + .31667 + .06667 = .63333 -> 100 * (1 - .63333 / 2) = 68.333
    gap = abs(0.5 - 30 / 120) + abs(0.1 - 50 / 120) + abs(0.4 - 40 / 120)
    assert fra.trade_complementarity == pytest.approx(100 * (1 - gap / 2))
    assert fra.trade_complementarity == pytest.approx(68.0 + 1 / 3)
    assert fra.trade_intensity == pytest.approx((40 / 120) / (200 / 590))  # 0.9833
    assert fra.products_exported == 2
    assert fra.export_hhi == pytest.approx((30 / 40) ** 2 + (10 / 40) ** 2)  # 0.625

    sen = _one(indicators, year=2021, market_iso3="SEN")
    assert (sen.market_name_en, sen.market_name_fr) == ("Senegal", "Sénégal")
    # SEN does not import A, which is a quarter of home exports: it still counts.
    # m (SEN): B 2/3, C 1/3 -> |0 - .25| + |2/3 - 5/12| + |1/3 - 1/3| = .5 -> 75
    assert sen.trade_complementarity == pytest.approx(75.0)
    assert sen.trade_intensity == pytest.approx((40 / 120) / (150 / 590))  # 1.3111
    assert sen.home_share == pytest.approx(40 / 150)
    assert (sen.products_exported, sen.export_hhi) == (1, 1.0)

    fra_2020 = _one(indicators, year=2020, market_iso3="FRA")  # one product, one market
    assert fra_2020.trade_complementarity == pytest.approx(100.0)
    assert fra_2020.trade_intensity == pytest.approx((10 / 10) / (40 / 40))


def test_market_indicators_match_the_python_functions(marts):
    indicators = marts["market_indicators"]
    flows = pd.DataFrame(FLOWS, columns=["year", "exporter", "importer", "product", "value"])
    flows = flows[flows.year == 2021]
    home = flows[flows.exporter == "MAR"]
    exports = home.groupby("product").value.sum()
    for market in ("FRA", "SEN"):
        imports = flows[flows.importer == market].groupby("product").value.sum()
        row = _one(indicators, year=2021, market_iso3=market)
        assert row.trade_complementarity == pytest.approx(trade_complementarity(exports, imports))
        assert row.trade_intensity == pytest.approx(trade_intensity(
            home[home.importer == market].value.sum(), exports.sum(), imports.sum(),
            flows.value.sum()))
        to_market = home[home.importer == market].value
        assert row.export_hhi == pytest.approx(hhi(to_market / to_market.sum()))


def test_home_concentration_by_hand(marts):
    conc = marts["home_concentration"]
    assert len(conc) == 4  # 2020 and 2021 x product and market
    product = _one(conc, year=2021, dimension="product")  # A 30, B 50, C 40 of 120
    h = 0.25 ** 2 + (5 / 12) ** 2 + (1 / 3) ** 2  # 0.34722
    assert product.n_items == 3
    assert product.hhi == pytest.approx(h)
    assert product.normalized_hhi == pytest.approx((h - 1 / 3) / (1 - 1 / 3))  # 0.02083
    assert product.equivalent_number == pytest.approx(1 / h)  # 2.88
    market = _one(conc, year=2021, dimension="market")  # FRA, SEN, USA: 40 each
    assert market.n_items == 3 and market.hhi == pytest.approx(1 / 3)
    assert market.normalized_hhi == pytest.approx(0.0, abs=1e-12)
    assert market.equivalent_number == pytest.approx(3.0)
    single = _one(conc, year=2020, dimension="product")  # oranges only
    assert (single.n_items, single.hhi, single.equivalent_number) == (1, 1.0, 1.0)
    assert pd.isna(single.normalized_hhi)


def test_home_concentration_matches_the_python_functions(marts):
    conc = marts["home_concentration"]
    flows = pd.DataFrame(FLOWS, columns=["year", "exporter", "importer", "product", "value"])
    home = flows[(flows.exporter == "MAR") & (flows.year == 2021)]
    by_product = home.groupby("product").value.sum()
    shares = by_product / by_product.sum()
    row = _one(conc, year=2021, dimension="product")
    assert row.hhi == pytest.approx(hhi(shares))
    assert row.normalized_hhi == pytest.approx(normalized_hhi(shares))
    assert row.equivalent_number == pytest.approx(equivalent_number(shares))
    by_market = home.groupby("importer", as_index=False).value.sum().assign(all=1)
    expected = concentration(by_market, by=["all"], val="value").iloc[0]
    row = _one(conc, year=2021, dimension="market")
    assert row.n_items == expected.n
    assert row.hhi == pytest.approx(expected.hhi)
    assert row.normalized_hhi == pytest.approx(expected.hhi_normalized, abs=1e-12)
    assert row.equivalent_number == pytest.approx(expected.equivalent_number)


def test_home_is_never_its_own_market(study_db):
    flows = FLOWS + [(2021, "ESP", "MAR", A, 5.0)]
    marts = _build(study_db, flows, priority_markets=["FRA", "MAR", "SEN"])
    assert set(marts["market_product_shares"].market_iso3) == {"FRA", "SEN"}
    assert set(marts["market_indicators"].market_iso3) == {"FRA", "SEN"}


def test_tunisia_as_home_with_its_own_markets_and_years(study_db):
    flows = FLOWS + [(2021, "TUN", "FRA", B, 30.0), (2021, "TUN", "USA", A, 10.0)]
    marts = _build(study_db, flows, home="TUN", first_year=2021, last_year=2022,
                   priority_markets=["FRA", "USA"])
    shares = marts["market_product_shares"]
    assert set(shares.market_iso3) == {"FRA", "USA"} and set(shares.year) == {2021}
    fra_b = _one(shares, market_iso3="FRA", hs6=B)  # TUN 30, MAR 10, TUR 10
    assert (fra_b.market_imports_usd, fra_b.home_exports_usd) == (50.0, 30.0)
    assert fra_b.home_rank == 1 and fra_b.top_supplier_iso3 == "TUN"
    usa_a = _one(shares, market_iso3="USA", hs6=A)  # ESP 200, TUN 10
    assert usa_a.home_share == pytest.approx(10 / 210) and usa_a.home_rank == 2
    assert pd.isna(_one(shares, market_iso3="FRA", hs6=A).home_rank)  # TUN ships no A to FRA

    fra = _one(marts["market_indicators"], market_iso3="FRA")
    # TUN exports B 30, A 10 (X_h = 40); FRA imports A 100, B 50, C 80 (230); W = 630.
    assert (fra.home_exports_usd, fra.products_exported, fra.export_hhi) == (30.0, 1, 1.0)
    assert fra.trade_intensity == pytest.approx((30 / 40) / (230 / 630))
    gap = abs(100 / 230 - 10 / 40) + abs(50 / 230 - 30 / 40) + abs(80 / 230 - 0)
    assert fra.trade_complementarity == pytest.approx(100 * (1 - gap / 2))

    conc = marts["home_concentration"]
    assert set(conc.year) == {2021}
    for dimension in ("product", "market"):  # A 10, B 30; FRA 30, USA 10
        row = _one(conc, dimension=dimension)
        assert (row.n_items, row.hhi) == (2, pytest.approx(0.25 ** 2 + 0.75 ** 2))
