-- Each priority market's import demand for the codes the watch follows (the annual rows of
-- mart.watch_market_shares): growth on the previous year and the trend over growth_window.
-- M_jk,t = market j's imports of code k in year t from all suppliers (current USD).
--   growth_pct      = 100 * (M_t / M_{t-1} - 1); null when M_{t-1} = 0, or when the two years'
--                     imports of the market come from different inputs or sources (a year
--                     of a market's own declarations against a year of reconciled flows
--                     would read coverage differences as demand moves)
--   trend_cagr_pct  = 100 * ((M_t / M_{t-n})^(1/n) - 1), n = growth_window; null when
--                     t - n < first_year (not enough years) or either value <= 0 (as the
--                     CAGRs of mart.product_competitiveness), or the inputs differ, as above
-- Levels as in 010 (a row's own level; reconciled HS6 rows also under hs4 = left(hs6, 4)
-- and sector = ref.hs_sectors.sector or 'other').
-- Parameters: ops.run_parameters (first_year, growth_window).
-- Sources: mart.watch_market_shares (M_t, M_{t-1}); M_{t-n} from the annual flows into the
-- markets concerned (staging.stg_watch_flows: the input chosen per market and year).
create or replace table mart.watch_demand as
with params as (
    select first_year, growth_window
    from ops.run_parameters
),

watched as (
    select market_iso3, level, code, cast(period as integer) as year,
           market_imports_usd as imports_usd, market_imports_prev_usd as imports_prev_usd,
           cast(period as integer) - p.growth_window as window_start_year
    from mart.watch_market_shares, params as p
    where period_kind = 'annual'
),

start_years as (
    select distinct w.window_start_year as year
    from watched as w, params as p
    where w.window_start_year >= p.first_year
),

markets as (
    select distinct market_iso3 from watched
),

-- Where each market's annual imports of a year and level come from (inputs and sources):
-- years compare only when they match.
year_origins as (
    select market_iso3, year, level,
           string_agg(distinct origin, ',' order by origin) as origins
    from (
        select f.market_iso3, cast(f.period as integer) as year,
               f.input || ':' || f.source as origin,
               unnest([
                   case f.hs_level when 8 then 'cn8' else 'hs' || f.hs_level end,
                   case when f.rolls_up then 'hs4' end,
                   case when f.rolls_up then 'sector' end
               ]) as level
        from staging.stg_watch_flows as f
        where f.period_kind = 'annual'
    )
    where level is not null
    group by all
),

-- The markets' imports in the window start years, under the three codes of each HS6.
start_levels as (
    select cast(f.period as integer) as year, f.market_iso3, f.value_usd,
           unnest([
               {'level': case f.hs_level when 8 then 'cn8' else 'hs' || f.hs_level end,
                'code': f.product_code},
               {'level': 'hs4', 'code': case when f.rolls_up then left(f.product_code, 4) end},
               {'level': 'sector', 'code': case when f.rolls_up then f.sector end}
           ], recursive := true)
    from staging.stg_watch_flows as f
    join markets as m on m.market_iso3 = f.market_iso3
    where f.period_kind = 'annual'
      and f.period in (select cast(year as varchar) from start_years)
),

start_values as (
    select l.year, l.market_iso3, l.level, l.code, sum(l.value_usd) as imports_usd
    from start_levels as l
    semi join watched as w
      on w.market_iso3 = l.market_iso3 and w.level = l.level and w.code = l.code
     and w.window_start_year = l.year
    group by all
),

final as (
    select
        w.market_iso3,
        w.level,
        w.code,
        w.year,
        w.imports_usd,
        w.imports_prev_usd,
        case when o.origins = op.origins
             then 100 * (w.imports_usd / nullif(w.imports_prev_usd, 0) - 1)
        end                                                         as growth_pct,
        case when w.window_start_year >= p.first_year and s.imports_usd > 0
                  and w.imports_usd > 0 and o.origins = os.origins
             then 100 * (power(w.imports_usd / s.imports_usd, 1.0 / p.growth_window) - 1)
        end                                                         as trend_cagr_pct
    from watched as w
    cross join params as p
    left join start_values as s
      on s.market_iso3 = w.market_iso3 and s.level = w.level and s.code = w.code
     and s.year = w.window_start_year
    left join year_origins as o
      on o.market_iso3 = w.market_iso3 and o.level = w.level and o.year = w.year
    left join year_origins as op
      on op.market_iso3 = w.market_iso3 and op.level = w.level and op.year = w.year - 1
    left join year_origins as os
      on os.market_iso3 = w.market_iso3 and os.level = w.level
     and os.year = w.window_start_year
)

select * from final
order by market_iso3, year, level, code;

