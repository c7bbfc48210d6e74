"""Economic complexity against the Growth Lab's Stata output and hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from observatory.indicators.complexity import complexity, proximity
from tests.conftest import real_sample

STATA_COLS = {"time": "year", "loc": "origin", "prod": "hs92", "val": "export_val"}
KEYS = ["year", "origin", "hs92"]


# --- the Stata reference ------------------------------------------------------------------


@pytest.fixture(scope="module")
def stata() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reference input and the Stata `ecomplexity` output (default options)."""
    folder = "ecomplexity-fixtures"
    trade = pd.read_csv(real_sample(folder, "trade_data_sample.csv"))
    truth = pd.read_csv(real_sample(folder, "stata_ground_truth.csv"))
    return trade, truth


def _as_stata_stores_it(trade: pd.DataFrame) -> pd.DataFrame:
    # Stata holds export_val as float32: the ground truth's export_val column is exactly
    # the float32 rounding of the input (its CSV prints 8 significant digits).
    out = trade.copy()
    out["export_val"] = out["export_val"].astype(np.float32).astype(np.float64)
    return out


def _merged(result, truth: pd.DataFrame) -> pd.DataFrame:
    ours = result.cells.merge(result.countries, on=["year", "origin"]).merge(
        result.products, on=["year", "hs92"]
    )
    merged = ours.merge(truth, on=KEYS, how="outer", suffixes=("", "_st"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", KEYS]
    return merged


def test_every_column_matches_stata_with_the_authors_tolerances(stata) -> None:
    trade, truth = stata
    result = complexity(_as_stata_stores_it(trade), STATA_COLS)
    merged = _merged(result, truth)
    assert len(merged) == len(truth) == 600

    for ours, theirs in (("m", "M"), ("diversity", "diversity_st"), ("ubiquity", "ubiquity_st")):
        np.testing.assert_array_equal(merged[ours].to_numpy(), merged[theirs].to_numpy())
    for col, rtol in (("rca", 1e-5), ("eci", 1e-5), ("pci", 1e-5),
                      ("density", 1e-4), ("coi", 1e-4), ("cog", 1e-4)):
        theirs = col + "_st" if col + "_st" in merged else col
        np.testing.assert_allclose(merged[col], merged[theirs], rtol=rtol, atol=0, err_msg=col)


def test_float32_storage_is_not_needed_at_the_rca_tolerance(stata) -> None:
    # Without the float32 rounding RCA differs from Stata's by < 1e-7 relative (float32
    # keeps 24 bits); M does not change. Everything else depends on M only.
    trade, truth = stata
    merged = _merged(complexity(trade, STATA_COLS), truth)
    np.testing.assert_allclose(merged["rca"], merged["rca_st"], rtol=1e-6, atol=0)
    np.testing.assert_array_equal(merged["m"].to_numpy(), merged["M"].to_numpy())


def test_manual_presence_with_statas_m_gives_statas_eci_and_pci(stata) -> None:
    _, truth = stata
    given = truth[KEYS + ["M"]].rename(columns={"M": "export_val"})
    # all_products: the M = 0 cells have value 0, so they are not "positive cells"
    result = complexity(given, STATA_COLS, presence="manual", all_products=True)
    assert "rca" not in result.cells.columns
    merged = _merged(result, truth)
    for col, rtol in (("eci", 1e-5), ("pci", 1e-5), ("density", 1e-4), ("cog", 1e-4)):
        np.testing.assert_allclose(merged[col], merged[col + "_st"], rtol=rtol, atol=0)


def test_proximity_edges_rebuild_statas_density(stata) -> None:
    # density_cp = sum_q M_cq phi_qp / sum_q phi_qp, here from our proximity edge list and
    # Stata's own M: an independent check of the proximity matrix.
    trade, truth = stata
    edges = proximity(_as_stata_stores_it(trade), STATA_COLS)
    assert (edges["hs92_1"] < edges["hs92_2"]).all()
    for year, m_long in truth.groupby("year"):
        e = edges[edges["year"] == year]
        products = sorted(m_long["hs92"].unique())
        phi = pd.DataFrame(0.0, index=products, columns=products)
        for p, q, value in e[["hs92_1", "hs92_2", "proximity"]].itertuples(index=False):
            phi.loc[p, q] = phi.loc[q, p] = value
        m = m_long.pivot(index="origin", columns="hs92", values="M")[products]
        expected = (m.to_numpy() @ phi.to_numpy()) / phi.to_numpy().sum(axis=0)
        density = m_long.pivot(index="origin", columns="hs92", values="density")[products]
        np.testing.assert_allclose(expected, density.to_numpy(), rtol=1e-10)


def test_one_year_alone_equals_that_year_in_the_panel(stata) -> None:
    trade, _ = stata
    panel = complexity(trade, STATA_COLS)
    alone = complexity(trade[trade["year"] == 1996], STATA_COLS)
    pd.testing.assert_frame_equal(
        panel.countries[panel.countries["year"] == 1996].reset_index(drop=True),
        alone.countries,
    )


# --- a hand-computed 3 x 3 case -----------------------------------------------------------
#
# values      p  q  r   total
#   A         3  3  1     7
#   B         0  2  2     4
#   C         0  0  2     2
#   total     3  5  5    13
#
# RCA = (X_cp/X_c)/(X_p/X):
#   A: p (3/7)/(3/13) = 13/7 = 1.857   q (3/7)/(5/13) = 39/35 = 1.114   r (1/7)/(5/13) = 13/35
#   B: q (2/4)/(5/13) = 13/10          r 13/10
#   C: r (2/2)/(5/13) = 13/5
# M = [[1,1,0],[0,1,1],[0,0,1]]: diversity (2,2,1), ubiquity (1,2,2).
# proximity = co-occurrence / max(ubiquity): p-q: A only, 1/max(1,2) = 1/2;
#   q-r: B only, 1/max(2,2) = 1/2; p-r: none, 0.
# Country matrix D_c^-1 M D_p^-1 M' = [[3/4,1/4,0],[1/4,1/2,1/4],[0,1/2,1/2]]:
#   eigenvalues 1, (3 +- sqrt5)/8; for l = (3+sqrt5)/8 the eigenvector is
#   v = (1, -(3-sqrt5)/2, -(sqrt5-1)) = (1, -0.382, -1.236), positively correlated with
#   the diversity (2,2,1), so no sign flip.
# kp = D_p^-1 M' v = (1, (1-0.382)/2, (-0.382-1.236)/2) = (1, 0.309, -0.809); kc = l v.
# density with phi diagonal 0, column sums (1/2, 1, 1/2):
#   A: (1/2)/(1/2)=1, (1/2)/1=1/2, (1/2)/(1/2)=1;  B: 1, 1/2, 1;  C: 0, 1/2, 0.
# COI_c = sum_p density (1-M) kp: A: 1*kp_r = -0.809; B: 1*kp_p = 1; C: 1/2*kp_q = 0.1545.
# COG_cp = (1-M_cp) sum_q (1-M_cq) phi_qp kp_q / rowsum_q, only C's p and q are nonzero:
#   C,p: phi_qp kp_q / 1 = 0.1545;  C,q: phi_pq kp_p / (1/2) = 1; then / sd(kc).

HAND = pd.DataFrame(
    {
        "year": 2020,
        "exporter": ["A", "A", "A", "B", "B", "B", "C", "C", "C"],
        "product": ["p", "q", "r"] * 3,
        "value": [3.0, 3.0, 1.0, 0.0, 2.0, 2.0, 0.0, 0.0, 2.0],
    }
)
SQRT5 = math.sqrt(5.0)
LAMBDA = (3 + SQRT5) / 8
V = np.array([1.0, -(3 - SQRT5) / 2, -(SQRT5 - 1)])
KP = np.array([1.0, (V[0] + V[1]) / 2, (V[1] + V[2]) / 2])


def _stata_z(x: np.ndarray, n_products: int = 3) -> tuple[float, float]:
    # Stata `summarize` over the C x P rows: mean of C values, sd with C*P - 1 degrees
    mean = x.mean()
    return mean, math.sqrt(n_products * ((x - mean) ** 2).sum() / (len(x) * n_products - 1))


def test_hand_case_rca_presence_diversity_ubiquity() -> None:
    result = complexity(HAND)
    cells = result.cells.set_index(["exporter", "product"])
    assert len(cells) == 6  # only the positive cells by default
    expected_rca = {("A", "p"): 13 / 7, ("A", "q"): 39 / 35, ("A", "r"): 13 / 35,
                    ("B", "q"): 13 / 10, ("B", "r"): 13 / 10, ("C", "r"): 13 / 5}
    for key, rca in expected_rca.items():
        assert cells.loc[key, "rca"] == pytest.approx(rca, rel=1e-12)
        assert cells.loc[key, "m"] == int(rca >= 1)
    countries = result.countries.set_index("exporter")
    products = result.products.set_index("product")
    assert countries["diversity"].to_dict() == {"A": 2, "B": 2, "C": 1}
    assert products["ubiquity"].to_dict() == {"p": 1, "q": 2, "r": 2}


def test_hand_case_eci_pci_closed_form() -> None:
    result = complexity(HAND)
    mean, sd = _stata_z(V)
    np.testing.assert_allclose(result.countries["eci"], (V - mean) / sd, rtol=1e-12)
    # PCI uses kc's mean and sd; kp pairs with kc = LAMBDA * v, so divide kp by LAMBDA
    np.testing.assert_allclose(result.products["pci"], (KP / LAMBDA - mean) / sd, rtol=1e-12)
    # unnormalised, A's ECI is the mean kp of its M = 1 products (p, q) over the eigenvalue
    eci_a = result.countries["eci"].iloc[0] * sd + mean
    assert eci_a == pytest.approx((KP[0] + KP[1]) / 2 / LAMBDA, rel=1e-12)


def test_hand_case_density_coi_cog() -> None:
    result = complexity(HAND, all_products=True)
    cells = result.cells.set_index(["exporter", "product"])
    assert len(cells) == 9
    density = cells["density"].unstack().loc[["A", "B", "C"], ["p", "q", "r"]].to_numpy()
    np.testing.assert_allclose(density, [[1, 0.5, 1], [1, 0.5, 1], [0, 0.5, 0]], atol=1e-15)

    _, sd_v = _stata_z(V)
    sd_kc = LAMBDA * sd_v
    cog = cells["cog"].unstack().loc[["A", "B", "C"], ["p", "q", "r"]].to_numpy()
    expected_cog = np.zeros((3, 3))
    expected_cog[2, 0] = 0.5 * KP[1] / 1.0 / sd_kc
    expected_cog[2, 1] = 0.5 * KP[0] / 0.5 / sd_kc
    np.testing.assert_allclose(cog, expected_cog, atol=1e-12)

    coi_raw = np.array([KP[2], KP[0], 0.5 * KP[1]])
    mean, sd = _stata_z(coi_raw)
    np.testing.assert_allclose(result.countries["coi"], (coi_raw - mean) / sd, rtol=1e-12)


def test_hand_case_proximity_edge_list() -> None:
    edges = proximity(HAND)
    assert list(edges.columns) == ["year", "product_1", "product_2", "proximity"]
    got = {(a, b): v for _, a, b, v in edges.itertuples(index=False)}
    assert got == {("p", "q"): 0.5, ("q", "r"): 0.5}  # p-r is 0: left out
    assert len(proximity(HAND, min_proximity=0.5)) == 0


def test_locations_restrict_cells_and_keep_the_rest() -> None:
    full = complexity(HAND, all_products=True)
    home = complexity(HAND, locations=["C"], all_products=True)
    assert home.cells["exporter"].unique().tolist() == ["C"]
    assert home.cells["product"].tolist() == ["p", "q", "r"]
    pd.testing.assert_frame_equal(
        home.cells.reset_index(drop=True),
        full.cells[full.cells["exporter"] == "C"].reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(home.countries, full.countries)
    # the opportunities of C: products with M = 0, their density and COG
    opportunities = home.cells[home.cells["m"] == 0]
    assert opportunities["product"].tolist() == ["p", "q"]
    assert opportunities["rca"].tolist() == [0.0, 0.0]


def test_zero_total_countries_and_products_are_dropped() -> None:
    extra = pd.DataFrame(
        {"year": 2020, "exporter": ["D", "D", "A"], "product": ["p", "s", "s"], "value": 0.0}
    )
    with_zeros = complexity(pd.concat([HAND, extra]), all_products=True)
    plain = complexity(HAND, all_products=True)
    for table in ("countries", "products", "cells"):
        pd.testing.assert_frame_equal(getattr(with_zeros, table), getattr(plain, table))


def test_no_nan_anywhere() -> None:
    result = complexity(HAND, all_products=True)
    for table in (result.countries, result.products, result.cells):
        assert not table.isna().any().any()


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop(columns="value"), "missing columns: value"),
        (lambda d: d.assign(value=d["value"].where(d.index != 0, -1.0)), "negative"),
        (lambda d: d.assign(value=d["value"].where(d.index != 0, np.nan)), "missing 'value'"),
        (lambda d: d.assign(value=d["value"].astype(str)), "not numeric"),
        (lambda d: pd.concat([d, d.iloc[[0]]]), "duplicate"),
        (lambda d: d.assign(exporter=d["exporter"].where(d.index != 0, None)),
         "missing 'exporter'"),
        (lambda d: d.assign(year=d["year"].astype(float).where(d.index != 0, np.nan)),
         "missing 'year'"),
        (lambda d: d[d["exporter"] == "A"], "at least 2 of each"),
        (lambda d: d[d["product"] == "r"], "at least 2 of each"),
        (lambda d: d.iloc[0:0], "has no rows"),
    ],
)
def test_bad_input_raises_one_line_value_error(change, message) -> None:
    with pytest.raises(ValueError, match=message) as info:
        complexity(change(HAND.copy()))
    assert "\n" not in str(info.value)


def test_bad_parameters_raise() -> None:
    with pytest.raises(ValueError, match="locations not in the data: 'MAR'"):
        complexity(HAND, locations=["MAR"])
    with pytest.raises(ValueError, match="not the string"):
        complexity(HAND, locations="A")
    with pytest.raises(ValueError, match="presence must be"):
        complexity(HAND, presence="rpop")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rca_threshold"):
        complexity(HAND, rca_threshold=0)
    with pytest.raises(ValueError, match="cols has no entry for val"):
        complexity(HAND, {"time": "year", "loc": "exporter", "prod": "product"})
    with pytest.raises(ValueError, match="0/1 values"):
        complexity(HAND, presence="manual")
    with pytest.raises(ValueError, match="min_proximity"):
        proximity(HAND, min_proximity=1.0)


def test_threshold_leaving_a_country_without_products_raises() -> None:
    # at threshold 2 only C-r (13/5) passes: A (max RCA 13/7), B (13/10), p and q have
    # no M = 1 cell, so ECI is undefined
    with pytest.raises(ValueError, match="2 countries and 2 products have M = 0"):
        complexity(HAND, rca_threshold=2.0)
