-- The home country's position in each priority market, by year. Notation: X_hjk home exports
-- to market j of HS6 k, X_hj = sum_k X_hjk, X_hk home exports of k to the world,
-- X_h = sum_k X_hk, M_jk j's imports of k, M_j = sum_k M_jk (= world exports to j),
-- W = world exports.
--   home_share            = X_hj / M_j
--   trade_complementarity = 100 * (1 - sum_k |m_jk - x_hk| / 2), x_hk = X_hk / X_h,
--                           m_jk = M_jk / M_j, over HS6; 0 = no overlap, 100 = the home
--                           export basket matches the market's import basket
--                           (Michaely 1996, World Bank; WITS TRD-CMPLMNTRTY-NDX; B3.4).
--                           Computed without pairing every home product with every market:
--                           sum_k |m - x| = sum_{k imported by j} |m - x| + (1 - sum_{k imported
--                           by j} x), since home products j does not import add x_hk each.
--   trade_intensity       = (X_hj / X_h) / (M_j / W)   (Brown 1949, Kojima 1964; B3.5)
--   products_exported     = number of k with X_hjk > 0
--   export_hhi            = sum_k (X_hjk / X_hj)^2, null when X_hj = 0 (Hirschman 1945; B3.6)
-- Reads mart.product_competitiveness (010: X_hk, X_h, W at level 'hs6') and
-- mart.market_product_shares (020: M_jk, X_hjk of the priority markets), so it inherits their
-- parameters: ops.run_parameters (home_iso3, first_year, last_year) and ops.run_markets
-- (role 'priority'). Rows: every (year, priority market) with imports that year.
create or replace table mart.market_indicators as
with home_world as (
    select year, code as hs6, home_exports_usd / home_total_exports_usd as home_export_share
    from mart.product_competitiveness
    where level = 'hs6' and home_exports_usd > 0
),

world_totals as (
    select year, any_value(home_total_exports_usd) as home_total_exports_usd,
           any_value(world_total_exports_usd) as world_total_exports_usd
    from mart.product_competitiveness
    where level = 'hs6'
    group by year
),

market_products as (
    select
        s.year,
        s.market_iso3,
        s.hs6,
        s.market_imports_usd,
        s.home_exports_usd,
        s.market_imports_usd / sum(s.market_imports_usd) over (partition by s.year, s.market_iso3)
            as market_import_share,
        coalesce(hw.home_export_share, 0) as home_export_share
    from mart.market_product_shares as s
    left join home_world as hw using (year, hs6)
    where s.level = 'hs6'
),

by_market as (
    select
        year,
        market_iso3,
        sum(market_imports_usd)                                  as market_imports_usd,
        sum(home_exports_usd)                                    as home_exports_usd,
        sum(abs(market_import_share - home_export_share))        as gap_on_imported,
        sum(home_export_share)                                   as home_share_imported,
        count(*) filter (where home_exports_usd > 0)             as products_exported,
        sum(home_exports_usd ** 2)                               as home_exports_sq
    from market_products
    group by year, market_iso3
),

final as (
    select
        b.year,
        b.market_iso3,
        c.name_en                                                 as market_name_en,
        c.name_fr                                                 as market_name_fr,
        b.market_imports_usd,
        b.home_exports_usd,
        b.home_exports_usd / b.market_imports_usd                 as home_share,
        case when t.home_total_exports_usd > 0
             then 100 * (1 - (b.gap_on_imported + greatest(1 - b.home_share_imported, 0)) / 2)
        end                                                       as trade_complementarity,
        (b.home_exports_usd / nullif(t.home_total_exports_usd, 0))
            / (b.market_imports_usd / t.world_total_exports_usd)  as trade_intensity,
        b.products_exported,
        b.home_exports_sq / nullif(b.home_exports_usd ** 2, 0)    as export_hhi
    from by_market as b
    join world_totals as t using (year)
    left join ref.countries as c on c.iso3 = b.market_iso3
)

select * from final
order by year, market_iso3
