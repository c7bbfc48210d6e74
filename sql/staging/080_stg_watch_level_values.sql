-- Every supplier's value for the (period, market, level, code) the watch compares: the
-- periods the home country supplies a code in, and a year either side. Suppliers are
-- aggregated only for those pairs, never all exporters x all markets. Levels: a row's own
-- ('hs6', 'hs4', 'cn8'), and for HS6 rows that roll up (staging.stg_watch_flows.rolls_up)
-- 'hs4' = left(hs6, 4) and 'sector' (ref.hs_sectors; 'other'). Read by watch_trade/010 and
-- 020.
create or replace view staging.stg_watch_level_values as
with params as (
    select home_iso3 from ops.run_parameters
),

-- the flows, read once for the four uses below
flows as materialized (
    select * from staging.stg_watch_flows
),

-- The home country's rows under their codes: their own level's, and for HS6 rows that
-- roll up, hs4 and sector.
level_rows as (
    select v.period_kind, v.period, v.market_iso3, v.exporter_iso3, v.value_usd,
           unnest([
               {'level': case v.hs_level when 8 then 'cn8' else 'hs' || v.hs_level end,
                'code': v.product_code},
               {'level': 'hs4', 'code': case when v.rolls_up then left(v.product_code, 4) end},
               {'level': 'sector', 'code': case when v.rolls_up then v.sector end}
           ], recursive := true)
    from flows as v
    where v.exporter_iso3 = (select home_iso3 from params) and v.value_usd > 0
),

home_codes as (
    select distinct l.period_kind, l.period, l.market_iso3, l.level, l.code
    from level_rows as l
    where l.code is not null
),

-- The (period, code) pairs a row compares: the periods the home country supplies the code
-- in, and the periods a year before and after them ('YYYY' or 'YYYY-MM' shifted by one
-- year). Only these are aggregated over all suppliers.
needed as materialized (
    select distinct period_kind,
           cast(cast(left(period, 4) as integer) + shift as varchar) || substr(period, 5)
               as period,
           market_iso3, level, code
    from home_codes, (values (-1), (0), (1)) as shifts(shift)
)

-- One aggregation per level (the level rows' codes, without unnesting every flow).
select f.period_kind, f.period, f.market_iso3,
       case f.hs_level when 8 then 'cn8' else 'hs' || f.hs_level end as level,
       f.product_code as code, f.exporter_iso3, sum(f.value_usd) as value_usd
from flows as f
semi join needed as n
  on n.period_kind = f.period_kind and n.period = f.period
 and n.market_iso3 = f.market_iso3 and n.code = f.product_code
 and n.level = case f.hs_level when 8 then 'cn8' else 'hs' || f.hs_level end
group by all
union all
select f.period_kind, f.period, f.market_iso3, 'hs4' as level, left(f.product_code, 4) as code,
       f.exporter_iso3, sum(f.value_usd) as value_usd
from flows as f
semi join (select * from needed where level = 'hs4') as n
  on n.period_kind = f.period_kind and n.period = f.period
 and n.market_iso3 = f.market_iso3 and n.code = left(f.product_code, 4)
where f.rolls_up
group by all
union all
select f.period_kind, f.period, f.market_iso3, 'sector' as level, f.sector as code,
       f.exporter_iso3, sum(f.value_usd) as value_usd
from flows as f
semi join (select * from needed where level = 'sector') as n
  on n.period_kind = f.period_kind and n.period = f.period
 and n.market_iso3 = f.market_iso3 and n.code = f.sector
where f.rolls_up
group by all
