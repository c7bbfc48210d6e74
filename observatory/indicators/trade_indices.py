"""Trade indicators that export-promotion agencies use, as pure functions.

Element-wise indices take scalars, NumPy arrays or pandas Series (Series must share one
index; the result keeps it). Table indices take long DataFrames and a column mapping.
Every function raises ValueError on input that would give NaN or infinity.

Notation: X_ik exports of country i in product k, X_i = sum_k X_ik, W_k world exports of
k, W world exports, M_jk imports of market j in k, X_ij exports of i to j, W_j world
exports to j.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np
import pandas as pd

from observatory.indicators._long_table import (
    as_float_array,
    column_mapping,
    key_codes,
    like_input,
    nonnegative_values,
    require_columns,
    require_unique_keys,
)
from observatory.indicators.constant_market_share import (
    CMS_COLS,
    ConstantMarketShare,
    constant_market_share,
)

__all__ = [
    "CMS_COLS",
    "ConstantMarketShare",
    "balassa_rca",
    "cagr",
    "concentration",
    "constant_market_share",
    "equivalent_number",
    "export_market_penetration",
    "hhi",
    "normalized_hhi",
    "symmetric_rca",
    "trade_balance_index",
    "trade_complementarity",
    "trade_intensity",
]

Numeric = float | np.ndarray | pd.Series

RCA_COLS: Mapping[str, str] = MappingProxyType(
    {"loc": "exporter", "prod": "product", "val": "value"}
)
EMP_COLS: Mapping[str, str] = MappingProxyType(
    {"prod": "product", "market": "importer", "val": "value"}
)


def _arrays(**inputs: object) -> list[np.ndarray]:
    """Float arrays of the inputs; Series must share one index, shapes must broadcast."""
    series = [(n, x) for n, x in inputs.items() if isinstance(x, pd.Series)]
    for name, s in series[1:]:
        if not s.index.equals(series[0][1].index):
            raise ValueError(f"{name} and {series[0][0]} are Series with different indexes")
    arrays = [as_float_array(x, name) for name, x in inputs.items()]
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(inputs, arrays, strict=True))
        raise ValueError(f"inputs do not have compatible shapes: {shapes}") from None


def _template(*inputs: object) -> object:
    """The input whose kind (Series, array, scalar) the result takes."""
    for x in inputs:
        if isinstance(x, pd.Series):
            return x
    return max(inputs, key=np.ndim)


# --- specialisation -------------------------------------------------------------------------


def balassa_rca(data: pd.DataFrame, cols: Mapping[str, str] = RCA_COLS) -> pd.DataFrame:
    """Balassa's revealed comparative advantage, RCA_ik = (X_ik / X_i) / (W_k / W).

    Source: Balassa (1965), "Trade liberalisation and revealed comparative advantage",
    The Manchester School 33(2). RCA > 1: i is specialised in k.

    The table is the world: W_k and W are its sums over all exporters. With a "time" role
    in `cols` the index is computed within each period. Rows of an exporter or a product
    whose total is 0 are dropped (RCA is 0/0 there).

    Returns: the key columns (time if given, loc, prod) and `rca`.
    Raises: ValueError on missing columns, NaN keys or values, negative values, duplicate
        keys, or when no row is left.
    """
    roles = ("time", "loc", "prod", "val") if "time" in cols else ("loc", "prod", "val")
    names = column_mapping(cols, roles, "balassa_rca")
    require_columns(data, list(names.values()), "balassa_rca input")
    values = nonnegative_values(data, names["val"], "balassa_rca input")
    keys = [names[r] for r in roles if r != "val"]
    codes = [key_codes(data, k, "balassa_rca input") for k in keys]
    require_unique_keys([c for c, _ in codes], [u for _, u in codes], keys, "balassa_rca input")

    frame = data[keys].reset_index(drop=True)  # positional: the caller's index may repeat
    frame["_v"] = values
    period = [names["time"]] if "time" in names else []
    x_i = frame.groupby(period + [names["loc"]])["_v"].transform("sum")
    w_k = frame.groupby(period + [names["prod"]])["_v"].transform("sum")
    w = frame.groupby(period)["_v"].transform("sum") if period else frame["_v"].sum()
    defined = (x_i > 0) & (w_k > 0)
    if not defined.any():
        raise ValueError("balassa_rca input: every exporter or product has a zero total")
    out = frame.loc[defined, keys].reset_index(drop=True)
    out["rca"] = ((frame["_v"] / x_i) / (w_k / w))[defined].to_numpy()
    return out


def symmetric_rca(rca: Numeric) -> Numeric:
    """Symmetric RCA, RSCA = (RCA - 1) / (RCA + 1), in [-1, 1), 0 at neutrality.

    Source: Dalum, Laursen & Villumsen (1998), "Structural change in OECD export
    specialisation patterns", International Review of Applied Economics 12(3).
    Raises: ValueError on NaN, infinite or negative RCA.
    """
    (values,) = _arrays(rca=rca)
    if (values < 0).any():
        raise ValueError("rca has negative values")
    return like_input(rca, (values - 1.0) / (values + 1.0), "rsca")


def trade_balance_index(exports: Numeric, imports: Numeric) -> Numeric:
    """Trade balance index TBI = (X - M) / (X + M), in [-1, 1]: net exporter when > 0.

    Source: Lafay (1992), "The measurement of revealed comparative advantages", in
    Dagenais & Muet (eds), International Trade Modelling; ITC Trade Performance Index,
    indicator G5 "relative trade balance".
    Raises: ValueError on NaN, negative values, or X + M = 0 (no trade: undefined).
    """
    x, m = _arrays(exports=exports, imports=imports)
    if (x < 0).any() or (m < 0).any():
        raise ValueError("exports and imports must be >= 0")
    total = x + m
    if (total == 0).any():
        raise ValueError(f"{int((total == 0).sum())} entries have exports + imports = 0")
    return like_input(_template(exports, imports), (x - m) / total, "trade_balance_index")


# --- concentration --------------------------------------------------------------------------


def _shares(shares: object) -> np.ndarray:
    values = as_float_array(shares, "shares").ravel()
    if values.size == 0:
        raise ValueError("shares is empty")
    if (values < 0).any():
        raise ValueError("shares has negative values")
    if not np.isclose(values.sum(), 1.0, rtol=0, atol=1e-9):
        raise ValueError(f"shares sum to {values.sum():.12g}, not 1; divide by their total")
    return values


def hhi(shares: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Herfindahl-Hirschman index HHI = sum_s share_s^2, in (0, 1]; 1 = one partner.

    Source: Hirschman (1945), National Power and the Structure of Foreign Trade;
    Herfindahl (1950). WITS "HH market concentration index".
    Raises: ValueError when shares are empty, NaN, negative or do not sum to 1 (+-1e-9).
    """
    values = _shares(shares)
    return float(np.sum(values**2))


