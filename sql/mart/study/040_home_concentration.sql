-- Concentration of the home country's exports, by year, over HS6 products (dimension
-- 'product') and over importing markets (dimension 'market'). s_i = X_hi / X_h, the share of
-- item i (an HS6 code or an importer) in the home country's exports that year; N = number of
-- items with X_hi > 0.
--   hhi               = sum_i s_i^2        (Hirschman 1945, Herfindahl 1950; WITS; B3.6)
--   normalized_hhi    = (hhi - 1/N) / (1 - 1/N), null when N <= 1 (UNCTAD)
--   equivalent_number = 1 / hhi            (Adelman 1969; ITC Trade Performance Index)
-- Inputs: the product dimension from the home country's world exports at HS6 of the input
-- [inputs] exporter_side chose for the year (staging.stg_exporter_world); the market
-- dimension from bilateral flows (reconciled, else the home country's own declarations by
-- partner, else mirror data), each row naming its input, source and vintage.
-- Parameters: ops.run_parameters (home_iso3, first_year, last_year).
-- Rows: every (year, dimension) in which the home country exports.
create or replace table mart.home_concentration as
with params as (
    select home_iso3, first_year, last_year from ops.run_parameters
),

home_products as (
    select w.year, w.product_code as hs6, w.value_usd, w.input, w.source, w.release
    from staging.stg_exporter_world as w, params as p
    where w.exporter_iso3 = p.home_iso3
      and w.year between p.first_year and p.last_year
      and w.hs_level = 6
),

-- By market: one bilateral input per year, the first present of reconciled flows, the
-- home country's own declarations, mirror data.
market_rows as (
    select f.year, f.importer_iso3, f.value_usd, f.reported_by as input, f.source, f.release
    from staging.stg_trade_flows_study as f, params as p
    where f.exporter_iso3 = p.home_iso3
      and f.year between p.first_year and p.last_year
      and f.hs_level = 6
      and f.freq = 'A'
),

market_input as (
    select year, input, source
    from market_rows
    group by year, input, source
    qualify row_number() over (
        partition by year
        order by case input when 'reconciled' then 1 when 'exporter' then 2 else 3 end,
                 count(*) desc, source) = 1
),

items as (
    select year, 'product' as dimension, hs6 as item, sum(value_usd) as exports_usd,
           any_value(input) as input, any_value(source) as source, max(release) as vintage
    from home_products
    group by year, hs6
    union all
    select m.year, 'market' as dimension, m.importer_iso3 as item,
           sum(m.value_usd) as exports_usd,
           case any_value(m.input) when 'exporter' then 'reported_flows'
                when 'importer' then 'mirror' else any_value(m.input) end as input,
           any_value(m.source) as source, max(m.release) as vintage
    from market_rows as m
    join market_input using (year, input, source)
    group by m.year, m.importer_iso3
),

shares as (
    select year, dimension, input, source, vintage,
           exports_usd / sum(exports_usd) over (partition by year, dimension) as share
    from items
    where exports_usd > 0
),

indices as (
    select year, dimension, count(*) as n_items, sum(share ** 2) as hhi,
           any_value(input) as input, any_value(source) as source, max(vintage) as vintage
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
        1 / hhi as equivalent_number,
        input,
        source,
        vintage
    from indices
)

select * from final
order by year, dimension
