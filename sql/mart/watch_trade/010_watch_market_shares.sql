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

-- Each market's rolling12 period: the later of its two windows' labels, against the earlier.
rolling_periods as (
    select market_iso3, 'rolling12' as period_kind, max(period) as period,
           min(period) as previous_period
    from staging.stg_watch_flows
    where period_kind = 'rolling12'
    group by market_iso3
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