def normalized_hhi(shares: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Normalised HHI* = (HHI - 1/N) / (1 - 1/N), in [0, 1]; N = number of positive shares.

    0 when the N partners have equal shares, 1 when one has everything; N = 1 gives 1.
    Source: e.g. UNCTAD, Handbook of Statistics, "concentration index" (normalised HHI).
    Raises: as `hhi`.
    """
    values = _shares(shares)
    n = int((values > 0).sum())
    if n == 1:
        return 1.0
    return float((np.sum(values**2) - 1.0 / n) / (1.0 - 1.0 / n))


def equivalent_number(shares: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Equivalent number of partners 1 / HHI: as many equal partners would give this HHI.

    Source: Adelman (1969), "Comment on the H concentration measure as a numbers-
    equivalent", Review of Economics and Statistics 51(1); ITC Trade Performance Index.
    Raises: as `hhi`.
    """
    return 1.0 / hhi(shares)


def concentration(data: pd.DataFrame, by: Sequence[str], val: str) -> pd.DataFrame:
    """HHI, normalised HHI and equivalent number of each group of a long table.

    Shares are value / group total over the rows of each group (e.g. by=["product"] over
    rows per market for market concentration). Groups whose total is 0 are dropped.

    Returns: the `by` columns, n (rows with a positive value), hhi, hhi_normalized,
        equivalent_number.
    Raises: ValueError on missing columns, NaN keys or values, negative values, or when
        every group has a zero total.
    """
    require_columns(data, [*by, val], "concentration input")
    values = nonnegative_values(data, val, "concentration input")
    for key in by:
        key_codes(data, key, "concentration input")
    frame = data[list(by)].reset_index(drop=True)  # positional: the caller's index may repeat
    frame["_v"] = values
    frame["_total"] = frame.groupby(list(by))["_v"].transform("sum")
    frame = frame[frame["_total"] > 0]
    if frame.empty:
        raise ValueError("concentration input: every group has a zero total")
    frame["_s2"] = (frame["_v"] / frame["_total"]) ** 2
    frame["_n"] = (frame["_v"] > 0).astype(np.int64)
    out = frame.groupby(list(by), sort=True).agg(n=("_n", "sum"), hhi=("_s2", "sum"))
    out = out.reset_index()
    n = out["n"].to_numpy()
    h = out["hhi"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["hhi_normalized"] = np.where(n > 1, (h - 1.0 / n) / (1.0 - 1.0 / n), 1.0)
    out["equivalent_number"] = 1.0 / h
    return out


# --- bilateral ------------------------------------------------------------------------------


def trade_complementarity(exports_by_product: pd.Series, imports_by_product: pd.Series) -> float:
    """Trade complementarity TC_ij = 100 * (1 - sum_k |m_jk - x_ik| / 2), in [0, 100].

    x_ik = share of k in i's exports, m_jk = share of k in j's imports; 100 when i's export
    basket matches j's import basket exactly, 0 when they do not overlap. Products absent
    from one Series count as 0 there. Source: Michaely (1996), "Trade preferential
    agreements in Latin America: an ex-ante assessment", World Bank PRWP 1583; WITS
    indicator TRD-CMPLMNTRTY-NDX.

    Args: two Series of values (not shares) indexed by product code.
    Raises: ValueError on non-Series input, duplicate products, NaN or negative values,
        or a zero total.
    """
    shares = []
    for name, s in (("exports_by_product", exports_by_product),
                    ("imports_by_product", imports_by_product)):
        if not isinstance(s, pd.Series):
            raise ValueError(f"{name} must be a pandas Series indexed by product")
        if s.index.has_duplicates:
            first = s.index[s.index.duplicated()][0]
            raise ValueError(f"{name} has duplicate products, e.g. {first!r}")
        values = as_float_array(s, name)
        if (values < 0).any():
            raise ValueError(f"{name} has negative values")
        if values.sum() <= 0:
            raise ValueError(f"{name} sums to 0")
        shares.append(pd.Series(values / values.sum(), index=s.index))
    x, m = shares[0].align(shares[1], fill_value=0.0)
    return float(100.0 * (1.0 - np.abs(m - x).sum() / 2.0))


def trade_intensity(x_ij: Numeric, x_i: Numeric, w_j: Numeric, w: Numeric) -> Numeric:
    """Trade intensity TII_ij = (X_ij / X_i) / (W_j / W): > 1 when i sends j a larger share
    of its exports than the world does.

    Source: Brown (1949), Applied Economics; Kojima (1964), "The pattern of international
    trade among advanced countries", Hitotsubashi Journal of Economics 5(1); WITS.
    Raises: ValueError on NaN or negative values, X_i = 0, W_j = 0 or W = 0.
    """
    a, b, c, d = _arrays(x_ij=x_ij, x_i=x_i, w_j=w_j, w=w)
    if min(a.min(initial=0), b.min(initial=0), c.min(initial=0), d.min(initial=0)) < 0:
        raise ValueError("trade_intensity inputs must be >= 0")
    for name, arr in (("x_i", b), ("w_j", c), ("w", d)):
        if (arr == 0).any():
            raise ValueError(f"{name} is 0 in {int((arr == 0).sum())} entries")
    return like_input(_template(x_ij, x_i, w_j, w), (a / b) / (c / d), "trade_intensity")


def export_market_penetration(
    home_exports: pd.DataFrame,
    world_imports: pd.DataFrame,
    cols: Mapping[str, str] = EMP_COLS,
) -> pd.DataFrame:
    """Export market penetration of each product: markets served / markets importing.

    markets_served = number of markets j with X_ijk > 0; markets_importing = number of
    markets with M_jk > 0 in `world_imports`, united with the markets served (so a flow
    that the import table misses, e.g. reported versus mirror data, cannot push the index
    above 1). Source: WITS indicator "Index of export market penetration".
    Both tables: one period, one row per (prod, market). Exclude the home country from
    `world_imports` yourself if it should not count as a market.

    Returns: {prod}, markets_served, markets_importing, penetration; one row per product
        the home country exports (value > 0).
    Raises: ValueError on missing columns, NaN keys or values, negative values, duplicate
        keys, or no positive home export.
    """
    names = column_mapping(cols, ("prod", "market", "val"), "export_market_penetration")
    pairs = []
    for what, data in (("home_exports", home_exports), ("world_imports", world_imports)):
        require_columns(data, list(names.values()), what)
        values = nonnegative_values(data, names["val"], what)
        codes = [key_codes(data, names[r], what) for r in ("prod", "market")]
        require_unique_keys(
            [c for c, _ in codes], [u for _, u in codes], [names["prod"], names["market"]], what
        )
        positive = data.loc[values > 0, [names["prod"], names["market"]]]
        pairs.append(positive.set_axis(["prod", "market"], axis=1))
    served, importing = pairs
    if served.empty:
        raise ValueError("home_exports: no positive value")
    n_served = served.groupby("prod").size()
    united = pd.concat([served, importing]).drop_duplicates()
    n_importing = united.groupby("prod").size().reindex(n_served.index)
    out = pd.DataFrame(
        {
            names["prod"]: n_served.index,
            "markets_served": n_served.to_numpy(),
            "markets_importing": n_importing.to_numpy(),
        }
    )
    out["penetration"] = out["markets_served"] / out["markets_importing"]
    return out


# --- growth ---------------------------------------------------------------------------------


def cagr(v0: Numeric, v1: Numeric, years: Numeric) -> Numeric:
    """Compound annual growth rate (v1 / v0)^(1 / years) - 1.

    Source: standard; ITC Trade Map "annual growth in value". `years` is the number of
    years between the two observations (2019 to 2024: 5).
    Raises: ValueError when v0 <= 0, v1 < 0, years <= 0 or any input is NaN.
    """
    a, b, n = _arrays(v0=v0, v1=v1, years=years)
    if (a <= 0).any():
        raise ValueError("v0 must be > 0 (growth from 0 is undefined)")
    if (b < 0).any():
        raise ValueError("v1 must be >= 0")
    if (n <= 0).any():
        raise ValueError("years must be > 0")
    return like_input(_template(v0, v1, years), (b / a) ** (1.0 / n) - 1.0, "cagr")
