-- Concentration of the home country's exports, by year, over HS6 products (dimension
-- 'product') and over importing markets (dimension 'market'). s_i = X_hi / X_h, the share of
-- item i (an HS6 code or an importer) in the home country's exports that year; N = number of
-- items with X_hi > 0.
--   hhi               = sum_i s_i^2        (Hirschman 1945, Herfindahl 1950; WITS; B3.6)
--   normalized_hhi    = (hhi - 1/N) / (1 - 1/N), null when N <= 1 (UNCTAD)
--   equivalent_number = 1 / hhi            (Adelman 1969; ITC Trade Performance Index)
-- Parameters: ops.run_parameters (home_iso3, first_year, last_year).
-- Rows: every (year, dimension) in which the home country exports.
create or replace table mart.home_concentration as
with params as (
    select home_iso3, first_year, last_year from ops.run_parameters
),

home_flows as (
    select f.year, f.importer_iso3, f.product_code as hs6, f.value_usd
    from staging.stg_trade_flows_study as f, params as p
    where f.exporter_iso3 = p.home_iso3
      and f.year between p.first_year and p.last_year
      and f.hs_level = 6
      and f.freq = 'A'
      and f.reported_by = 'reconciled'
),

items as (
    select year, 'product' as dimension, hs6 as item, sum(value_usd) as exports_usd
    from home_flows
    group by year, hs6
    union all
    select year, 'market' as dimension, importer_iso3 as item, sum(value_usd) as exports_usd
    from home_flows
    group by year, importer_iso3
),

shares as (
    select year, dimension,
           exports_usd / sum(exports_usd) over (partition by year, dimension) as share
    from items
    where exports_usd > 0
),

indices as (
    select year, dimension, count(*) as n_items, sum(share ** 2) as hhi
    from shares
    group by year, dimension
),

final as (
    select
        year,
        dimension,
        n_items,
        hhi,
        case when n_items > 1 then (hhi - 1 / n_items) / (1 - 1 / n_items) end
            as normalized_hhi,
        1 / hhi as equivalent_number
    from indices
)

select * from final
order by year, dimension
