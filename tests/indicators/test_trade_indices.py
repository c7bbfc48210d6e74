"""Trade indices on small hand-computed cases; the arithmetic is in the comments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from observatory.indicators.trade_indices import (
    balassa_rca,
    cagr,
    concentration,
    constant_market_share,
    equivalent_number,
    export_market_penetration,
    hhi,
    normalized_hhi,
    symmetric_rca,
    trade_balance_index,
    trade_complementarity,
    trade_intensity,
)

# --- Balassa RCA ----------------------------------------------------------------------------
#            p    q   | X_i
#   A       10   30   |  40
#   B       30   30   |  60
#   W_k     40   60   | 100
# RCA_Ap = (10/40)/(40/100) = 0.25/0.4 = 0.625    RCA_Aq = (30/40)/(60/100) = 0.75/0.6 = 1.25
# RCA_Bp = (30/60)/(40/100) = 0.5/0.4 = 1.25      RCA_Bq = (30/60)/(60/100) = 0.5/0.6 = 5/6

RCA_TABLE = pd.DataFrame(
    {"exporter": ["A", "A", "B", "B"], "product": ["p", "q", "p", "q"], "value": [10, 30, 30, 30]}
)


def test_balassa_rca_on_a_2x2_table() -> None:
    out = balassa_rca(RCA_TABLE).set_index(["exporter", "product"])["rca"]
    assert out.to_dict() == pytest.approx(
        {("A", "p"): 0.625, ("A", "q"): 1.25, ("B", "p"): 1.25, ("B", "q"): 5 / 6}, rel=1e-12
    )


def test_balassa_rca_within_each_period_and_dropping_zero_totals() -> None:
    later = RCA_TABLE.assign(year=2021, value=RCA_TABLE["value"] * 7)
    two = pd.concat([RCA_TABLE.assign(year=2020), later])
    extra = pd.DataFrame({"year": [2021], "exporter": ["C"], "product": ["p"], "value": [0]})
    out = balassa_rca(pd.concat([two, extra]), {"time": "year", "loc": "exporter",
                                                 "prod": "product", "val": "value"})
    assert len(out) == 8  # C's only row has a zero total: dropped
    by_year = out.pivot_table(index=["exporter", "product"], columns="year", values="rca")
    np.testing.assert_allclose(by_year[2020], by_year[2021], rtol=1e-12)  # scale-free


def test_balassa_rca_bad_input() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        balassa_rca(pd.concat([RCA_TABLE, RCA_TABLE.iloc[[0]]]))
    with pytest.raises(ValueError, match="negative"):
        balassa_rca(RCA_TABLE.assign(value=[-1, 30, 30, 30]))
    with pytest.raises(ValueError, match="missing columns: value"):
        balassa_rca(RCA_TABLE.drop(columns="value"))
    with pytest.raises(ValueError, match="zero total"):
        balassa_rca(RCA_TABLE.assign(value=0))


def test_symmetric_rca() -> None:
    # (3-1)/(3+1) = 0.5 ; (1-1)/(1+1) = 0 ; (0-1)/(0+1) = -1
    np.testing.assert_allclose(symmetric_rca(np.array([3.0, 1.0, 0.0])), [0.5, 0.0, -1.0])
    assert symmetric_rca(3.0) == 0.5
    with pytest.raises(ValueError, match="negative"):
        symmetric_rca(-0.5)
    with pytest.raises(ValueError, match="missing or infinite"):
        symmetric_rca(np.array([1.0, np.nan]))


def test_trade_balance_index() -> None:
    # (30-10)/(30+10) = 0.5 ; (0-5)/(0+5) = -1
    x = pd.Series([30.0, 0.0], index=["080510", "620342"])
    m = pd.Series([10.0, 5.0], index=["080510", "620342"])
    out = trade_balance_index(x, m)
    assert isinstance(out, pd.Series) and list(out.index) == ["080510", "620342"]
    np.testing.assert_allclose(out, [0.5, -1.0])
    with pytest.raises(ValueError, match="exports \\+ imports = 0"):
        trade_balance_index(0.0, 0.0)
    with pytest.raises(ValueError, match="different indexes"):
        trade_balance_index(x, m.set_axis(["a", "b"]))


# --- concentration --------------------------------------------------------------------------


def test_hhi_normalised_and_equivalent_number() -> None:
    shares = [0.5, 0.3, 0.2]
    # 0.5^2 + 0.3^2 + 0.2^2 = 0.25 + 0.09 + 0.04 = 0.38
    assert hhi(shares) == pytest.approx(0.38, rel=1e-12)
    # (0.38 - 1/3) / (1 - 1/3) = 0.046667 / 0.666667 = 0.07
    assert normalized_hhi(shares) == pytest.approx(0.07, rel=1e-12)
    # 1 / 0.38 = 2.6316 equal partners
    assert equivalent_number(shares) == pytest.approx(1 / 0.38, rel=1e-12)
    assert normalized_hhi([1.0]) == 1.0
    assert normalized_hhi([0.25] * 4) == pytest.approx(0.0, abs=1e-15)


def test_hhi_bad_shares() -> None:
    with pytest.raises(ValueError, match="not 1"):
        hhi([50, 30, 20])
    with pytest.raises(ValueError, match="negative"):
        hhi([1.2, -0.2])
    with pytest.raises(ValueError, match="empty"):
        hhi([])


def test_concentration_table() -> None:
    data = pd.DataFrame(
        {
            "product": ["P", "P", "P", "Q", "R"],
            "importer": ["F", "G", "H", "F", "F"],
            "value": [50.0, 30.0, 20.0, 10.0, 0.0],
        }
    )
    data = pd.concat([data.iloc[:2], data.iloc[2:].reset_index(drop=True)])  # index 0,1,0,1,2
    out = concentration(data, ["product"], "value").set_index("product")
    assert list(out.index) == ["P", "Q"]  # R's total is 0: dropped
    assert out.loc["P", "n"] == 3
    assert out.loc["P", "hhi"] == pytest.approx(0.38)  # shares 0.5, 0.3, 0.2
    assert out.loc["P", "hhi_normalized"] == pytest.approx(0.07)
    assert out.loc["Q", "hhi"] == 1.0 and out.loc["Q", "hhi_normalized"] == 1.0
    assert out.loc["Q", "equivalent_number"] == 1.0


# --- bilateral ------------------------------------------------------------------------------


def test_trade_complementarity() -> None:
    # i exports a 60, b 40 (c absent) -> x = (0.6, 0.4, 0)
    # j imports a 20, b 50, c 30      -> m = (0.2, 0.5, 0.3)
    # sum |m - x| = 0.4 + 0.1 + 0.3 = 0.8 -> TC = 100 * (1 - 0.8/2) = 60
    exports = pd.Series({"a": 60.0, "b": 40.0})
    imports = pd.Series({"a": 20.0, "b": 50.0, "c": 30.0})
    assert trade_complementarity(exports, imports) == pytest.approx(60.0, rel=1e-12)
    assert trade_complementarity(imports, imports * 3) == pytest.approx(100.0)
    assert trade_complementarity(pd.Series({"a": 1.0}), pd.Series({"b": 1.0})) == 0.0
    with pytest.raises(ValueError, match="sums to 0"):
        trade_complementarity(exports * 0, imports)
    with pytest.raises(ValueError, match="duplicate products"):
        trade_complementarity(pd.Series([1.0, 2.0], index=["a", "a"]), imports)


def test_trade_intensity() -> None:
    # (20/100) / (500/1000) = 0.2 / 0.5 = 0.4
    assert trade_intensity(20.0, 100.0, 500.0, 1000.0) == pytest.approx(0.4)
    out = trade_intensity(pd.Series([20.0, 50.0]), 100.0, pd.Series([500.0, 100.0]), 1000.0)
    np.testing.assert_allclose(out, [0.4, 5.0])  # (50/100)/(100/1000) = 5
    with pytest.raises(ValueError, match="w_j is 0"):
        trade_intensity(1.0, 10.0, 0.0, 100.0)


def test_export_market_penetration() -> None:
    home = pd.DataFrame(
        {
            "product": ["k", "k", "k", "n"],
            "importer": ["F", "G", "H", "K"],
            "value": [5.0, 7.0, 0.0, 1.0],
        }
    )
    world = pd.DataFrame(
        {
            "product": ["k", "k", "k", "k", "n"],
            "importer": ["F", "G", "H", "J", "F"],
            "value": [50.0, 70.0, 10.0, 3.0, 9.0],
        }
    )
    out = export_market_penetration(home, world).set_index("product")
    # k: served F, G (H is 0) = 2; importing F, G, H, J = 4 -> 0.5
    # n: served K = 1; importing {F} united with {K} = 2 -> 0.5
    assert out.loc["k"].tolist() == [2, 4, 0.5]
    assert out.loc["n"].tolist() == [1, 2, 0.5]


def test_cagr() -> None:
    # (121/100)^(1/2) - 1 = 1.1 - 1 = 0.10
    assert cagr(100.0, 121.0, 2) == pytest.approx(0.10, rel=1e-12)
    np.testing.assert_allclose(cagr(np.array([100.0, 50.0]), np.array([100.0, 0.0]), 5), [0, -1])
    with pytest.raises(ValueError, match="v0 must be > 0"):
        cagr(0.0, 10.0, 3)
    with pytest.raises(ValueError, match="years must be > 0"):
        cagr(1.0, 2.0, 0)


# --- constant market share ------------------------------------------------------------------
# World imports M (base -> final), by (product, market):
#   A,F 100 -> 200  r_AF = 1.0     A,G 100 -> 100  r_AG = 0
#   B,F 300 -> 300  r_BF = 0       B,G 500 -> 600  r_BG = 0.2
#   M: 1000 -> 1200, r = 0.2 ; M_A: 200 -> 300, r_A = 0.5 ; M_B: 800 -> 900, r_B = 0.125
# Home exports X (base -> final):
#   A,F 10 -> 30   A,G 20 -> 20   B,F 40 -> 30   B,G 30 -> 40
#   X: 100 -> 120, dX = 20 ; X_A: 30 -> 50 ; X_B: 70 -> 70
# GLOBO = r X0 = 0.2 * 100 = 20
# COMPO = (r_A - r) X_A0 + (r_B - r) X_B0 = 0.3*30 + (-0.075)*70 = 9 - 5.25 = 3.75
# GEO   = (1-0.5)*10 + (0-0.5)*20 + (0-0.125)*40 + (0.2-0.125)*30 = 5 - 10 - 5 + 2.25 = -7.75
# PERFO = (30-10-1.0*10) + (20-20-0) + (30-40-0) + (40-30-0.2*30) = 10 + 0 - 10 + 4 = 4
# 20 + 3.75 - 7.75 + 4 = 20 = dX
# by product: A: 6 + 9 - 5 + 10 = 20 = dX_A ; B: 14 - 5.25 - 2.75 - 6 = 0 = dX_B

CMS_COLS = {"time": "year", "prod": "product", "market": "importer", "val": "value"}
WORLD = pd.DataFrame(
    {
        "year": [2019] * 4 + [2024] * 4,
        "product": ["A", "A", "B", "B"] * 2,
        "importer": ["F", "G", "F", "G"] * 2,
        "value": [100.0, 100.0, 300.0, 500.0, 200.0, 100.0, 300.0, 600.0],
    }
)
HOME = pd.DataFrame(
    {
        "year": [2019] * 4 + [2024] * 4,
        "product": ["A", "A", "B", "B"] * 2,
        "importer": ["F", "G", "F", "G"] * 2,
        "value": [10.0, 20.0, 40.0, 30.0, 30.0, 20.0, 30.0, 40.0],
    }
)


def test_cms_two_products_two_markets_by_hand() -> None:
    cms = constant_market_share(HOME, WORLD, base=2019, final=2024, cols=CMS_COLS)
    assert cms.world_growth == pytest.approx(0.2, rel=1e-12)
    assert (cms.exports_base, cms.exports_final, cms.change) == (100.0, 120.0, 20.0)
    assert cms.globo == pytest.approx(20.0, rel=1e-12)
    assert cms.compo == pytest.approx(3.75, rel=1e-12)
    assert cms.geo == pytest.approx(-7.75, rel=1e-12)
    assert cms.perfo == pytest.approx(4.0, rel=1e-12)
    assert cms.globo + cms.compo + cms.geo + cms.perfo == pytest.approx(cms.change, abs=1e-12)

    by = cms.by_product.set_index("product")
    assert by.loc["A", ["globo", "compo", "geo", "perfo"]].tolist() == pytest.approx(
        [6.0, 9.0, -5.0, 10.0], rel=1e-12
    )
    assert by.loc["B", ["globo", "compo", "geo", "perfo"]].tolist() == pytest.approx(
        [14.0, -5.25, -2.75, -6.0], rel=1e-12
    )
    terms = by[["globo", "compo", "geo", "perfo"]].sum(axis=1)
    np.testing.assert_allclose(terms, by["change"], atol=1e-12)


def test_cms_terms_sum_to_the_change_on_random_tables() -> None:
    rng = np.random.default_rng(7)
    keys = pd.MultiIndex.from_product([range(20), range(15)], names=["product", "importer"])
    rows = []
    for year in (2019, 2024):
        world = keys.to_frame(index=False).assign(year=year, value=rng.gamma(2, 100, len(keys)))
        home = world.assign(value=world["value"] * rng.uniform(0, 0.3, len(keys)))
        rows.append((home, world))
    home = pd.concat([h for h, _ in rows])
    world = pd.concat([w for _, w in rows])
    home.loc[home.sample(frac=0.2, random_state=1).index, "value"] = 0.0  # absent flows
    cms = constant_market_share(home, world, base=2019, final=2024, cols=CMS_COLS)
    total = cms.globo + cms.compo + cms.geo + cms.perfo
    assert total == pytest.approx(cms.change, rel=1e-12)


def test_cms_new_market_counts_wholly_as_competitiveness() -> None:
    # A,H: no home exports in 2019, 5 in 2024, and no H in the import table:
    # r_AH is undefined but multiplies X_AH0 = 0, so PERFO = 4 + 5 = 9, dX = 25
    new = pd.DataFrame({"year": [2024], "product": ["A"], "importer": ["H"], "value": [5.0]})
    cms = constant_market_share(pd.concat([HOME, new]), WORLD, base=2019, final=2024,
                                cols=CMS_COLS)
    assert cms.change == 25.0
    assert (cms.globo, cms.compo, cms.geo) == pytest.approx((20.0, 3.75, -7.75), rel=1e-12)
    assert cms.perfo == pytest.approx(9.0, rel=1e-12)


def test_cms_bad_input() -> None:
    old = pd.DataFrame({"year": [2019], "product": ["A"], "importer": ["H"], "value": [5.0]})
    with pytest.raises(ValueError, match="no imports in world_imports"):
        constant_market_share(pd.concat([HOME, old]), WORLD, base=2019, final=2024,
                              cols=CMS_COLS)
    with pytest.raises(ValueError, match="same period"):
        constant_market_share(HOME, WORLD, base=2019, final=2019, cols=CMS_COLS)
    with pytest.raises(ValueError, match="no rows for the final period 2025"):
        constant_market_share(HOME, WORLD, base=2019, final=2025, cols=CMS_COLS)
    with pytest.raises(ValueError, match="duplicate"):
        constant_market_share(pd.concat([HOME, HOME.iloc[[0]]]), WORLD, base=2019,
                              final=2024, cols=CMS_COLS)
    with pytest.raises(ValueError, match="negative"):
        constant_market_share(HOME.assign(value=-HOME["value"]), WORLD, base=2019,
                              final=2024, cols=CMS_COLS)
    with pytest.raises(ValueError, match="total for base period 2019 is 0"):
        constant_market_share(HOME, WORLD.assign(value=WORLD["value"].where(
            WORLD["year"] == 2024, 0.0)), base=2019, final=2024, cols=CMS_COLS)
