"""The exportable-offer study refresh: parameters, complexity, the SQL study marts, the
constant-market-share decomposition, and the study's version record.

Order: compute economic complexity (Python, sparse matrices) into `mart.complexity_*` and
`mart.home_product_space` for the years whose inputs changed (ops.complexity_state); apply
`sql/mart/study/*.sql` in file-name order (they read the run's parameters, the study flows
and the complexity marts); decompose the change in exports (constant market shares); record
the version and what changed since the previous one. The parameters are the run's
(`ops.run_parameters`, written by its prepare step).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb

from observatory import plan
from observatory.config import Config
from observatory.warehouse import sql_runner

STUDY_LAYER = "study marts"  # sql/mart/study (observatory.plan.SQL_LAYERS)


def study_sql_files() -> list[Path]:
    return plan.layer_files(STUDY_LAYER)


def apply_study_sql(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply `sql/mart/study/*.sql` in order; returns the files applied."""
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
