"""Constant market share (shift-share) decomposition of a change in exports.

Sources: Tyszynski (1951), "World trade in manufactured commodities, 1899-1950", The
Manchester School 19; Leamer & Stern (1970), Quantitative International Economics, ch. 7;
the three-level form GLOBO + COMPO + GEO + PERFO as in WTO staff working paper ERSD-2009-14.

Notation, for the home country's exports X_kj of product k to market j in the base period
(superscript 0) and the final period (1), and the imports M_kj of market j in product k
(from the world; or exports of the world to j, the same flows seen from the other side):

    r    = M^1 / M^0 - 1              growth of world trade (all products and markets of
                                      the import table)
    r_k  = M_k^1 / M_k^0 - 1          growth of world trade in product k (all its markets)
    r_kj = M_kj^1 / M_kj^0 - 1        growth of market j's imports of product k

    GLOBO = r * X^0                                   world growth
    COMPO = sum_k (r_k - r) * X_k^0                   commodity composition
    GEO   = sum_k sum_j (r_kj - r_k) * X_kj^0         market distribution
    PERFO = sum_k sum_j (X_kj^1 - X_kj^0 - r_kj * X_kj^0)   competitiveness (residual)

GLOBO + COMPO + GEO + PERFO = X^1 - X^0 identically (the r, r_k and r_kj terms cancel).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from observatory.indicators._long_table import (
    column_mapping,
    key_codes,
    nonnegative_values,
    require_columns,
    require_unique_keys,
)

CMS_COLS: Mapping[str, str] = MappingProxyType(
    {"time": "year", "prod": "product", "market": "importer", "val": "value"}
)
_ROLES = ("time", "prod", "market", "val")


@dataclass(frozen=True)
class ConstantMarketShare:
    """The decomposition; `by_product` has the same terms per product (they sum to these).

    by_product columns: {prod}, exports_base, exports_final, change, globo, compo, geo,
    perfo; one row per product the home country exports in either period.
    """

    exports_base: float
    exports_final: float
    change: float
    world_growth: float
    globo: float
    compo: float
    geo: float
    perfo: float
    by_product: pd.DataFrame


def constant_market_share(
    home_exports: pd.DataFrame,
    world_imports: pd.DataFrame,
    *,
    base: Hashable,
    final: Hashable,
    cols: Mapping[str, str] = CMS_COLS,
) -> ConstantMarketShare:
    """Split the home country's export change between two periods into world growth
    (GLOBO), commodity composition (COMPO), market distribution (GEO) and the
    competitiveness residual (PERFO); formulas and sources in the module docstring.

    Args:
        home_exports: long table of the home country's exports, one row per
            (time, prod, market), value >= 0.
        world_imports: long table of the imports of each market by product from the world,
            one row per (time, prod, market). Its coverage sets r and r_k: give every
            market for growth of world trade, or only the target markets for growth of
            their imports. (The textbook uses world exports *excluding* the home country;
            subtract them first if wanted.)
        base, final: the two values of the time column compared (e.g. 2019 and 2024; use
            period averages by aggregating beforehand).
        cols: column names for the roles time, prod, market, val (both tables).

    Zero base values (the rule; nothing is returned as NaN):
    - A (product, market) pair absent from a table has value 0 there.
    - Where X_kj^0 = 0 (a new market or product), r_kj * X_kj^0 and (r_k - r) * X_k^0 are
      0 whatever r_kj and r_k are, so the whole final value X_kj^1 counts in PERFO.
    - Where X_kj^0 > 0 but M_kj^0 = 0, r_kj is undefined: ValueError (the two tables
      disagree; the import table must cover every base-period home flow).
    - M^0 = 0 (no world trade in the base period): ValueError.

    Raises:
        ValueError: as above; missing columns, NaN keys or values, negative values,
            duplicate keys, `base` or `final` absent from either table, base == final.
    """
    names = column_mapping(cols, _ROLES, "constant_market_share")
    if base == final:
        raise ValueError(f"constant_market_share: base and final are the same period {base!r}")
    home = _two_periods(home_exports, names, base, final, "home_exports")
    world = _two_periods(world_imports, names, base, final, "world_imports")

    world_base, world_final = world["base"].sum(), world["final"].sum()
    if not world_base > 0:
        raise ValueError(f"world_imports: total for base period {base!r} is 0")
    r = world_final / world_base - 1.0

    flows = home.join(world.add_suffix("_world"), how="left").fillna(0.0)
    orphan = (flows["base"] > 0) & (flows["base_world"] <= 0)
    if orphan.any():
        example = flows.index[orphan.to_numpy()][0]
        raise ValueError(
            f"constant_market_share: {int(orphan.sum())} (product, market) pairs have home"
            f" exports in {base!r} but no imports in world_imports, e.g. {example!r}"
        )
    product_world = world.groupby(level="prod").sum()
    k_base = product_world["base"].reindex(flows.index.get_level_values("prod")).to_numpy()
    k_final = product_world["final"].reindex(flows.index.get_level_values("prod")).to_numpy()

    x0 = flows["base"].to_numpy()
    x1 = flows["final"].to_numpy()
    traded = x0 > 0  # where r_k and r_kj are needed, the checks above make them defined
    r_k = np.zeros(len(flows))
    r_kj = np.zeros(len(flows))
    m0, m1 = flows["base_world"].to_numpy(), flows["final_world"].to_numpy()
    r_k[traded] = k_final[traded] / k_base[traded] - 1.0
    r_kj[traded] = m1[traded] / m0[traded] - 1.0

    terms = pd.DataFrame(
        {
            "prod": flows.index.get_level_values("prod"),
            "exports_base": x0,
            "exports_final": x1,
            "change": x1 - x0,
            "globo": r * x0,
            "compo": (r_k - r) * x0,
            "geo": (r_kj - r_k) * x0,
            "perfo": x1 - x0 - r_kj * x0,
        }
    )
    by_product = terms.groupby("prod", sort=True).sum().reset_index()
    by_product = by_product.rename(columns={"prod": names["prod"]})
    totals = by_product.drop(columns=names["prod"]).sum()
    return ConstantMarketShare(
        exports_base=float(totals["exports_base"]),
        exports_final=float(totals["exports_final"]),
        change=float(totals["change"]),
        world_growth=float(r),
        globo=float(totals["globo"]),
        compo=float(totals["compo"]),
        geo=float(totals["geo"]),
        perfo=float(totals["perfo"]),
        by_product=by_product,
    )


def _two_periods(
    data: pd.DataFrame, names: dict[str, str], base: Hashable, final: Hashable, what: str
) -> pd.DataFrame:
    """Columns base and final indexed by (prod, market); absent pairs are 0."""
    require_columns(data, list(names.values()), what)
    values = nonnegative_values(data, names["val"], what)
    codes = [key_codes(data, names[role], what) for role in ("time", "prod", "market")]
    require_unique_keys(
        [c for c, _ in codes],
        [u for _, u in codes],
        [names["time"], names["prod"], names["market"]],
        what,
    )
    times = data[names["time"]]
    for label, period in (("base", base), ("final", final)):
        if not (times == period).any():
            raise ValueError(f"{what}: no rows for the {label} period {period!r}")
    frame = pd.DataFrame(
        {
            "prod": data[names["prod"]].to_numpy(),
            "market": data[names["market"]].to_numpy(),
            "period": np.where(times == base, "base", np.where(times == final, "final", "")),
            "value": values,
        }
    )
    frame = frame[frame["period"] != ""]
    wide = frame.pivot_table(
        index=["prod", "market"], columns="period", values="value", aggfunc="sum", fill_value=0.0
    )
    return wide.reindex(columns=["base", "final"], fill_value=0.0).rename_axis(columns=None)
