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
-- or the previous one. Competitors: ops.run_markets role 'competitor', except the market
-- itself and the home country.
-- Periods and flows exactly as in 010 (annual: reconciled HS6 flows; rolling12: the 12
-- months ending at the period against the 12 before, from the freq 'M' rows, with 010's
-- choice of one declaration and one product level per market).
-- Scale: the suppliers' values are staging.stg_watch_level_values (every supplier's value
-- for each (period, code) pair the home country's codes need, a superset of the pairs of
-- 010's rows); ranks are counted, per pair a watched supplier sells in, over the list of
-- every supplier's value.
-- Parameters: ops.run_parameters (home_iso3), ops.run_markets. Sources:
-- mart.watch_market_shares, staging.stg_watch_level_values.
create or replace table mart.watch_competitors as
with params as (
    select home_iso3 from ops.run_parameters
),

watched as (
    select market_iso3, level, code, period_kind, period, previous_period,
           market_imports_usd, market_imports_prev_usd, share_change_pts as home_change_pts
    from mart.watch_market_shares
),

competitors as (
    select distinct m.iso3 as supplier_iso3
    from ops.run_markets as m, params as p
    where m.role = 'competitor' and m.iso3 <> p.home_iso3
),

-- Every supplier's value for 010's (period, code) pairs: a superset of the pairs of 010's
-- rows (and their previous periods), the only ones the final joins pick.
level_values as (
    select l.period_kind, l.period, l.market_iso3, l.level, l.code, l.exporter_iso3,
           l.value_usd as exports_usd
    from staging.stg_watch_level_values as l
),

watched_values as (
    select v.*
    from level_values as v
    where v.exporter_iso3 = (select home_iso3 from params)
       or v.exporter_iso3 in (select supplier_iso3 from competitors)
),

-- Every supplier's value of each (period, code) pair a watched supplier sells in.
pair_values as (
    select v.period_kind, v.period, v.market_iso3, v.level, v.code,
           list(v.exports_usd) as supplier_values
    from level_values as v
    semi join watched_values as w using (period_kind, period, market_iso3, level, code)
    group by all
),

-- rank = 1 + the number of suppliers selling more (ties share a rank).
ranked as materialized (
    select w.period_kind, w.period, w.market_iso3, w.level, w.code, w.exporter_iso3,
           w.exports_usd,
           case when w.exports_usd > 0
                then 1 + len(list_filter(p.supplier_values, lambda x: x > w.exports_usd))
           end as supplier_rank
    from watched_values as w
    join pair_values as p using (period_kind, period, market_iso3, level, code)
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
         supplier_iso3;

