"""`mart.cms_decomposition`: the constant-market-share decomposition of the change in the
home country's exports between `analysis.cms_base_year` and `analysis.cms_end_year`
(formulas and sources: observatory.indicators.constant_market_share).

World trade is every flow of the study (all exporters, all importers) at HS6. Only what the
formulas need leaves DuckDB: market j's imports of k for the (k, j) pairs the home country
serves in either year, and for each product one "rest of the world" row holding the rest of
its imports, so that r (all trade) and r_k (trade in k) stay exact while the table stays the
size of the home country's export matrix rather than the world's.

Rows: scope 'all' (the whole export change) and one scope per sector (the product terms
summed over the sector's HS6 codes, ref.hs_sectors; unmapped codes under 'other').
share_of_change = effect / (X^1 - X^0) (null when the change is 0).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from observatory.indicators.constant_market_share import constant_market_share

COLUMNS = ["base_year", "end_year", "scope", "effect", "value_usd", "share_of_change"]
EFFECTS = ("world_growth", "commodity_composition", "market_distribution", "competitiveness")
_REST = "~rest"


def build_cms_mart(con: duckdb.DuckDBPyConnection) -> int:
    """Write mart.cms_decomposition from ops.run_parameters; returns its row count."""
    (home, base, end), = con.execute(
        "select home_iso3, cms_base_year, cms_end_year from ops.run_parameters").fetchall()
    con.execute(
        """
        create or replace temp table _cms_flows as
        select year, product_code as k, exporter_iso3, importer_iso3 as j, value_usd
        from staging.stg_trade_flows_study
        where hs_level = 6 and freq = 'A' and reported_by = 'reconciled'
          and year in (?, ?) and value_usd > 0
        """,
        [base, end],
    )
    try:
        home_exports = con.execute(
            """
            select year, k, j, sum(value_usd) as value
            from _cms_flows where exporter_iso3 = ? group by all
            """,
            [home],
        ).df()
        world_imports = con.execute(
            """
            with pairs as (select distinct k, j from _cms_flows where exporter_iso3 = ?),
            served as (
                select f.year, f.k, f.j, sum(f.value_usd) as value
                from _cms_flows as f join pairs using (k, j)
                group by all
            ),
            product_total as (
                select year, k, sum(value_usd) as value from _cms_flows group by all
            ),
            rest as (
                select t.year, t.k, ? as j,
                       t.value - coalesce(sum(s.value), 0) as value
                from product_total as t
                left join served as s using (year, k)
                group by t.year, t.k, t.value
            )
            select * from served
            union all
            select * from rest where value > 0
            """,
            [home, _REST],
        ).df()
    finally:
        con.execute("drop table if exists _cms_flows")
    frame = _decompose(con, home_exports, world_imports, base, end)
    con.register("_cms", frame)
    try:
        con.execute("create or replace table mart.cms_decomposition as select * from _cms")
    finally:
        con.unregister("_cms")
    return len(frame)


def _decompose(con: duckdb.DuckDBPyConnection, home_exports: pd.DataFrame,
               world_imports: pd.DataFrame, base: int, end: int) -> pd.DataFrame:
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        COLUMNS, ["int64", "int64", "string", "string", "float64", "float64"], strict=True)})
    years = set(world_imports["year"])
    if base >= end or home_exports.empty or not {base, end} <= years:
        return empty
    cols = {"time": "year", "prod": "k", "market": "j", "val": "value"}
    result = constant_market_share(home_exports, world_imports, base=base, final=end,
                                   cols=cols)
    rows = [_rows("all", result.change,
                  (result.globo, result.compo, result.geo, result.perfo))]
    sectors = con.execute("select hs6 as k, sector from ref.hs_sectors").df()
    by_product = result.by_product.merge(sectors, on="k", how="left")
    by_product["sector"] = by_product["sector"].fillna("other")
    for sector, group in by_product.groupby("sector", sort=True):
        rows.append(_rows(str(sector), float(group["change"].sum()),
                          tuple(float(group[c].sum())
                                for c in ("globo", "compo", "geo", "perfo"))))
    frame = pd.concat(rows, ignore_index=True)
    frame.insert(0, "end_year", end)
    frame.insert(0, "base_year", base)
    return frame[COLUMNS]


def _rows(scope: str, change: float, effects: tuple[float, ...]) -> pd.DataFrame:
    names = [*EFFECTS, "total"]
    values = [*effects, change]
    return pd.DataFrame({
        "scope": scope,
        "effect": names,
        "value_usd": values,
        "share_of_change": [v / change if change else None for v in values],
    })
