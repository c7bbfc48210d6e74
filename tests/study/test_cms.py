"""mart.cms_decomposition against a hand-computed two-product, two-market case."""

from __future__ import annotations

import pytest

from observatory.study.cms import build_cms_mart

A, B = "080510", "620342"  # oranges; men's cotton trousers

BASE = [  # 2019
    (2019, "MAR", "FRA", A, 100.0), (2019, "MAR", "SEN", B, 50.0),
    (2019, "ESP", "FRA", A, 300.0), (2019, "ESP", "SEN", A, 100.0),
    (2019, "ESP", "FRA", B, 150.0),
]
FINAL = [  # 2020; MAR -> FRA in B is a new pair
    (2020, "MAR", "FRA", A, 150.0), (2020, "MAR", "SEN", B, 40.0),
    (2020, "MAR", "FRA", B, 10.0), (2020, "ESP", "FRA", A, 330.0),
    (2020, "ESP", "SEN", A, 120.0), (2020, "ESP", "FRA", B, 180.0),
    (2020, "ESP", "SEN", B, 60.0),
]


def _effects(study_db, scope="all"):
    return dict(study_db.query(
        "select effect, value_usd from mart.cms_decomposition where scope = ?", [scope]))


def test_hand_computed_decomposition(study_db):
    study_db.configure(first_year=2019, last_year=2020)
    study_db.add_flows(BASE + FINAL)
    build_cms_mart(study_db.con)
    # World: 700 -> 890, r = 890/700 - 1. Product A: 500 -> 600 (r_A = 0.2); B: 200 -> 290
    # (r_B = 0.45). Pairs: (A, FRA) 400 -> 480 (0.2); (B, SEN) 50 -> 100 (1.0).
    r = 890 / 700 - 1
    globo = r * 150
    compo = (0.2 - r) * 100 + (0.45 - r) * 50
    geo = (0.2 - 0.2) * 100 + (1.0 - 0.45) * 50
    perfo = (150 - 100 - 0.2 * 100) + (40 - 50 - 1.0 * 50) + 10
    effects = _effects(study_db)
    assert effects["world_growth"] == pytest.approx(globo)
    assert effects["commodity_composition"] == pytest.approx(compo)
    assert effects["market_distribution"] == pytest.approx(27.5)
    assert effects["market_distribution"] == pytest.approx(geo)
    assert effects["competitiveness"] == pytest.approx(perfo) == pytest.approx(-20.0)
    assert effects["total"] == pytest.approx(50.0)
    assert globo + compo + geo + perfo == pytest.approx(50.0)
    shares = dict(study_db.query(
        "select effect, share_of_change from mart.cms_decomposition where scope = 'all'"))
    assert shares["competitiveness"] == pytest.approx(-20.0 / 50.0)


def test_sector_scopes_add_up_to_the_whole(study_db):
    study_db.configure(first_year=2019, last_year=2020)
    study_db.add_flows(BASE + FINAL)
    build_cms_mart(study_db.con)
    whole = _effects(study_db)
    sums = dict(study_db.query(
        "select effect, sum(value_usd) from mart.cms_decomposition where scope <> 'all' "
        "group by effect"))
    for effect, value in whole.items():
        assert sums[effect] == pytest.approx(value)
    scopes = {s for (s,) in study_db.query("select distinct scope from mart.cms_decomposition")}
    sectors = {s for (s,) in study_db.query(
        "select coalesce(any_value(sector), 'other') from ref.hs_sectors where hs6 in (?, ?) "
        "group by hs6", [A, B])}
    assert scopes == {"all"} | sectors


def test_other_home_country_and_configured_years(study_db):
    # ESP as home, 2019 -> 2020: X0 = 550, X1 = 690, r_kj from the same world.
    study_db.configure(home="ESP", first_year=2019, last_year=2020)
    study_db.add_flows(BASE + FINAL)
    build_cms_mart(study_db.con)
    effects = _effects(study_db)
    assert effects["total"] == pytest.approx(690 - 550)
    assert effects["world_growth"] == pytest.approx((890 / 700 - 1) * 550)
    assert study_db.query("select distinct base_year, end_year from mart.cms_decomposition") \
        == [(2019, 2020)]


def test_no_home_exports_gives_an_empty_table(study_db):
    study_db.configure(home="TUN", first_year=2019, last_year=2020)
    study_db.add_flows(BASE + FINAL)
    assert build_cms_mart(study_db.con) == 0
    assert study_db.query("select count(*) from mart.cms_decomposition") == [(0,)]
