"""The exportable-offer study refresh: parameters, complexity, the SQL study marts, the
constant-market-share decomposition, and the study's version record.

Order: write `ops.study_parameters` and `ops.study_markets` from the configuration; compute
economic complexity (Python, sparse matrices) into `mart.complexity_*` and
`mart.home_product_space`; apply `sql/study/*.sql` in file-name order (they read the
parameters, the study flows and the complexity marts); decompose the change in exports
(constant market shares); record the version and what changed since the previous one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from observatory.config import Config
from observatory.warehouse import sql_runner

STUDY_LAYER = "study"


def write_study_parameters(con: duckdb.DuckDBPyConnection, cfg: Config, study_id: str) -> None:
    """Replace the single row of `ops.study_parameters` and the rows of `ops.study_markets`."""
    a, p = cfg.analysis, cfg.potential
    con.execute("delete from ops.study_parameters")
    con.execute(
        "insert into ops.study_parameters values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [study_id, cfg.study.home, cfg.study.first_year, cfg.study.last_year,
         cfg.thresholds.rca, a.growth_window, a.cms_base_year, a.cms_end_year,
         p.horizon_years, p.home_growth, p.world_growth, p.demand_growth,
         p.demand_growth_cap, p.tariff_elasticity, p.actual_years],
    )
    con.execute("delete from ops.study_markets")
    rows = [(iso3, "priority") for iso3 in cfg.study.priority_markets]
    rows += [(iso3, "competitor") for iso3 in cfg.study.competitors]
    con.executemany("insert into ops.study_markets values (?, ?)", rows)


def study_sql_files() -> list[Path]:
    return sql_runner.sql_files(STUDY_LAYER)


def apply_study_sql(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply `sql/study/*.sql` in order; returns the files applied."""
    return sql_runner.apply_layers(con, (STUDY_LAYER,))
