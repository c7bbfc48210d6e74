-- The home country's share of each priority market's imports, by product (HS6, HS4, HS2;
-- CN8 when a market declares at that level) and year, with its rank among the market's
-- suppliers and the market's largest supplier.
--   market_imports_usd  = M_jk: the market's World row of the chosen declaration when it has
--                         one, else the sum of its partner rows (staging.stg_market_totals)
--   home_exports_usd    = X_hjk: the home country's row among the partners (0 when absent)
--   home_share          = X_hjk / M_jk                (market share, trade-intelligence.md B3.8)
--   partners_complete   = whether the partner rows cover the market total (sum of partners
--                         >= 99.5 % of M_jk): a declaration of a few partners (a Comtrade
--                         extract of Morocco and the World) gives a share, not a ranking
--   home_rank           = 1 + number of suppliers with X_sjk > X_hjk (ties share a rank);
--                         null when the home country does not supply k to j or the partners
--                         are incomplete
--   suppliers           = number of partners with X_sjk > 0 (null when incomplete)
--   top_supplier_iso3   = the s with the largest X_sjk (ties: first ISO3 code alphabetically;
--                         null when incomplete)
--   top_supplier_share  = max_s X_sjk / M_jk
-- Inputs: per (market, year, level) the input [inputs] market_side chose
-- (staging.stg_market_choice: the market's declared imports, else reconciled flows); every
-- row names its input, source, vintage (release) and where its total comes from
-- (total_from 'world_row' | 'partners').
-- Columns hs6 (the code when level is 'hs6', else null) and hs_level/level/code.
-- Parameters: ops.run_parameters (home_iso3, first_year, last_year); ops.run_markets
-- (role 'priority'; the home country is never its own market).
-- Rows: every (year, priority market, level, code) the market imports (M_jk > 0).
create or replace table mart.market_product_shares as
with params as (
    select home_iso3, first_year, last_year from ops.run_parameters
),

markets as (
    select distinct m.iso3 as market_iso3
    from ops.run_markets as m, params as p
    where m.role = 'priority' and m.iso3 <> p.home_iso3
),

-- One row per supplier (the HS revision conversion may split two codes into one).
suppliers as (
    select i.year, i.market_iso3, i.hs_level, i.product_code, i.partner_iso3 as exporter_iso3,
           sum(i.value_usd) as exports_usd
    from staging.stg_market_imports as i
    join markets as m using (market_iso3)
    cross join params as p
    where i.year between p.first_year and p.last_year
    group by all
    having sum(i.value_usd) > 0
),

totals as (
    select t.*
    from staging.stg_market_totals as t
    join markets as m using (market_iso3)
    cross join params as p
    where t.year between p.first_year and p.last_year and t.market_imports_usd > 0
),

home as (
    select s.year, s.market_iso3, s.hs_level, s.product_code,
           s.exports_usd as home_exports_usd
    from suppliers as s, params as p
    where s.exporter_iso3 = p.home_iso3
),

by_code as (
    select
        s.year, s.market_iso3, s.hs_level, s.product_code,
        sum(s.exports_usd) as partners_usd,
        count(*) as suppliers,
        first(s.exporter_iso3 order by s.exports_usd desc, s.exporter_iso3) as top_supplier_iso3,
        max(s.exports_usd) as top_supplier_usd,
        count(*) filter (where s.exports_usd > h.home_exports_usd) as ahead
    from suppliers as s
    left join home as h using (year, market_iso3, hs_level, product_code)
    group by s.year, s.market_iso3, s.hs_level, s.product_code
),

final as (
    select
        t.year,
        t.market_iso3,
        case when t.hs_level = 8 then 'cn8' else 'hs' || t.hs_level end as level,
        t.hs_level,
        t.product_code                                            as code,
        case when t.hs_level = 6 then t.product_code end          as hs6,
        t.market_imports_usd,
        coalesce(h.home_exports_usd, 0)                           as home_exports_usd,
        coalesce(h.home_exports_usd, 0) / t.market_imports_usd    as home_share,
        coalesce(b.partners_usd, 0) >= 0.995 * t.market_imports_usd as partners_complete,
        case when h.home_exports_usd > 0
              and coalesce(b.partners_usd, 0) >= 0.995 * t.market_imports_usd
             then 1 + b.ahead end                                 as home_rank,
        case when coalesce(b.partners_usd, 0) >= 0.995 * t.market_imports_usd
             then b.suppliers end                                 as suppliers,
        case when coalesce(b.partners_usd, 0) >= 0.995 * t.market_imports_usd
             then b.top_supplier_iso3 end                         as top_supplier_iso3,
        case when coalesce(b.partners_usd, 0) >= 0.995 * t.market_imports_usd
             then b.top_supplier_usd / t.market_imports_usd end   as top_supplier_share,
        t.total_from,
        t.input,
        t.source,
        t.release                                                 as vintage
    from totals as t
    left join by_code as b using (year, market_iso3, hs_level, product_code)
    left join home as h using (year, market_iso3, hs_level, product_code)
)

select * from final
order by year, market_iso3, hs_level desc, code
