"""The watch refresh: parameters, the SQL watch marts (`sql/watch/*.sql`), the alerts and
the digest of what changed since the last published run."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import duckdb

from observatory.config import Config
from observatory.warehouse import sql_runner

WATCH_LAYER = "watch"
# Files of sql/watch from this one on are regulatory (exposure, RASFF intensity); the ones
# before are the trade marts.
REGULATORY_FIRST_FILE = "060"


def write_watch_parameters(con: duckdb.DuckDBPyConnection, cfg: Config, run_id: str,
                           as_of: date) -> None:
    """Replace the single row of `ops.watch_parameters`."""
    w = cfg.watch
    con.execute("delete from ops.watch_parameters")
    con.execute(
        "insert into ops.watch_parameters values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, as_of, w.min_value_usd, w.share_drop_pts, w.competitor_gain_pts,
         w.demand_contraction_pct, w.top_products, w.deadline_days, w.rasff_spike_ratio,
         w.rasff_spike_min],
    )


def apply_watch_sql(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply `sql/watch/*.sql` in order; returns the files applied."""
    return sql_runner.apply_layers(con, (WATCH_LAYER,))


def refresh_watch(con: duckdb.DuckDBPyConnection, cfg: Config, run_id: str,
                  as_of: date, *, trade: bool = True) -> dict[str, Any]:
    """The watch marts, the alerts and the digest; returns {"tables": {table: rows},
    "seconds": {step: seconds}, "alerts": {"raised": {rule: n}, "cleared": n, "open": n}}.

    Without `trade`, the trade marts (TRADE_FILES: shares, competitors, demand, unit values,
    tariff margins) are kept as they are and only the regulatory marts, which depend on
    the date or on regulatory inputs, are recomputed. Needs the study parameters
    (ops.study_parameters, ops.study_markets) of this run.
    """
    from observatory.watch.alerts import evaluate_alerts
    from observatory.watch.digest import build_digest

    seconds: dict[str, float] = {}
    write_watch_parameters(con, cfg, run_id, as_of)
    for path in sql_runner.sql_files(WATCH_LAYER):
        if not trade and path.name < REGULATORY_FIRST_FILE:
            continue
        started = time.perf_counter()
        sql_runner.apply_file(con, path)
        seconds[path.stem] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    alerts = evaluate_alerts(con, run_id)
    seconds["alerts"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    build_digest(con, run_id)
    seconds["digest"] = round(time.perf_counter() - started, 3)
    tables = {f"mart.{name}": con.execute(f"select count(*) from mart.{name}").fetchall()[0][0]
              for name in WATCH_TABLES}
    return {"tables": tables, "seconds": seconds, "alerts": alerts}


WATCH_TABLES = (
    "watch_market_shares",
    "watch_competitors",
    "watch_demand",
    "watch_unit_values",
    "watch_tariff_margins",
    "regulatory_exposure",
    "rasff_intensity",
    "watch_digest",
)
