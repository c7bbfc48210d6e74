"""Economic complexity marts, every study year, at HS4 and/or HS6 (Hidalgo & Hausmann 2009;
the Growth Lab's `ecomplexity` conventions, see observatory.indicators.complexity):

- `mart.complexity_countries(year, level, iso3, diversity, eci, coi)`: every exporter;
- `mart.complexity_products(year, level, product_code, ubiquity, pci)`: every product;
- `mart.home_product_space(year, level, product_code, rca, m, density, cog, distance)`: for
  the home country, every product traded that year: RCA, presence m (1 when RCA >=
  thresholds.rca, else 0), density (feasibility), COG (opportunity gain) and distance =
  1 - density (the Atlas convention). No rows for a year the home country exports nothing.

`level` is 4 or 6 (`analysis.complexity_levels`). Exports X_cp are the study's flows
(staging.stg_trade_flows_study: reconciled annual BACI rows at HS6, study years) summed over
importers, and for HS4 also over the HS6 codes of each HS4 (left(product_code, 4)).

Memory: one year at a time, DuckDB sums the year's flows into a temporary table (at most
countries x products rows a level, about 1 million at HS6 for BACI); each level of the year
is fetched and computed on its own, and its results are inserted before the next one.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from observatory.indicators.complexity import complexity

COLS = {"time": "year", "loc": "exporter_iso3", "prod": "product_code", "val": "value_usd"}
LEVELS = (4, 6)
# The mart tables and their columns, created before any row is inserted so that an empty
# study still has them with their types.
TABLES: dict[str, dict[str, str]] = {
    "complexity_countries": {
        "year": "integer", "level": "integer", "iso3": "varchar", "diversity": "integer",
        "eci": "double", "coi": "double",
    },
    "complexity_products": {
        "year": "integer", "level": "integer", "product_code": "varchar",
        "ubiquity": "integer", "pci": "double",
    },
    "home_product_space": {
        "year": "integer", "level": "integer", "product_code": "varchar", "rca": "double",
        "m": "integer", "density": "double", "cog": "double", "distance": "double",
    },
}
_EXPORTS = "_complexity_exports"


def build_complexity_marts(
    con: duckdb.DuckDBPyConnection,
    home_iso3: str,
    rca_threshold: float,
    levels: Iterable[int] = LEVELS,
    notes: list[str] | None = None,
) -> dict[str, int]:
    """Replace the three complexity marts for every study year (ops.run_parameters) at each
    product level in `levels` (4 and/or 6); returns {"mart.<table>": rows}.

    A year whose exports the complexity indicators reject (fewer than 2 countries or
    products, a country or product without any presence, a constant COI in a tiny world)
    is skipped with a note appended to `notes` when a list is given; otherwise it raises.

    Raises:
        ValueError: a level other than 4 or 6, or (without `notes`) a rejected year,
            naming the level and year.
    """
    given = tuple(levels)
    wanted = sorted(set(given))
    if not set(wanted) <= set(LEVELS):
        raise ValueError(f"complexity marts: levels must be 4 and/or 6, got {list(given)!r}")
    for name, columns in TABLES.items():
        body = ", ".join(f"{column} {kind}" for column, kind in columns.items())
        con.execute(f"create or replace table mart.{name} ({body})")
    (first, last), = con.execute(
        "select min(first_year), max(last_year) from ops.run_parameters").fetchall()
    years = range(first, last + 1) if first is not None and wanted else range(0)
    for year in years:
        _stage_exports(con, year, wanted)
        try:
            for level in wanted:
                exports = con.execute(
                    f"select year, exporter_iso3, product_code, value_usd from {_EXPORTS} "
                    "where level = ?",
                    [level],
                ).df()
                if exports.empty:
                    continue
                try:
                    frames = _level_year(exports, home_iso3, rca_threshold, level)
                except ValueError as exc:
                    if notes is None:
                        raise
                    notes.append(f"{year}: {exc}; no complexity rows for that year and level")
                    continue
                for name, frame in frames.items():
                    _insert(con, name, frame)
        finally:
            con.execute(f"drop table if exists {_EXPORTS}")
    return {
        f"mart.{name}": con.execute(f"select count(*) from mart.{name}").fetchall()[0][0]
        for name in TABLES
    }


def _stage_exports(con: duckdb.DuckDBPyConnection, year: int, levels: list[int]) -> None:
    """One year's exports by (level, exporter, product) in a temporary table: HS6 summed
    over importers, HS4 summed from those; only positive totals (the others carry no
    trade). One year at a time keeps DuckDB's aggregation to one year's groups."""
    selects = {
        6: "select 6 as level, * from hs6 where value_usd > 0",
        4: "select 4 as level, * from hs4 where value_usd > 0",
    }
    final = "\n            union all\n            ".join(selects[level] for level in levels)
    con.execute(
        f"""
        create or replace temp table {_EXPORTS} as
        with hs6 as (
            select
                year,
                exporter_iso3,
                product_code,
                sum(value_usd) as value_usd
            from staging.stg_trade_flows_study
            where hs_level = 6 and freq = 'A' and reported_by = 'reconciled' and year = ?
            group by all
        ),

        hs4 as (
            select year, exporter_iso3, left(product_code, 4) as product_code,
                   sum(value_usd) as value_usd
            from hs6
            group by all
        ),

        final as (
            {final}
        )

        select * from final
        """,
        [year],
    )


def _level_year(
    exports: pd.DataFrame, home_iso3: str, rca_threshold: float, level: int
) -> dict[str, pd.DataFrame]:
    """The three marts' rows for one level and year of exports (one row per exporter and
    product, positive values)."""
    home = [home_iso3] if (exports["exporter_iso3"] == home_iso3).any() else []
    try:
        result = complexity(exports, COLS, rca_threshold=rca_threshold, locations=home,
                            all_products=True)
    except ValueError as exc:
        raise ValueError(f"complexity marts at HS{level}: {exc}") from exc
    countries = result.countries.rename(columns={"exporter_iso3": "iso3"})
    cells = result.cells.assign(distance=1.0 - result.cells["density"])
    frames = {
        "complexity_countries": countries,
        "complexity_products": result.products,
        "home_product_space": cells,
    }
    return {
        name: frames[name].assign(level=level)[list(TABLES[name])] for name in TABLES
    }


def _insert(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    con.register("_complexity_frame", frame)
    try:
        con.execute(f"insert into mart.{name} by name select * from _complexity_frame")
    finally:
        con.unregister("_complexity_frame")
