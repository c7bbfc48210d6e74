-- The home country's Balassa RCA and world market share by HS6 and year.
--   RCA_k = (X_hk / X_h) / (W_k / W)     (Balassa 1965)
--   world market share_k = X_hk / W_k
-- X_hk: home exports of k; X_h: home exports of all products; W_k: world exports of k;
-- W: world exports. Values in current USD, in the study's HS revision, from the input
-- [inputs] exporter_side chose for the year at HS6 (staging.stg_exporter_world: reconciled
-- flows, reporters' World rows, exporters' declarations or mirror data), named by each row's
-- input, source and vintage.
create or replace table mart.home_rca_hs6 as
with params as (
    select home_iso3, first_year, last_year, hs_revision from ops.run_parameters
),

flows as (
    select w.year, w.exporter_iso3, w.product_code as hs6, w.value_usd, w.input, w.source,
           w.release
    from staging.stg_exporter_world as w, params as p
    where w.year between p.first_year and p.last_year
      and w.hs_level = 6
),

world_product as (
    select year, hs6, sum(value_usd) as world_exports_usd, any_value(input) as input,
           any_value(source) as source, max(release) as vintage
    from flows
    group by year, hs6
),

world_total as (
    select year, sum(value_usd) as world_total_exports_usd
    from flows
    group by year
),

home_product as (
    select f.year, f.hs6, sum(f.value_usd) as home_exports_usd
    from flows as f, params as p
    where f.exporter_iso3 = p.home_iso3
    group by f.year, f.hs6
),

home_total as (
    select year, sum(home_exports_usd) as home_total_exports_usd
    from home_product
    group by year
),

final as (
    select
        w.year,
        w.hs6,
        pl.description               as description,
        coalesce(s.sector, 'other')                           as sector,
        coalesce(s.sector_name_fr, 'Autres industries')       as sector_name_fr,
        coalesce(s.sector_name_en, 'Other industries')        as sector_name_en,
        coalesce(h.home_exports_usd, 0)                       as home_exports_usd,
        w.world_exports_usd,
        ht.home_total_exports_usd,
        wt.world_total_exports_usd,
        (coalesce(h.home_exports_usd, 0) / nullif(ht.home_total_exports_usd, 0))
            / nullif(w.world_exports_usd / nullif(wt.world_total_exports_usd, 0), 0)
                                                              as rca,
        coalesce(h.home_exports_usd, 0) / nullif(w.world_exports_usd, 0)
                                                              as world_market_share,
        w.input,
        w.source,
        w.vintage
    from world_product as w
    join world_total as wt using (year)
    left join home_product as h using (year, hs6)
    left join home_total as ht using (year)
    left join staging.stg_product_labels as pl using (hs6)
    left join ref.hs_sectors as s using (hs6)
)

select * from final
order by year, hs6
