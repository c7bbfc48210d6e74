"""Study versions: each refresh whose results, parameters or input vintages differ from the
last version's is recorded as a new version, and `mart.study_changes` lists what changed
product by product since the previous version.

- `ops.study_versions`: one row per version (its run, parameters and the version before).
- `ops.study_vintages`: the input vintages of each version: BACI releases and Comtrade
  batches (source, release) with their years and rows, Comtrade publication dates where the
  API was used, tariff years per source.
- `mart.study_history`: the product-level results of every version (HS6, reference year).
- `mart.study_changes`: the current version against the one before it. A product appears
  once per change it went through:
    new_advantage / lost_advantage  RCA crossed thresholds.rca (up / down);
    new_export / dropped_export     home exports went from 0 to more / from more to 0;
    quadrant                        the product-positioning quadrant changed;
    rca                             |RCA change| >= RCA_STEP (and no threshold crossing);
    untapped                        untapped potential changed by >= UNTAPPED_STEP of the
                                    larger of the two values and >= UNTAPPED_MIN_USD.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

RCA_STEP = 0.5
UNTAPPED_STEP = 0.25
UNTAPPED_MIN_USD = 100_000.0

SNAPSHOT_COLUMNS = ["reference_year", "hs6", "description", "sector", "home_exports_usd",
                    "world_market_share", "rca", "quadrant", "untapped_usd",
                    "opportunity_rank"]
CHANGE_COLUMNS = ["hs6", "description", "sector", "previous_study_id", "study_id", "change",
                  "previous_value", "current_value", "detail"]


def record_version(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Record the current study as a new version if it differs from the last one, then
    rebuild mart.study_changes; returns {study_id, new_version, previous_id, changes}."""
    params = _parameters(con)
    vintages = _vintages(con)
    snapshot = _snapshot(con)
    fingerprint = _fingerprint(params, vintages, snapshot)
    last = con.execute(
        "select study_id, fingerprint from ops.study_versions "
        "order by refreshed_at desc, study_id desc limit 1").fetchall()
    new_version = not last or last[0][1] != fingerprint
    if new_version:
        study_id = run_id
        previous_id = last[0][0] if last else None
        con.execute("delete from ops.study_versions where study_id = ?", [study_id])
        con.execute("delete from ops.study_vintages where study_id = ?", [study_id])
        con.execute("delete from mart.study_history where study_id = ?", [study_id])
        con.execute(
            "insert into ops.study_versions values (?, ?, ?, ?, ?, ?)",
            [study_id, run_id, datetime.now(UTC).replace(tzinfo=None), fingerprint,
             json.dumps(params, sort_keys=True, default=str), previous_id])
        if vintages:
            con.executemany("insert into ops.study_vintages values (?, ?, ?, ?, ?)",
                            [(study_id, *v) for v in vintages])
        frame = snapshot.assign(study_id=study_id)[["study_id", *SNAPSHOT_COLUMNS]]
        con.register("_snapshot", frame)
        try:
            con.execute("insert into mart.study_history by name select * from _snapshot")
        finally:
            con.unregister("_snapshot")
    else:
        study_id = last[0][0]
        previous_id = con.execute(
            "select previous_id from ops.study_versions where study_id = ?",
            [study_id]).fetchall()[0][0]
    changes = _changes(con, previous_id, study_id)
    con.register("_changes", changes)
    try:
        con.execute("create or replace table mart.study_changes as select * from _changes")
    finally:
        con.unregister("_changes")
    return {"study_id": study_id, "new_version": new_version, "previous_id": previous_id,
            "changes": len(changes)}


