-- The watched competitors' positions in each (market, level, code, period) of
-- mart.watch_market_shares, beside the home country's, and who gains what the home country
-- loses. Notation as in 010: X_sjk = market j's imports of code k from supplier s.
--   share               = X_sjk / M_jk (M_jk: market_imports_usd of 010); share_prev likewise
--                         over the previous period; null when M_jk = 0
--   share_change_pts    = 100 * (share - share_prev)
--   rank                = 1 + number of j's suppliers of k with X > X_sjk in the period (1 =
--                         the largest; ties share a rank); null when s does not supply k
--   gains_while_home_loses = role 'competitor' and share_change_pts > 0 while the home
--                         country's share_change_pts < 0 for the same row of 010 (false when
--                         either change is unknown)
-- Rows: the home country, and every watched competitor that supplies k to j in the period
-- or the previous one. Competitors: ops.study_markets role 'competitor', except the market
-- itself and the home country.
-- Periods and flows exactly as in 010 (annual: reconciled HS6 flows; rolling12: the 12
-- months ending at the period against the 12 before, from the freq 'M' rows, with 010's
-- choice of one declaration and one product level per market).
-- Scale: suppliers are aggregated only for the (period, code) pairs of 010's rows.
-- Parameters: ops.run_parameters (home_iso3), ops.study_markets. Sources:
-- mart.watch_market_shares, staging.stg_trade_flows_study, ref.hs_sectors.
create or replace table mart.watch_competitors as
with params as (
    select home_iso3 from ops.run_parameters
),

watched as (
    select market_iso3, level, code, period_kind, period, previous_period,
           market_imports_usd, market_imports_prev_usd, share_change_pts as home_change_pts
    from mart.watch_market_shares
),

markets as (
    select distinct market_iso3 from watched
),

competitors as (
    select distinct m.iso3 as supplier_iso3
    from ops.study_markets as m, params as p
    where m.role = 'competitor' and m.iso3 <> p.home_iso3
),

annual_years as (
    select distinct try_cast(period as integer) as year from watched where period_kind = 'annual'
    union
    select distinct try_cast(previous_period as integer) from watched where period_kind = 'annual'
),

annual_values as (
    select 'annual' as period_kind, cast(f.year as varchar) as period,
           f.importer_iso3 as market_iso3, f.exporter_iso3, 6 as hs_level, f.product_code,
           f.value_usd
    from staging.stg_trade_flows_study as f
    join markets as m on m.market_iso3 = f.importer_iso3
    where f.hs_level = 6 and f.freq = 'A' and f.reported_by = 'reconciled'
      and f.year in (select year from annual_years)
),

-- The monthly rows 010 used: one declaration and one product level per market.
monthly_rows as (
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

monthly_used as (
    select r.*
    from monthly_rows as r
    join monthly_level as l using (market_iso3, reported_by, hs_level)
),

rolling_periods as (
    select distinct market_iso3, period, previous_period,
           cast(left(period, 4) as integer) * 12 + cast(right(period, 2) as integer) - 1
               as last_index
    from watched
    where period_kind = 'rolling12'
),

supplier_values as not materialized (
    select * from annual_values
    union all
    select 'rolling12' as period_kind,
           case when u.month_index > w.last_index - 12 then w.period
                else w.previous_period end as period,
           u.market_iso3, u.exporter_iso3, u.hs_level, u.product_code, u.value_usd
    from monthly_used as u
    join rolling_periods as w using (market_iso3)
    where u.month_index > w.last_index - 24
),

-- Each row under its three codes: hs6, hs4 and sector (HS4 data: hs4 only), as in 010.
level_rows as (
    select v.period_kind, v.period, v.market_iso3, v.exporter_iso3, v.value_usd,
           unnest([
               {'level': 'hs6', 'code': case when v.hs_level = 6 then v.product_code end},
               {'level': 'hs4', 'code': left(v.product_code, 4)},
               {'level': 'sector',
                'code': case when v.hs_level = 6 then coalesce(s.sector, 'other') end}
           ], recursive := true)
    from supplier_values as v
    left join ref.hs_sectors as s on s.hs6 = v.product_code
),

-- The (period, code) pairs the rows of 010 compare.
needed as (
    select period_kind, period, market_iso3, level, code from watched
    union
    select period_kind, previous_period, market_iso3, level, code from watched
),

level_values as materialized (
    select l.period_kind, l.period, l.market_iso3, l.level, l.code, l.exporter_iso3,
           sum(l.value_usd) as exports_usd
    from level_rows as l
    semi join needed as n using (period_kind, period, market_iso3, level, code)
    group by all
),

watched_values as (
    select v.*
    from level_values as v
    where v.exporter_iso3 = (select home_iso3 from params)
       or v.exporter_iso3 in (select supplier_iso3 from competitors)
),

-- rank = 1 + the number of suppliers selling more (ties share a rank).
ranked as (
    select w.period_kind, w.period, w.market_iso3, w.level, w.code, w.exporter_iso3,
           w.exports_usd,
           case when w.exports_usd > 0
                then 1 + count(*) filter (where v.exports_usd > w.exports_usd)
           end as supplier_rank
    from watched_values as w
    join level_values as v using (period_kind, period, market_iso3, level, code)
    group by w.period_kind, w.period, w.market_iso3, w.level, w.code, w.exporter_iso3,
             w.exports_usd
),

suppliers as (
    select w.market_iso3, w.level, w.code, w.period_kind, w.period, w.previous_period,
           p.home_iso3 as supplier_iso3, 'home' as role
    from watched as w, params as p
    union all
    select w.market_iso3, w.level, w.code, w.period_kind, w.period, w.previous_period,
           c.supplier_iso3, 'competitor' as role
    from watched as w
    cross join competitors as c
    where c.supplier_iso3 <> w.market_iso3
),

final as (
    select
        s.market_iso3,
        s.level,
        s.code,
        s.period_kind,
        s.period,
        s.supplier_iso3,
        s.role,
        coalesce(cur.exports_usd, 0)                                as exports_usd,
        coalesce(prev.exports_usd, 0)                               as exports_prev_usd,
        coalesce(cur.exports_usd, 0) / nullif(w.market_imports_usd, 0) as share,
        coalesce(prev.exports_usd, 0) / nullif(w.market_imports_prev_usd, 0) as share_prev,
        100 * (share - share_prev)                                  as share_change_pts,
        cur.supplier_rank                                           as rank,
        coalesce(s.role = 'competitor' and share_change_pts > 0 and w.home_change_pts < 0,
                 false)                                             as gains_while_home_loses
    from suppliers as s
    join watched as w
      on w.market_iso3 = s.market_iso3 and w.level = s.level and w.code = s.code
     and w.period_kind = s.period_kind and w.period = s.period
    left join ranked as cur
      on cur.period_kind = s.period_kind and cur.period = s.period
     and cur.market_iso3 = s.market_iso3 and cur.level = s.level and cur.code = s.code
     and cur.exporter_iso3 = s.supplier_iso3
    left join ranked as prev
      on prev.period_kind = s.period_kind and prev.period = s.previous_period
     and prev.market_iso3 = s.market_iso3 and prev.level = s.level and prev.code = s.code
     and prev.exporter_iso3 = s.supplier_iso3
    where s.role = 'home' or cur.exports_usd > 0 or prev.exports_usd > 0
)

select * from final
order by market_iso3, period_kind, period, level, code, role desc, exports_usd desc,
         supplier_iso3
