"""The watch refresh: parameters, the SQL watch marts (`sql/watch/*.sql`), the alerts and
the digest of what changed since the last published run."""

from __future__ import annotations

from datetime import date

import duckdb

from observatory.config import Config
from observatory.warehouse import sql_runner

WATCH_LAYER = "watch"


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
