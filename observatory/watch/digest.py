"""`mart.watch_digest`: what changed since the last published run, for the digest page.

Computed by the run that is about to publish, so "since the last publication" is what this
run brings. Sections (rank 1 = first shown):
    vintage        batches merged by this run and not yet published (source, release,
                   file), value = rows loaded
    notification   ePing notifications first seen in those batches (new ones and new
                   versions), with their notifying member; value = the home country's
                   exports at stake (mart.regulatory_exposure, all markets)
    alert_raised   alerts raised since the last publication (by this run, or by quiet
                   nights that re-evaluated the date-dependent alerts), by severity
                   (value = severity)
    alert_cleared  alerts cleared since the last publication
    move           the largest moves of the home country's exports in its priority markets
                   in the latest annual period (HS6 rows of mart.watch_market_shares,
                   ranked by the absolute change in exports), value = share change (points)
"""

from __future__ import annotations

import duckdb

MOVES = 10

DIGEST_SQL = """
create or replace table mart.watch_digest as
with params as (select $run_id as run_id),
previous as (
    select run_id as previous_run_id, published_at from ops.publications
    order by seq desc limit 1
),
since as (
    select coalesce((select published_at from previous), timestamp '1900-01-01') as t
),
fresh as (
    select * from ops.load_ledger where status = 'merged'
),
vintages as (
    select 'vintage' as section,
           row_number() over (order by source, release, file_name) as rank,
           null as market_iso3, release as code,
           source || ' ' || coalesce(release, '') || ': ' || file_name as title_en,
           source || ' ' || coalesce(release, '') || ' : ' || file_name as title_fr,
           rows_loaded::double as value, period as detail
    from fresh
),
notifications as (
    select 'notification' as section,
           row_number() over (order by n.distribution_date desc, n.symbol) as rank,
           n.notifying_iso3 as market_iso3, n.symbol as code,
           n.symbol || ': ' || coalesce(n.title, '') as title_en,
           n.symbol || ' : ' || coalesce(n.title, '') as title_fr,
           coalesce(stake.value_usd, 0) as value,
           n.area || case when n.version > 1 then ' (new version)' else '' end as detail
    from core.notifications as n
    left join (
        select notification_id, sum(home_exports_usd) as value_usd
        from mart.regulatory_exposure where source = 'eping' group by all
    ) as stake using (notification_id)
    where n.is_current and n.batch_id in (select batch_id from fresh)
),
raised as (
    select 'alert_raised' as section,
           row_number() over (order by rule, severity desc nulls last, alert_key) as rank,
           market_iso3, product_code as code, title_en, title_fr, severity as value,
           rule as detail
    from ops.alerts, since where raised_at > since.t
),
cleared as (
    select 'alert_cleared' as section,
           row_number() over (order by rule, alert_key) as rank,
           market_iso3, product_code as code, title_en, title_fr, severity as value,
           rule as detail
    from ops.alerts, since where cleared_at > since.t
),
latest as (
    select max(period) as period from mart.watch_market_shares where period_kind = 'annual'
),
moves as (
    select 'move' as section,
           row_number() over (order by abs(home_exports_usd - home_exports_prev_usd) desc,
                                       market_iso3, code) as rank,
           market_iso3, code,
           market_iso3 || ' ' || code || ': ' || coalesce(description, '') as title_en,
           market_iso3 || ' ' || code || ' : ' || coalesce(description, '') as title_fr,
           share_change_pts as value,
           previous_period || '-' || period as detail
    from mart.watch_market_shares join latest using (period)
    where period_kind = 'annual' and level = 'hs6'
    qualify rank <= $moves
),
items as (
    select * from vintages union all select * from notifications
    union all select * from raised union all select * from cleared
    union all select * from moves
)
select params.run_id, (select previous_run_id from previous) as previous_run_id, items.*
from items, params
order by section, rank
"""


def build_digest(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Rewrite mart.watch_digest for this run; returns its row count."""
    con.execute(DIGEST_SQL, {"run_id": run_id, "moves": MOVES})
    return int(con.execute("select count(*) from mart.watch_digest").fetchall()[0][0])
