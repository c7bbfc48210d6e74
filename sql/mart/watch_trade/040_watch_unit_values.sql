-- Price positioning in each priority market j, by HS6, in the last study year: the unit
-- value of the home country's goods against each watched competitor's and the market's.
--   unit_value_usd_per_t = value_usd / quantity_t     (trade-intelligence.md B3.9)
--   relative_to_home     = UV_s / UV_home
--   relative_to_market   = UV_s / UV_market, UV_market = sum_s value / sum_s quantity over
--                          all of j's suppliers of the HS6 (ITC TPI G6 "relative unit value",
--                          with the market instead of the world as the reference)
-- Only flows whose quantity is known (quantity_t > 0) enter value_usd and quantity_t, so
-- every unit value divides a value by its own tons (BACI leaves some quantities empty).
-- Rows: (market, HS6) the home country exports to j in the last year with a known
-- quantity: one 'home' row, one 'competitor' row per watched competitor that supplies the
-- HS6 with a known quantity (ops.run_markets role 'competitor', except the market and the
-- home country), and one 'market' row whose supplier_iso3 is 'W00' (all suppliers, the
-- repository's code for "World" partners).
-- Parameters: ops.run_parameters (home_iso3, last_year); ops.run_markets.
-- Flows: reconciled annual HS6 rows of staging.stg_trade_flows_study (quantity in metric
-- tons), current USD.
create or replace table mart.watch_unit_values as
with params as (
    select home_iso3, last_year from ops.run_parameters
),

markets as (
    select distinct m.iso3 as market_iso3
    from ops.run_markets as m, params as p
    where m.role = 'priority' and m.iso3 <> p.home_iso3
),

competitors as (
    select distinct m.iso3 as supplier_iso3
    from ops.run_markets as m, params as p
    where m.role = 'competitor' and m.iso3 <> p.home_iso3
),

flows as (
    select f.importer_iso3 as market_iso3, f.product_code as hs6, f.exporter_iso3,
           sum(f.value_usd) as value_usd, sum(f.quantity_t) as quantity_t
    from staging.stg_trade_flows_study as f
    join markets as m on m.market_iso3 = f.importer_iso3
    cross join params as p
    where f.hs_level = 6 and f.freq = 'A' and f.reported_by = 'reconciled'
      and f.year = p.last_year and f.quantity_t > 0
    group by all
),

home as (
    select f.market_iso3, f.hs6, f.value_usd / f.quantity_t as home_uv
    from flows as f, params as p
    where f.exporter_iso3 = p.home_iso3
),

market_totals as (
    select f.market_iso3, f.hs6, sum(f.value_usd) as value_usd,
           sum(f.quantity_t) as quantity_t
    from flows as f
    semi join home as h using (market_iso3, hs6)
    group by all
),

supplier_rows as (
    select f.market_iso3, f.hs6, f.exporter_iso3 as supplier_iso3,
           case when f.exporter_iso3 = p.home_iso3 then 'home' else 'competitor' end as role,
           f.value_usd, f.quantity_t
    from flows as f
    cross join params as p
    semi join home as h using (market_iso3, hs6)
    where f.exporter_iso3 = p.home_iso3
       or (f.exporter_iso3 in (select supplier_iso3 from competitors)
           and f.exporter_iso3 <> f.market_iso3)
    union all
    select market_iso3, hs6, 'W00' as supplier_iso3, 'market' as role, value_usd, quantity_t
    from market_totals
),

final as (
    select
        r.market_iso3,
        r.hs6,
        p.last_year                                         as year,
        r.supplier_iso3,
        r.role,
        r.value_usd,
        r.quantity_t,
        r.value_usd / r.quantity_t                          as unit_value_usd_per_t,
        unit_value_usd_per_t / h.home_uv                    as relative_to_home,
        unit_value_usd_per_t / (m.value_usd / m.quantity_t) as relative_to_market
    from supplier_rows as r
    cross join params as p
    join home as h using (market_iso3, hs6)
    join market_totals as m using (market_iso3, hs6)
)

select * from final
order by market_iso3, hs6,
         case role when 'home' then 1 when 'market' then 2 else 3 end, supplier_iso3
