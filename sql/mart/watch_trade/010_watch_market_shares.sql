-- The home country h's position in each priority market j, by HS6, HS4 and sector, against
-- the previous period: its share of j's imports, its rank among j's suppliers, and how both
-- moved. Notation: X_sjk = j's imports of code k from supplier s in a period (current USD).
--   market_imports_usd  = M_jk = the market's World row of the declaring source in the
--                         period when there is one (total_from 'world_row'), else sum_s X_sjk;
--                         0 with no share when its World rows miss a month of the window
--                         (total_from 'world_row_incomplete')
--   home_share          = X_hjk / M_jk               (trade-intelligence.md B3.8); null if M_jk = 0
--   share_change_pts    = 100 * (home_share - home_share_prev)
--   home_rank           = 1 + number of suppliers with X_sjk > X_hjk (ties share a rank);
--                         null when h does not supply k to j in the period
--   suppliers           = number of s with X_sjk > 0; null, like home_rank, when the
--                         suppliers do not cover M_jk (partners_complete false: a market's
--                         declaration of a few partners, its World row the total)
--   mirror_flag         = mart.mirror_reconciliation.quality_flag for h -> j, k, year (hs6
--                         annual rows only; null when the pair was not compared)
-- Levels: 'hs6', 'hs4', 'cn8' (a market's CN8 declarations) and 'sector'
-- (ref.hs_sectors.sector, 'other' when the HS6 is not in it); reconciled and complete
-- monthly HS6 rows also count under their HS4 and sector, declared rows at their own level
-- only (staging.stg_watch_flows).
-- Periods (staging.stg_watch_flows, staging.stg_watch_periods):
--   annual     period = year t, previous_period = t - 1, both study years; the market's
--              imports from the input [inputs] market_side chose (its declarations, else
--              reconciled flows).
--   rolling12  the 12 months ending at the market's last month with data ('YYYY-MM')
--              against the 12 before;
--   ytd        January to that month against the same months a year earlier;
--   month      that month against the same month a year earlier;
--              from one declaration and source per market (its own, else reconciled,
--              else the exporters'); a kind is there only when all its months are.
-- Every row names its input, source, vintage and the month (or year) the market's data
-- run to (data_through: what the page says, "données jusqu'à mars 2026").
-- Rows: every (market, level, code, period) where h exports k to j in the period or in the
-- previous one.
-- Flows: staging.stg_watch_flows (the priority markets' imports, by period) and
-- staging.stg_watch_level_values (every supplier's value for the pairs compared).
-- Parameters: ops.run_parameters (home_iso3, first_year, last_year); ops.run_markets
-- (role 'priority'; the home country is never its own market).
-- Sources: mart.mirror_reconciliation, ref.hs_nomenclature, ref.hs_sectors,
-- staging.stg_product_labels (labels of HS6 codes the nomenclature lacks).
create or replace table mart.watch_market_shares as
with params as (
    select home_iso3 from ops.run_parameters
),

markets as (
    select distinct m.iso3 as market_iso3
    from ops.run_markets as m, params as p
    where m.role = 'priority' and m.iso3 <> p.home_iso3
),

annual_years as (
    select distinct cast(period as integer) as year
    from staging.stg_watch_flows
    where period_kind = 'annual'
),

annual_periods as (
    select m.market_iso3, 'annual' as period_kind, cast(y.year as varchar) as period,
           cast(y.year - 1 as varchar) as previous_period
    from annual_years as y
    cross join markets as m
    where y.year - 1 in (select year from annual_years)
),

-- Each market's monthly periods (rolling12, ytd, month) against the year before.
monthly_periods as (
    select market_iso3, kind as period_kind, period, previous_period
    from staging.stg_watch_periods
),

-- Where each market's rows come from, per period kind, period and level (a row's own
-- level, and hs4 and sector for the HS6 rows that roll up).
provenance as (
    select f.period_kind, f.period, f.market_iso3, l.level, any_value(f.input) as input,
           any_value(f.source) as source, max(f.release) as vintage,
           max(f.data_through) as data_through
    from staging.stg_watch_flows as f
    cross join (values ('own'), ('hs4'), ('sector')) as k (kind)
    cross join lateral (
        select case when k.kind = 'own'
                    then case f.hs_level when 8 then 'cn8' else 'hs' || f.hs_level end
                    when f.rolls_up then k.kind end as level
    ) as l
    where l.level is not null
    group by f.period_kind, f.period, f.market_iso3, l.level
),

world as (
    select * from staging.stg_watch_world
),

level_values as (
    select * from staging.stg_watch_level_values
),

home_values as (
    select v.period_kind, v.period, v.market_iso3, v.level, v.code,
           v.value_usd as home_value_usd
    from level_values as v
    where v.exporter_iso3 = (select home_iso3 from params)
),

-- The market total: its World row when a declaring source gives one (the partner rows of
-- an extract may not cover every partner), else the sum of the suppliers. Ranks and
-- supplier counts only when the suppliers cover the total (>= 99.5 %).
period_sums as (
    select
        v.period_kind, v.period, v.market_iso3, v.level, v.code,
        sum(v.value_usd)                                           as suppliers_usd,
        coalesce(h.home_value_usd, 0)                              as home_exports_usd,
        count(*) filter (where v.value_usd > 0)                    as suppliers,
        case when h.home_value_usd > 0
             then 1 + count(*) filter (where v.value_usd > h.home_value_usd)
        end                                                        as home_rank
    from level_values as v
    left join home_values as h using (period_kind, period, market_iso3, level, code)
    group by v.period_kind, v.period, v.market_iso3, v.level, v.code, h.home_value_usd
),

period_stats as (
    select
        s.period_kind, s.period, s.market_iso3, s.level, s.code,
        case when w.complete is false then null
             else coalesce(w.value_usd, s.suppliers_usd) end       as market_imports_usd,
        s.home_exports_usd,
        coalesce(w.complete, true)
            and s.suppliers_usd >= 0.995 * coalesce(w.value_usd, s.suppliers_usd)
                                                                   as partners_complete,
        case when w.complete is false then 'world_row_incomplete'
             when w.value_usd is not null then 'world_row' else 'partners' end
                                                                   as total_from,
        case when coalesce(w.complete, true)
              and s.suppliers_usd >= 0.995 * coalesce(w.value_usd, s.suppliers_usd)
             then s.suppliers end                                  as suppliers,
        case when coalesce(w.complete, true)
              and s.suppliers_usd >= 0.995 * coalesce(w.value_usd, s.suppliers_usd)
             then s.home_rank end                                  as home_rank
    from period_sums as s
    left join world as w using (period_kind, period, market_iso3, level, code)
),

periods as (
    select market_iso3, period_kind, period, previous_period from annual_periods
    union all
    select market_iso3, period_kind, period, previous_period from monthly_periods
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
    select hs6 as code, description from staging.stg_product_labels
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
        case when c.market_iso3 is null then 0 else c.suppliers end as suppliers,
        mr.quality_flag                                            as mirror_flag,
        coalesce(c.partners_complete, true)                        as partners_complete,
        c.total_from,
        pv.input,
        pv.source,
        pv.vintage,
        pv.data_through
    from watched as w
    left join period_stats as c
      on c.period_kind = w.period_kind and c.period = w.period
     and c.market_iso3 = w.market_iso3 and c.level = w.level and c.code = w.code
    left join period_stats as pr
      on pr.period_kind = w.period_kind and pr.period = w.previous_period
     and pr.market_iso3 = w.market_iso3 and pr.level = w.level and pr.code = w.code
    left join provenance as pv
      on pv.period_kind = w.period_kind and pv.period = w.period
     and pv.market_iso3 = w.market_iso3 and pv.level = w.level
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
