-- The flows the watch's trade marts read (watch_trade/010, 020, 030), one row per flow and
-- period, labelled with the period kind and period, the input, source and vintage they come
-- from, the month the market's data run to, and whether the row also counts at the coarser
-- levels (rolls_up).
--   annual     the priority markets' imports of each study year from the input
--              [inputs] market_side chose (staging.stg_market_imports): reconciled HS6
--              flows (rolling up to HS4 and sector), or the market's own declarations at
--              the levels it reports (HS4, HS6, CN8; no roll-up: an extract of a few codes
--              is not a heading's total).
--   monthly    per market, one declaration ('importer', the market's own, if loaded, else
--              'reconciled', else 'exporter') and, inside it, one source (the one with most
--              rows); its last month L with data:
--                rolling12  the 12 months ending at L against the 12 before (needs all 24)
--                ytd        January to L's month of L's year against the same months a year
--                           earlier (needs them all)
--                month      L against the same month a year earlier (needs both)
--              labelled 'YYYY-MM' (L, or L a year earlier for the previous period). HS6
--              rows roll up to HS4 and sector unless the source reports HS4 rows itself
--              (monthly API fetches ask for every HS6 code); CN8 and HS4 rows count at their
--              own level only.
-- Views: stg_watch_periods (each market's monthly windows, with the declaration and
-- source chosen), stg_watch_flows (the flows of every period), stg_watch_world (the markets'
-- World rows of a declaring source in the same periods: the denominators when the partner
-- rows do not cover every partner).
-- Parameters: ops.run_parameters (home_iso3, first_year, last_year); ops.run_markets
-- (role 'priority'; the home country is never its own market).
create or replace view staging.stg_watch_periods as
with params as (
    select home_iso3 from ops.run_parameters
),

markets as (
    select distinct m.iso3 as market_iso3
    from ops.run_markets as m, params as p
    where m.role = 'priority' and m.iso3 <> p.home_iso3
),

-- The priority markets' monthly imports (one pass over the flows).
monthly_rows as materialized (
    select f.importer_iso3 as market_iso3, f.exporter_iso3, f.product_code, f.hs_level,
           f.reported_by, f.source, f.release, f.year * 12 + f.month - 1 as month_index,
           f.value_usd
    from staging.stg_trade_flows_study as f
    join markets as m on m.market_iso3 = f.importer_iso3
    where f.freq = 'M' and f.hs_level in (4, 6, 8) and f.month between 1 and 12
),

monthly_choice as (
    select market_iso3, reported_by, source
    from monthly_rows
    group by market_iso3, reported_by, source
    qualify row_number() over (
        partition by market_iso3
        order by case reported_by when 'importer' then 1 when 'reconciled' then 2 else 3 end,
                 count(*) desc, source) = 1
),

monthly_used as materialized (
    select r.*, max(r.month_index) over (partition by r.market_iso3) as last_index
    from monthly_rows as r
    join monthly_choice as c using (market_iso3, reported_by, source)
),

-- The months each market has data for.
market_months as (
    select market_iso3, any_value(last_index) as last_index,
           list(distinct month_index) as months
    from monthly_used
    group by market_iso3
),

-- Each market's monthly windows: kind, period label, the first and last month of the
-- current window and of the previous one; kept only when every month of both has data.
windows as (
    select market_iso3, kind, last_index, first_cur, first_cur + span - 1 as last_cur,
           first_cur - 12 as first_prev, first_cur + span - 13 as last_prev
    from (
        select market_iso3, 'rolling12' as kind, last_index, last_index - 11 as first_cur,
               12 as span, months
        from market_months
        union all
        select market_iso3, 'ytd', last_index, last_index - last_index % 12,
               last_index % 12 + 1, months
        from market_months
        union all
        select market_iso3, 'month', last_index, last_index, 1, months
        from market_months
    )
    where len(list_filter(months, lambda m: m between first_cur - 12 and first_cur + span - 1
                                             and (m >= first_cur or m <= first_cur + span - 13)))
          = 2 * span
),

monthly_periods as (
    select w.market_iso3, w.kind, w.first_cur, w.last_cur, w.first_prev, w.last_prev,
           c.reported_by, c.source,
           printf('%04d-%02d', last_cur // 12, last_cur % 12 + 1) as period,
           printf('%04d-%02d', last_prev // 12, last_prev % 12 + 1) as previous_period,
           printf('%04d-%02d', last_index // 12, last_index % 12 + 1) as data_through
    from windows as w
    join monthly_choice as c using (market_iso3)
)

select * from monthly_periods;

create or replace view staging.stg_watch_flows as
with params as (
    select home_iso3, first_year, last_year from ops.run_parameters
),

markets as (
    select distinct m.iso3 as market_iso3
    from ops.run_markets as m, params as p
    where m.role = 'priority' and m.iso3 <> p.home_iso3
),

annual_rows as (
    select 'annual' as period_kind, cast(i.year as varchar) as period, i.market_iso3,
           i.partner_iso3 as exporter_iso3, i.hs_level, i.product_code, i.value_usd,
           i.input, i.source, i.release, i.input = 'reconciled' as rolls_up,
           cast(max(i.year) over (partition by i.market_iso3) as varchar) as data_through
    from staging.stg_market_imports as i
    join markets as m using (market_iso3)
    cross join params as p
    where i.year between p.first_year and p.last_year
      and (i.hs_level in (4, 8) and i.input = 'declared' or i.hs_level = 6)
),

monthly_used as (
    select f.importer_iso3 as market_iso3, f.exporter_iso3, f.product_code, f.hs_level,
           f.reported_by, f.source, f.release, f.year * 12 + f.month - 1 as month_index,
           f.value_usd,
           bool_or(f.hs_level = 4) over (partition by f.importer_iso3) as has_hs4
    from staging.stg_trade_flows_study as f
    join (select distinct market_iso3, reported_by, source from staging.stg_watch_periods)
        as c
      on c.market_iso3 = f.importer_iso3 and c.reported_by = f.reported_by
     and c.source = f.source
    where f.freq = 'M' and f.hs_level in (4, 6, 8) and f.month between 1 and 12
),

monthly_labelled as (
    select w.kind as period_kind,
           case when u.month_index >= w.first_cur then w.period else w.previous_period end
               as period,
           u.market_iso3, u.exporter_iso3, u.hs_level, u.product_code, u.value_usd,
           case u.reported_by when 'importer' then 'declared'
                when 'exporter' then 'reported_flows' else u.reported_by end as input,
           u.source, u.release,
           u.hs_level = 6 and not u.has_hs4 as rolls_up,
           w.data_through
    from monthly_used as u
    join staging.stg_watch_periods as w using (market_iso3)
    where u.month_index between w.first_cur and w.last_cur
       or u.month_index between w.first_prev and w.last_prev
),

all_rows as (
    select * from annual_rows
    union all
    select * from monthly_labelled
)

select v.period_kind, v.period, v.market_iso3, v.exporter_iso3, v.hs_level, v.product_code,
       case when v.hs_level = 6 then coalesce(s.sector, 'other') end as sector, v.value_usd,
       v.input, v.source, v.release, v.rolls_up, v.data_through
from all_rows as v
left join ref.hs_sectors as s on v.hs_level = 6 and s.hs6 = v.product_code;

create or replace view staging.stg_watch_world as
with annual as (
    select 'annual' as period_kind, cast(t.year as varchar) as period, t.market_iso3,
           case t.hs_level when 8 then 'cn8' else 'hs' || t.hs_level end as level,
           t.product_code as code, t.market_imports_usd as value_usd, true as complete
    from staging.stg_market_totals as t
    where t.total_from = 'world_row'
      and t.market_iso3 in (select market_iso3 from staging.stg_watch_flows)
),

-- A window's World row counts only when every month of the window has one (a market's
-- missing month would otherwise shrink the denominator of a 12-month share); a window with
-- some months missing gives a null total (complete false): no share rather than a wrong one.
monthly_months as (
    select w.kind as period_kind,
           t.year * 12 + t.month - 1 >= w.first_cur as is_current,
           case when t.year * 12 + t.month - 1 >= w.first_cur then w.period
                else w.previous_period end as period,
           case when t.year * 12 + t.month - 1 >= w.first_cur then w.last_cur - w.first_cur + 1
                else w.last_prev - w.first_prev + 1 end as span,
           w.market_iso3,
           case t.hs_level when 8 then 'cn8' else 'hs' || t.hs_level end as level,
           t.product_code as code, t.year * 12 + t.month - 1 as month_index, t.value_usd
    from staging.stg_trade_totals_study as t
    join staging.stg_watch_periods as w
      on w.market_iso3 = t.reporter_iso3 and w.source = t.source
     and w.reported_by = 'importer'
    where t.flow = 'M' and t.freq = 'M' and t.hs_level in (4, 6, 8)
      and (t.year * 12 + t.month - 1 between w.first_cur and w.last_cur
           or t.year * 12 + t.month - 1 between w.first_prev and w.last_prev)
),

-- Every code a market's World rows name in a kind's windows, in each of its two windows.
monthly_codes as (
    select distinct period_kind, market_iso3, level, code from monthly_months
),

window_periods as (
    select kind as period_kind, market_iso3, period, last_cur - first_cur + 1 as span
    from staging.stg_watch_periods where reported_by = 'importer'
    union all
    select kind, market_iso3, previous_period, last_prev - first_prev + 1
    from staging.stg_watch_periods where reported_by = 'importer'
),

monthly as (
    select c.period_kind, p.period, c.market_iso3, c.level, c.code,
           case when count(distinct m.month_index) = p.span then sum(m.value_usd) end
               as value_usd,
           count(distinct m.month_index) = p.span as complete
    from monthly_codes as c
    join window_periods as p using (period_kind, market_iso3)
    left join monthly_months as m
      on m.period_kind = c.period_kind and m.market_iso3 = c.market_iso3
     and m.level = c.level and m.code = c.code and m.period = p.period
    group by c.period_kind, p.period, c.market_iso3, c.level, c.code, p.span
)

select * from annual
union all
select * from monthly
