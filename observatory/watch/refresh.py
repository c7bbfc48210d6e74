"""The watch refresh: the SQL watch marts (`sql/mart/watch_trade`, `sql/mart/watch_regulatory`),
the digest of what changed since the last published run."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import duckdb

from observatory import plan
from observatory.config import Config
from observatory.warehouse import sql_runner

# sql/mart/watch_trade (shares, competitors, demand, unit values, tariff margins) and
# sql/mart/watch_regulatory (exposure, RASFF intensity): observatory.plan.SQL_LAYERS.
TRADE_LAYER = "watch trade marts"
REGULATORY_LAYER = "watch regulatory marts"


def apply_watch_sql(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every watch model in order; returns the files applied."""
    return sql_runner.apply_layers(con, (TRADE_LAYER, REGULATORY_LAYER))


def refresh_watch(con: duckdb.DuckDBPyConnection, cfg: Config, run_id: str,
                  as_of: date, *, trade: bool = True) -> dict[str, Any]:
    """The watch marts, the alerts and the digest; returns {"tables": {table: rows},
    "seconds": {step: seconds}, "alerts": {"raised": {rule: n}, "cleared": n, "open": n}}.

    Without `trade`, the trade marts (shares, competitors, demand, unit values, tariff
    margins) are kept as they are and only the regulatory marts, which depend on the date
    or on regulatory inputs, are recomputed. Reads the run's parameters (ops.run_parameters,
    ops.run_markets; `as_of` is there too).
    """
    from observatory.watch.alerts import evaluate_alerts
    from observatory.watch.digest import build_digest

    seconds: dict[str, float] = {}
    layers = (TRADE_LAYER, REGULATORY_LAYER) if trade else (REGULATORY_LAYER,)
    for path in [p for name in layers for p in plan.layer_files(name)]:
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
