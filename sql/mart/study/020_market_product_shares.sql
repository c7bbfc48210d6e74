-- The home country's share of each priority market's imports, by HS6 and year, with its rank
-- among the market's suppliers and the market's largest supplier.
--   market_imports_usd  = M_jk = sum over suppliers s of X_sjk (BACI: reconciled flows, so the
--                         importer's and the exporters' views are one value)
--   home_share          = X_hjk / M_jk                (market share, trade-intelligence.md B3.8)
--   home_rank           = 1 + number of suppliers with X_sjk > X_hjk (ties share a rank);
--                         null when the home country does not supply k to j
--   suppliers           = number of exporters s with X_sjk > 0
--   top_supplier_iso3   = the s with the largest X_sjk (ties: first ISO3 code alphabetically)
--   top_supplier_share  = max_s X_sjk / M_jk
-- Parameters: ops.run_parameters (home_iso3, first_year, last_year); ops.run_markets
-- (role 'priority'; the home country is never its own market).
-- Rows: every (year, priority market, HS6) the market imports (M_jk > 0).
create or replace table mart.market_product_shares as
with params as (
    select home_iso3, first_year, last_year from ops.run_parameters
),

markets as (
    select distinct m.iso3 as market_iso3
    from ops.run_markets as m, params as p
    where m.role = 'priority' and m.iso3 <> p.home_iso3
),

flows as (
    select f.year, f.importer_iso3 as market_iso3, f.exporter_iso3, f.product_code as hs6,
           f.value_usd
    from staging.stg_trade_flows_study as f
    join markets as m on m.market_iso3 = f.importer_iso3
    cross join params as p
    where f.year between p.first_year and p.last_year
      and f.hs_level = 6
      and f.freq = 'A'
      and f.reported_by = 'reconciled'
),

-- One row per supplier (the HS revision conversion may split two codes into one).
suppliers as (
    select year, market_iso3, hs6, exporter_iso3, sum(value_usd) as exports_usd
    from flows
    group by year, market_iso3, hs6, exporter_iso3
    having sum(value_usd) > 0
),

home as (
    select s.year, s.market_iso3, s.hs6, s.exports_usd as home_exports_usd
    from suppliers as s, params as p
    where s.exporter_iso3 = p.home_iso3
),

final as (
    select
        s.year,
        s.market_iso3,
        s.hs6,
        sum(s.exports_usd)                                        as market_imports_usd,
        coalesce(h.home_exports_usd, 0)                           as home_exports_usd,
        coalesce(h.home_exports_usd, 0) / sum(s.exports_usd)      as home_share,
        case when h.home_exports_usd > 0
             then 1 + count(*) filter (where s.exports_usd > h.home_exports_usd)
        end                                                       as home_rank,
        count(*)                                                  as suppliers,
        first(s.exporter_iso3 order by s.exports_usd desc, s.exporter_iso3)
                                                                  as top_supplier_iso3,
        max(s.exports_usd) / sum(s.exports_usd)                   as top_supplier_share
    from suppliers as s
    left join home as h using (year, market_iso3, hs6)
    group by s.year, s.market_iso3, s.hs6, h.home_exports_usd
)

select * from final
order by year, market_iso3, hs6
