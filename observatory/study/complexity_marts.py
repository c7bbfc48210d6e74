"""Economic complexity marts, every study year, at HS6 (Hidalgo & Hausmann 2009; the Growth
Lab's `ecomplexity` conventions, see observatory.indicators.complexity):

- `mart.complexity_countries`: diversity, ECI and COI of every exporter;
- `mart.complexity_products`: ubiquity and PCI of every HS6;
- `mart.home_product_space`: for the home country, every HS6 of the year with its RCA,
  presence (RCA >= thresholds.rca), density (feasibility) and COG (opportunity gain).

Exports come from the study's flows (staging.stg_trade_flows_study, the reconciled BACI
rows at HS6), summed over partners.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from observatory.indicators.complexity import complexity

COLS = {"time": "year", "loc": "exporter_iso3", "prod": "hs6", "val": "value_usd"}


def build_complexity_marts(con: duckdb.DuckDBPyConnection, home_iso3: str,
                           rca_threshold: float) -> dict[str, int]:
    exports = con.execute(
        """
        select f.year, f.exporter_iso3, f.product_code as hs6, sum(f.value_usd) as value_usd
        from staging.stg_trade_flows_study as f, ops.run_parameters as p
        where f.hs_level = 6 and f.freq = 'A' and f.reported_by = 'reconciled'
          and f.year between p.first_year and p.last_year
        group by all
        having sum(f.value_usd) > 0
        """
    ).df()
    tables: dict[str, pd.DataFrame] = {}
    if exports.empty or home_iso3 not in set(exports["exporter_iso3"]):
        empty = {"complexity_countries": ["year", "iso3", "diversity", "eci", "coi"],
                 "complexity_products": ["year", "hs6", "ubiquity", "pci"],
                 "home_product_space": ["year", "hs6", "rca", "m", "density", "cog"]}
        tables = {name: pd.DataFrame(columns=columns) for name, columns in empty.items()}
    else:
        result = complexity(exports, COLS, rca_threshold=rca_threshold,
                            locations=[home_iso3], all_products=True)
        tables["complexity_countries"] = result.countries.rename(
            columns={"exporter_iso3": "iso3"})[["year", "iso3", "diversity", "eci", "coi"]]
        tables["complexity_products"] = result.products[["year", "hs6", "ubiquity", "pci"]]
        tables["home_product_space"] = result.cells[
            ["year", "hs6", "rca", "m", "density", "cog"]]
    counts = {}
    for name, frame in tables.items():
        frame = frame.astype({"hs6": "string"}) if "hs6" in frame else frame
        con.register("_complexity", frame)
        try:
            con.execute(f"create or replace table mart.{name} as select * from _complexity")
        finally:
            con.unregister("_complexity")
        counts[f"mart.{name}"] = len(frame)
    return counts
