-- The home country h's position in each priority market j, by HS6, HS4 and sector, against
-- the previous period: its share of j's imports, its rank among j's suppliers, and how both
-- moved. Notation: X_sjk = j's imports of code k from supplier s in a period (current USD).
--   market_imports_usd  = M_jk = sum_s X_sjk
--   home_share          = X_hjk / M_jk               (trade-intelligence.md B3.8); null if M_jk = 0
--   share_change_pts    = 100 * (home_share - home_share_prev)
--   home_rank           = 1 + number of suppliers with X_sjk > X_hjk (ties share a rank);
--                         null when h does not supply k to j in the period
--   suppliers           = number of s with X_sjk > 0
--   mirror_flag         = mart.mirror_reconciliation.quality_flag for h -> j, k, year (hs6
--                         annual rows only; null when the pair was not compared)
-- Levels: 'hs6'; 'hs4' = left(hs6, 4); 'sector' = ref.hs_sectors.sector ('other' when the
-- HS6 is not in it).
-- Periods:
--   annual     period = year t, previous_period = t - 1, both study years with flows into
--              the priority markets. Flows: staging.stg_trade_flows_study, HS6, freq 'A',
--              reported_by 'reconciled' (BACI).
--   rolling12  period = 'YYYY-MM' of the market's last month with monthly data: the 12
--              months ending there against the 12 months before (previous_period = the
--              same month a year earlier). Flows: the freq 'M' rows of
--              staging.stg_trade_flows_study (core.trade_flows, in the study's HS revision).
--              One declaration per market: 'importer' (the market's own) if loaded, else
--              'reconciled', else 'exporter'; one product level per market: HS6 if loaded
--              (then hs6, hs4 and sector rows), else HS4 (hs4 rows only). A market gets
--              rolling12 rows only when its data cover all 24 months; no monthly data, no
--              rows.
-- Rows: every (market, level, code, period) where h exports k to j in the period or in the
-- previous one.
-- Scale: staging.stg_trade_flows_study is read once for the annual flows and once for the
-- monthly ones, filtered to the priority markets; the rows used (annual: all study years;
-- rolling12: the two windows, labelled with their period) go to the temp table
-- watch_flows, with each HS6's sector. Suppliers are aggregated only for the (period, code)
-- pairs the home country's codes need (its periods and a year either side), never all
-- exporters x all markets, into the temp table watch_level_values. Both temp tables live
-- for the connection (refresh_watch applies every file on one): 020 reads
-- watch_level_values and drops it, 030 reads watch_flows and drops it.
-- Parameters: ops.run_parameters (home_iso3, first_year, last_year); ops.study_markets
-- (role 'priority'; the home country is never its own market).
-- Sources: mart.mirror_reconciliation, ref.hs_nomenclature, ref.hs_sectors,
-- raw.baci_product_codes (labels of HS6 codes the nomenclature lacks).
-- The flows the trade marts use (010, 020, 030), one row per flow (annual) or flow-month
-- (rolling12), with the code's sector (HS6 rows) for the level rows.
create or replace temp table watch_flows as
with params as (
    select home_iso3, first_year, last_year from ops.run_parameters
),

markets as (
    select distinct m.iso3 as market_iso3
    from ops.study_markets as m, params as p
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
left join ref.hs_sectors as s on s.hs6 = v.product_code;

-- Every supplier's value for the (period, code) pairs the home country's codes need.
create or replace temp table watch_level_values as
with params as (
    select home_iso3 from ops.run_parameters
),

-- The home country's rows under their three codes: hs6, hs4 and sector (HS4 data: hs4
-- only).
level_rows as (
    select v.period_kind, v.period, v.market_iso3, v.exporter_iso3, v.value_usd,
           unnest([
               {'level': 'hs6', 'code': case when v.hs_level = 6 then v.product_code end},
               {'level': 'hs4', 'code': left(v.product_code, 4)},
               {'level': 'sector', 'code': v.sector}
           ], recursive := true)
    from watch_flows as v
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
select f.period_kind, f.period, f.market_iso3, 'hs6' as level, f.product_code as code,
       f.exporter_iso3, sum(f.value_usd) as value_usd
from watch_flows as f
semi join (select * from needed where level = 'hs6') as n
  on n.period_kind = f.period_kind and n.period = f.period
 and n.market_iso3 = f.market_iso3 and n.code = f.product_code
where f.hs_level = 6
group by all
union all
select f.period_kind, f.period, f.market_iso3, 'hs4' as level, left(f.product_code, 4) as code,
       f.exporter_iso3, sum(f.value_usd) as value_usd
from watch_flows as f
semi join (select * from needed where level = 'hs4') as n
  on n.period_kind = f.period_kind and n.period = f.period
 and n.market_iso3 = f.market_iso3 and n.code = left(f.product_code, 4)
group by all
union all
select f.period_kind, f.period, f.market_iso3, 'sector' as level, f.sector as code,
       f.exporter_iso3, sum(f.value_usd) as value_usd
from watch_flows as f
semi join (select * from needed where level = 'sector') as n
  on n.period_kind = f.period_kind and n.period = f.period
 and n.market_iso3 = f.market_iso3 and n.code = f.sector
group by all;

create or replace table mart.watch_market_shares as
with params as (
    select home_iso3 from ops.run_parameters
),

markets as (
    select distinct m.iso3 as market_iso3
    from ops.study_markets as m, params as p
    where m.role = 'priority' and m.iso3 <> p.home_iso3
),

annual_years as (
    select distinct cast(period as integer) as year
    from watch_flows
    where period_kind = 'annual'
),

annual_periods as (
    select m.market_iso3, 'annual' as period_kind, cast(y.year as varchar) as period,
           cast(y.year - 1 as varchar) as previous_period
    from annual_years as y
    cross join markets as m
    where y.year - 1 in (select year from annual_years)
),

-- Each market's rolling12 period: the later of its two windows' labels, against the earlier.
rolling_periods as (
    select market_iso3, 'rolling12' as period_kind, max(period) as period,
           min(period) as previous_period
    from watch_flows
    where period_kind = 'rolling12'
    group by market_iso3
),

level_values as (
    select * from watch_level_values
),

home_values as (
    select v.period_kind, v.period, v.market_iso3, v.level, v.code,
           v.value_usd as home_value_usd
    from level_values as v
    where v.exporter_iso3 = (select home_iso3 from params)
),

period_stats as (
    select
        v.period_kind, v.period, v.market_iso3, v.level, v.code,
        sum(v.value_usd)                                           as market_imports_usd,
        coalesce(h.home_value_usd, 0)                              as home_exports_usd,
        count(*) filter (where v.value_usd > 0)                    as suppliers,
        case when h.home_value_usd > 0
             then 1 + count(*) filter (where v.value_usd > h.home_value_usd)
        end                                                        as home_rank
    from level_values as v
    left join home_values as h using (period_kind, period, market_iso3, level, code)
    group by v.period_kind, v.period, v.market_iso3, v.level, v.code, h.home_value_usd
),

periods as (
    select market_iso3, period_kind, period, previous_period from annual_periods
    union all
    select market_iso3, period_kind, period, previous_period from rolling_periods
),

-- The rows of the mart: codes the home country supplies in the period or the one before.
watched as (
    select distinct p.market_iso3, p.period_kind, p.period, p.previous_period, s.level, s.code
    from periods as p
    join period_stats as s
      on s.market_iso3 = p.market_iso3 and s.period_kind = p.period_kind
     and s.period in (p.period, p.previous_period)
    where s.home_exports_usd > 0
),

hs_descriptions as (
    select 'hs' || level as level, hs_code as code, any_value(description) as description
    from ref.hs_nomenclature
    where level in (4, 6)
    group by level, hs_code
),

baci_descriptions as (
    select lpad(code, 6, '0') as code, any_value(description) as description
    from raw.baci_product_codes
    group by 1
),

sector_names as (
    select sector as code, any_value(sector_name_en) as description
    from ref.hs_sectors
    group by sector
),

final as (
    select
        w.market_iso3,
        w.level,
        w.code,
        case when w.level = 'sector' then coalesce(sn.description, 'Other industries')
             else coalesce(d.description, bd.description)
        end                                                        as description,
        w.period_kind,
        w.period,
        w.previous_period,
        coalesce(c.market_imports_usd, 0)                          as market_imports_usd,
        coalesce(pr.market_imports_usd, 0)                         as market_imports_prev_usd,
        coalesce(c.home_exports_usd, 0)                            as home_exports_usd,
        coalesce(pr.home_exports_usd, 0)                           as home_exports_prev_usd,
        coalesce(c.home_exports_usd, 0) / nullif(c.market_imports_usd, 0)
                                                                   as home_share,
        coalesce(pr.home_exports_usd, 0) / nullif(pr.market_imports_usd, 0)
                                                                   as home_share_prev,
        100 * (home_share - home_share_prev)                       as share_change_pts,
        c.home_rank,
        pr.home_rank                                               as home_rank_prev,
        coalesce(c.suppliers, 0)                                   as suppliers,
        mr.quality_flag                                            as mirror_flag
    from watched as w
    left join period_stats as c
      on c.period_kind = w.period_kind and c.period = w.period
     and c.market_iso3 = w.market_iso3 and c.level = w.level and c.code = w.code
    left join period_stats as pr
      on pr.period_kind = w.period_kind and pr.period = w.previous_period
     and pr.market_iso3 = w.market_iso3 and pr.level = w.level and pr.code = w.code
    left join hs_descriptions as d on d.level = w.level and d.code = w.code
    left join baci_descriptions as bd on w.level = 'hs6' and bd.code = w.code
    left join sector_names as sn on w.level = 'sector' and sn.code = w.code
    left join mart.mirror_reconciliation as mr
      on w.period_kind = 'annual' and w.level = 'hs6'
     and mr.partner_iso3 = w.market_iso3 and mr.hs6 = w.code
     and mr.year = try_cast(w.period as integer)
)

select * from final
order by market_iso3, period_kind, period, level, code