def _parameters(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The parameters a study version records (`observatory.parameters.STUDY_PARAMETERS`)
    and its markets."""
    from observatory.parameters import STUDY_PARAMETERS, read

    params = read(con, STUDY_PARAMETERS)
    params["markets"] = [list(r) for r in con.execute(
        "select role, iso3 from ops.run_markets order by role, iso3").fetchall()]
    return params


def _vintages(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, int]]:
    rows: list[tuple[str, str, str, int]] = []
    for source, release, first, last, n in con.execute(
            "select source, release, min(year), max(year), count(*) from core.trade_flows "
            "group by source, release order by source, release").fetchall():
        rows.append((source, str(release), f"trade flows {first}-{last}", int(n)))
    for source, year, importers, n in con.execute(
            "select source, year, count(distinct importer_iso3), count(*) from core.tariffs "
            "group by source, year order by source, year").fetchall():
        rows.append((f"{source} tariffs", str(year), f"{importers} importers", int(n)))
    has_availability = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'ops' and table_name = 'comtrade_availability'").fetchall()[0][0]
    if has_availability:
        for date, periods in con.execute(
                "select max(publication_date), count(*) from ops.comtrade_availability "
                "where publication_date is not null").fetchall():
            if periods:
                rows.append(("comtrade publication", str(date),
                             f"latest of {periods} reporter-periods", int(periods)))
    return rows


def _snapshot(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = con.execute(
        """
        with params as (select last_year from ops.run_parameters),
        competitiveness as (
            select c.year as reference_year, c.code as hs6, c.description, c.sector,
                   c.home_exports_usd, c.world_market_share, c.rca, c.quadrant
            from mart.product_competitiveness as c, params as p
            where c.level = 'hs6' and c.year = p.last_year
              and (c.home_exports_usd > 0 or c.rca is not null)
        ),
        untapped as (
            select hs6, sum(untapped_usd) as untapped_usd
            from mart.export_potential group by hs6
        ),
        opportunities as (
            select hs6, opportunity_rank from mart.diversification_opportunities
        )
        select c.reference_year, c.hs6, c.description, c.sector, c.home_exports_usd,
               c.world_market_share, c.rca, c.quadrant, u.untapped_usd,
               o.opportunity_rank::integer as opportunity_rank
        from competitiveness as c
        left join untapped as u using (hs6)
        left join opportunities as o using (hs6)
        order by c.hs6
        """
    ).df()
    return frame[SNAPSHOT_COLUMNS]


def _fingerprint(params: dict[str, Any], vintages: list[tuple[str, str, str, int]],
                 snapshot: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(params, sort_keys=True, default=str).encode())
    digest.update(json.dumps(vintages, default=str).encode())
    digest.update(pd.util.hash_pandas_object(snapshot.round(12), index=False).values.tobytes())
    return digest.hexdigest()


def _changes(con: duckdb.DuckDBPyConnection, previous_id: str | None,
             study_id: str) -> pd.DataFrame:
    if previous_id is None:
        return pd.DataFrame({c: pd.Series(dtype="object" if c in ("previous_value",
                                                                      "current_value")
                                          else "string") for c in CHANGE_COLUMNS}).astype(
            {"previous_value": "float64", "current_value": "float64"})
    return con.execute(
        """
        with threshold as (select rca_threshold as t from ops.run_parameters),
        pairs as (
            select coalesce(c.hs6, p.hs6) as hs6,
                   coalesce(c.description, p.description) as description,
                   coalesce(c.sector, p.sector) as sector,
                   coalesce(p.rca, 0) as rca0, coalesce(c.rca, 0) as rca1,
                   coalesce(p.home_exports_usd, 0) as x0, coalesce(c.home_exports_usd, 0) as x1,
                   p.quadrant as q0, c.quadrant as q1,
                   coalesce(p.untapped_usd, 0) as u0, coalesce(c.untapped_usd, 0) as u1
            from (select * from mart.study_history where study_id = $previous) as p
            full join (select * from mart.study_history where study_id = $current) as c
                using (hs6)
        ),
        changes as (
            select hs6, description, sector, 'new_advantage' as change, rca0 as previous_value,
                   rca1 as current_value, 'RCA crossed the threshold upwards' as detail
            from pairs, threshold where rca0 < t and rca1 >= t
            union all
            select hs6, description, sector, 'lost_advantage', rca0, rca1,
                   'RCA fell below the threshold'
            from pairs, threshold where rca0 >= t and rca1 < t
            union all
            select hs6, description, sector, 'new_export', x0, x1, 'home exports started'
            from pairs where x0 = 0 and x1 > 0
            union all
            select hs6, description, sector, 'dropped_export', x0, x1, 'home exports stopped'
            from pairs where x0 > 0 and x1 = 0
            union all
            select hs6, description, sector, 'quadrant', null, null,
                   coalesce(q0, '-') || ' -> ' || coalesce(q1, '-')
            from pairs where q0 is distinct from q1
            union all
            select hs6, description, sector, 'rca', rca0, rca1, 'RCA moved by at least '
                   || $rca_step::varchar
            from pairs, threshold
            where abs(rca1 - rca0) >= $rca_step and (rca0 >= t) = (rca1 >= t)
            union all
            select hs6, description, sector, 'untapped', u0, u1,
                   'untapped potential changed'
            from pairs
            where abs(u1 - u0) >= $untapped_step * greatest(u0, u1)
              and abs(u1 - u0) >= $untapped_min
        )
        select hs6, description, sector, $previous as previous_study_id,
               $current as study_id, change, previous_value, current_value, detail
        from changes
        order by hs6, change
        """,
        {"previous": previous_id, "current": study_id, "rca_step": RCA_STEP,
         "untapped_step": UNTAPPED_STEP, "untapped_min": UNTAPPED_MIN_USD},
    ).df()
