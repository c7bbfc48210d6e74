"""The exportable-offer study refresh: parameters, complexity, the SQL study marts, the
constant-market-share decomposition, and the study's version record.

Order: write `ops.study_parameters` and `ops.study_markets` from the configuration; compute
economic complexity (Python, sparse matrices) into `mart.complexity_*` and
`mart.home_product_space` for the years whose inputs changed (ops.complexity_state); apply
`sql/study/*.sql` in file-name order (they read the parameters, the study flows and the
complexity marts); decompose the change in exports (constant market shares); record the
version and what changed since the previous one.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

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


def refresh_study(con: duckdb.DuckDBPyConnection, cfg: Config, run_id: str) -> dict[str, Any]:
    """Recompute every study table from the flows in the warehouse (the complexity marts only
    for the years whose inputs changed); returns {"tables": {table: rows}, "seconds": {step:
    seconds}, "version": {...}, "notes": [what was skipped and why], "complexity":
    {"recomputed" | "reused" | "removed": {"HS6": [years]}, "fingerprint_seconds": s}}.

    Needs `ops.run_parameters` (written by the run's prepare step) and the staging views.
    """
    from observatory.study.cms import build_cms_mart
    from observatory.study.complexity_marts import update_complexity_marts
    from observatory.study.versions import record_version

    seconds: dict[str, float] = {}
    tables: dict[str, int] = {}

    def timed(step: str, started: float) -> None:
        seconds[step] = round(time.perf_counter() - started, 3)

    started = time.perf_counter()
    write_study_parameters(con, cfg, run_id)
    notes: list[str] = []
    complexity = update_complexity_marts(con, cfg.study.home, cfg.thresholds.rca,
                                         levels=cfg.analysis.complexity_levels, notes=notes,
                                         run_id=run_id)
    timed("complexity", started)
    for path in study_sql_files():
        started = time.perf_counter()
        sql_runner.apply_file(con, path)
        timed(path.stem, started)
    started = time.perf_counter()
    build_cms_mart(con)
    timed("cms_decomposition", started)
    started = time.perf_counter()
    version = record_version(con, run_id)
    timed("versions", started)
    for name in STUDY_TABLES:
        tables[f"mart.{name}"] = con.execute(f"select count(*) from mart.{name}").fetchall()[0][0]
    return {"tables": tables, "seconds": seconds, "version": version, "notes": notes,
            "complexity": complexity.summary()}


# The tables a refresh writes (mart schema), in the order the report presents them.
STUDY_TABLES = (
    "product_competitiveness",
    "market_product_shares",
    "market_indicators",
    "home_concentration",
    "cms_decomposition",
    "complexity_countries",
    "complexity_products",
    "home_product_space",
    "export_potential",
    "diversification_opportunities",
    "afcfta_openings",
    "study_history",
    "study_changes",
)
