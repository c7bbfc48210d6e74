-- The flows the watch's trade marts read (watch_trade/010, 020, 030), one row per flow
-- (annual) or flow-month (rolling12), with the code's sector (HS6 rows): the priority
-- markets' imports from staging.stg_trade_flows_study, annual (HS6, reconciled, study years)
-- and monthly (one declaration and one product level per market; the 24 months ending at
-- its last month when all have data: the rolling12 period and the one before), labelled
-- with their period. The periods are those of mart.watch_market_shares (its header says
-- how they are chosen). Parameters: ops.run_parameters (home_iso3, first_year, last_year);
-- ops.run_markets (role 'priority'; the home country is never its own market).
create or replace view staging.stg_watch_flows as
with params as (
    select home_iso3, first_year, last_year from ops.run_parameters
),

markets as (
    select distinct m.iso3 as market_iso3
    from ops.run_markets as m, params as p
    where m.role = 'priority' and m.iso3 <> p.home_iso3
),

-- The priority markets' annual imports (one pass over the flows).
annual_values as (
    select f.year, f.importer_iso3 as market_iso3, f.exporter_iso3, f.product_code,
           f.value_usd
    from staging.stg_trade_flows_study as f
    join markets as m on m.market_iso3 = f.importer_iso3
    where f.hs_level = 6 and f.freq = 'A' and f.reported_by = 'reconciled'
      and f.year between (select first_year from params) and (select last_year from params)
),

-- Their monthly imports (one pass over the flows).
monthly_rows as materialized (
    select f.importer_iso3 as market_iso3, f.exporter_iso3, f.product_code, f.hs_level,
           f.reported_by, f.year * 12 + f.month - 1 as month_index, f.value_usd
    from staging.stg_trade_flows_study as f
    join markets as m on m.market_iso3 = f.importer_iso3
    where f.freq = 'M' and f.hs_level in (4, 6) and f.month between 1 and 12
),

monthly_declaration as (
    select market_iso3,
           arg_min(reported_by, case reported_by when 'importer' then 1
                                                 when 'reconciled' then 2 else 3 end)
               as reported_by
    from monthly_rows
    group by market_iso3
),

monthly_level as (
    select r.market_iso3, r.reported_by, max(r.hs_level) as hs_level
    from monthly_rows as r
    join monthly_declaration as d using (market_iso3, reported_by)
    group by all
),

monthly_used as materialized (
    select r.*
    from monthly_rows as r
    join monthly_level as l using (market_iso3, reported_by, hs_level)
),

-- The market's last month, kept only when the 24 months ending there all have data.
monthly_windows as (
    select u.market_iso3, any_value(e.last_index) as last_index
    from monthly_used as u
    join (select market_iso3, max(month_index) as last_index
          from monthly_used group by market_iso3) as e using (market_iso3)
    where u.month_index > e.last_index - 24
    group by u.market_iso3
    having count(distinct u.month_index) = 24
),

rolling_periods as (
    select market_iso3,
           printf('%04d-%02d', last_index // 12, last_index % 12 + 1) as period,
           printf('%04d-%02d', (last_index - 12) // 12, (last_index - 12) % 12 + 1)
               as previous_period,
           last_index
    from monthly_windows
),

-- Every supplier's value by period, HS level of the data and code.
supplier_values as (
    select 'annual' as period_kind, cast(year as varchar) as period, market_iso3,
           exporter_iso3, 6 as hs_level, product_code, value_usd
    from annual_values
    union all
    select 'rolling12' as period_kind,
           case when u.month_index > w.last_index - 12 then w.period
                else w.previous_period end as period,
           u.market_iso3, u.exporter_iso3, u.hs_level, u.product_code, u.value_usd
    from monthly_used as u
    join rolling_periods as w using (market_iso3)
    where u.month_index > w.last_index - 24
)

select v.period_kind, v.period, v.market_iso3, v.exporter_iso3, v.hs_level, v.product_code,
       case when v.hs_level = 6 then coalesce(s.sector, 'other') end as sector, v.value_usd
from supplier_values as v
left join ref.hs_sectors as s on s.hs6 = v.product_code
