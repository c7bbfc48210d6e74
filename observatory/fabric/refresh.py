"""The fabric refresh: exporter dynamics and the program follow-up computed from the
restricted database, put through disclosure control, and only then written to the
`mart.fabric_*` tables of the working database (hence published).

What it returns (for the run summary, the Prefect artifacts and the logs) is counts only:
cells, cells suppressed by each rule, years; never an identifier or a firm's value.
"""

from __future__ import annotations

import time
from typing import Any

import duckdb
import pandas as pd

from observatory.config import Config
from observatory.fabric import disclosure, indicators, program, restricted
from observatory.warehouse.session import work_db

INDICATOR_COLUMNS = {
    "year": "integer", "dimension": "varchar", "cell": "varchar", "parent": "varchar",
    "status": "varchar", "n_exporters": "integer", "exports_usd": "double",
    "mean_usd": "double", "median_usd": "double", "entry_rate": "double",
    "exit_rate": "double", "survival_1y": "double", "survival_2y": "double",
    "survival_3y": "double", "top1_share": "double", "top5_share": "double",
    "hhi": "double", "products_per_exporter": "double", "destinations_per_exporter": "double",
    "new_relationships": "integer", "is_priority_market": "boolean",
}
PRODUCT_COLUMNS = {
    "year": "integer", "hs6": "varchar", "section": "varchar", "description": "varchar",
    "status": "varchar", "fragile": "boolean", "n_exporters": "integer",
    "exports_usd": "double", "hhi": "double", "entry_rate": "double", "exit_rate": "double",
}
RULE_COLUMNS = {
    "year": "integer", "dimension": "varchar", "cells": "integer",
    "suppressed_primary": "integer", "suppressed_secondary": "integer",
    "min_exporters": "integer", "dominance_share": "double",
    "min_exporters_quantiles": "integer",
}
TABLES = {"mart.fabric_indicators": INDICATOR_COLUMNS,
          "mart.fabric_products": PRODUCT_COLUMNS,
          "mart.fabric_disclosure": RULE_COLUMNS,
          "mart.fabric_program": program.COLUMNS}


def rules_of(cfg: Config) -> disclosure.Rules:
    fab = restricted.settings(cfg)
    return disclosure.Rules(fab.min_exporters, fab.dominance_share,
                            fab.min_exporters_quantiles)


def disclosed_cells(con: duckdb.DuckDBPyConnection, cfg: Config) -> pd.DataFrame:
    """Every cell after disclosure control (the restricted database attached)."""
    priority = list(cfg.study.priority_markets)
    cells = indicators.build_cells(con, priority)
    if cells.empty:
        return cells
    return disclosure.disclose(cells, rules_of(cfg), priority)


def refresh_fabric(cfg: Config, run_id: str) -> dict[str, Any]:
    """Compute, disclose and write the fabric marts; the counts for the run summary."""
    started = time.monotonic()
    fab = restricted.settings(cfg)
    with work_db(cfg) as con:
        _create_tables(con)
        if not restricted.exists(cfg):
            return {"cells": 0, "note": "no exporter-level data (restricted database absent)"}
        with restricted.attached(con, cfg, read_only=True):
            cells = disclosed_cells(con, cfg)
            follow_up = program.follow_up(con, cfg, rules_of(cfg))
            _drop_temps(con)
        products = _products(con, cells)
        rules = _rules(cells, fab)
        _replace(con, "mart.fabric_indicators", INDICATOR_COLUMNS,
                 _indicators(cells, cfg) if not cells.empty else None)
        _replace(con, "mart.fabric_products", PRODUCT_COLUMNS, products)
        _replace(con, "mart.fabric_disclosure", RULE_COLUMNS, rules)
        _replace(con, "mart.fabric_program", program.COLUMNS, follow_up)
    suppressed = cells["status"].eq("c") if not cells.empty else pd.Series([], dtype=bool)
    return {
        "cells": int(len(cells)),
        "suppressed_primary": int(cells["rule"].eq("primary").sum()) if len(cells) else 0,
        "suppressed_secondary": int(cells["rule"].eq("secondary").sum()) if len(cells)
        else 0,
        "suppressed": int(suppressed.sum()),
        "years": sorted(int(y) for y in cells["year"].unique()) if len(cells) else [],
        "program_rows": int(len(follow_up)) if follow_up is not None else 0,
        "seconds": round(time.monotonic() - started, 2),
    }


def _drop_temps(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("_fab_rows", "_fab_members", "_fab_program"):
        con.execute(f"drop table if exists {table}")


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table, columns in TABLES.items():
        body = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        con.execute(f"create table if not exists {table} ({body})")


def _replace(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str],
             frame: pd.DataFrame | None) -> None:
    body = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    con.execute(f"create or replace table {table} ({body})")
    if frame is None or frame.empty:
        return
    con.register("_fabric_frame", frame[list(columns)])
    try:
        select = ", ".join(f"cast({name} as {kind}) as {name}"
                           for name, kind in columns.items())
        con.execute(f"insert into {table} select {select} from _fabric_frame")
    finally:
        con.unregister("_fabric_frame")


def _indicators(cells: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    out = cells[cells["dimension"] != "hs6"].copy()
    priority = set(cfg.study.priority_markets)
    out["is_priority_market"] = (out["dimension"] == "destination") & out["cell"].isin(priority)
    return out


def _products(con: duckdb.DuckDBPyConnection, cells: pd.DataFrame) -> pd.DataFrame | None:
    if cells.empty:
        return None
    out = cells[cells["dimension"] == "hs6"].rename(columns={"cell": "hs6",
                                                             "parent": "section"}).copy()
    out["fragile"] = out["rule"].eq("primary")
    labels = con.execute("select hs_code as hs6, description from ref.hs_nomenclature "
                         "where level = 6").df()
    return out.merge(labels, on="hs6", how="left")


def _rules(cells: pd.DataFrame, fab: Any) -> pd.DataFrame | None:
    if cells.empty:
        return None
    grouped = cells.groupby(["year", "dimension"])
    out = pd.DataFrame({
        "cells": grouped.size(),
        "suppressed_primary": grouped["rule"].apply(lambda r: int((r == "primary").sum())),
        "suppressed_secondary": grouped["rule"].apply(
            lambda r: int((r == "secondary").sum())),
    }).reset_index()
    out["min_exporters"] = fab.min_exporters
    out["dominance_share"] = fab.dominance_share
    out["min_exporters_quantiles"] = fab.min_exporters_quantiles
    return out
