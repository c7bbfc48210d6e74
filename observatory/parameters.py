"""The run's parameters, on their one path from the configuration to SQL.

The configuration is read once per run (`observatory.config.load_config`); the parameters
the SQL models, the study, the watch and the reports need reach them through one table,
`ops.run_parameters` (one row, `sql/ops/050_run_parameters.sql`), and the markets through
`ops.run_markets`, written here by column name. Test fixtures use the same writer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb

from observatory.config import Config

# The parameters a study version records (its fingerprint: a change of one of them is a new
# version of the study).
STUDY_PARAMETERS = ("home_iso3", "first_year", "last_year", "rca_threshold", "growth_window",
                    "cms_base_year", "cms_end_year", "horizon_years", "home_growth",
                    "world_growth", "demand_growth", "demand_growth_cap", "tariff_elasticity",
                    "actual_years", "exporter_inputs", "market_inputs", "min_world_reporters")
# The watch's thresholds ([watch]).
WATCH_PARAMETERS = ("min_value_usd", "share_drop_pts", "competitor_gain_pts",
                    "demand_contraction_pct", "watch_top_products", "deadline_days",
                    "rasff_spike_ratio", "rasff_spike_min", "min_value_ppm")


def run_parameters(cfg: Config, run_id: str, as_of: date, started_at: datetime
                   ) -> dict[str, Any]:
    """Every column of `ops.run_parameters`, from the configuration."""
    s, t, a, p, w = cfg.study, cfg.thresholds, cfg.analysis, cfg.potential, cfg.watch
    return {
        "run_id": run_id, "started_at": started_at, "as_of": as_of,
        "home_iso3": s.home, "first_year": s.first_year, "last_year": s.last_year,
        "hs_revision": s.hs_revision, "rca_threshold": t.rca,
        "mirror_band_low": t.mirror_band_low, "mirror_band_high": t.mirror_band_high,
        "growth_window": a.growth_window, "cms_base_year": a.cms_base_year,
        "cms_end_year": a.cms_end_year,
        "horizon_years": p.horizon_years, "home_growth": p.home_growth,
        "world_growth": p.world_growth, "demand_growth": p.demand_growth,
        "demand_growth_cap": p.demand_growth_cap, "tariff_elasticity": p.tariff_elasticity,
        "actual_years": p.actual_years,
        "min_value_usd": w.min_value_usd, "share_drop_pts": w.share_drop_pts,
        "competitor_gain_pts": w.competitor_gain_pts,
        "demand_contraction_pct": w.demand_contraction_pct,
        "watch_top_products": w.top_products, "deadline_days": w.deadline_days,
        "rasff_spike_ratio": w.rasff_spike_ratio, "rasff_spike_min": w.rasff_spike_min,
        "min_value_ppm": w.min_value_ppm,
        "exporter_inputs": ",".join(cfg.inputs.exporter_side),
        "market_inputs": ",".join(cfg.inputs.market_side),
        "min_world_reporters": cfg.inputs.min_world_reporters,
    }


def write_run_parameters(con: duckdb.DuckDBPyConnection, cfg: Config, run_id: str,
                         as_of: date, started_at: datetime) -> None:
    """Replace the single row of `ops.run_parameters` (by column name) and the rows of
    `ops.run_markets`."""
    values = run_parameters(cfg, run_id, as_of, started_at)
    columns = [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'ops' "
        "and table_name = 'run_parameters' order by ordinal_position").fetchall()]
    if set(columns) != set(values):
        missing, extra = set(columns) - set(values), set(values) - set(columns)
        raise RuntimeError(f"ops.run_parameters and observatory.parameters differ: "
                           f"columns without a value {sorted(missing)}, values without a "
                           f"column {sorted(extra)}")
    names = ", ".join(values)
    con.execute("delete from ops.run_parameters")
    con.execute(f"insert into ops.run_parameters ({names}) values "
                f"({', '.join('$' + k for k in values)})", values)
    con.execute("delete from ops.run_markets")
    rows = [(iso3, "priority") for iso3 in cfg.study.priority_markets]
    rows += [(iso3, "competitor") for iso3 in cfg.study.competitors]
    con.executemany("insert into ops.run_markets values (?, ?)", rows)


def read(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...] | None = None
         ) -> dict[str, Any]:
    """The run's parameters as written (all columns, or `columns`)."""
    wanted = ", ".join(columns) if columns else "*"
    cursor = con.execute(f"select {wanted} from ops.run_parameters")
    names = [d[0] for d in cursor.description or []]
    row = cursor.fetchone()
    return dict(zip(names, row, strict=True)) if row else {}
