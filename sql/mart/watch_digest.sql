-- mart.watch_digest: what changed since the last published run, for the digest page
-- (observatory/watch/digest.py says each section). Parameters: $run_id (the run about to
-- publish), $moves (how many of the largest moves to list).

-- name: digest
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
