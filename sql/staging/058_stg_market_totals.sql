-- Each market's total annual imports of a product (the denominator of market shares), for
-- the input and source staging.stg_market_choice chose: the market's own World row of that
-- source (staging.stg_market_world_rows) when there is one, since the partner rows of a
-- declaration may not cover every partner (a Comtrade or Comext extract of a few
-- partners); else the sum of the partner rows. A product with a World row and no partner
-- row is there (every partner's share of it is 0 or unknown).
-- Columns: year, market_iso3, hs_level, product_code, market_imports_usd, total_from
-- ('world_row' | 'partners'), partners (partner rows present), input, source, release.
create or replace view staging.stg_market_totals as
with partner_sums as (
    select year, market_iso3, hs_level, product_code, input, source,
           max(release) as release, sum(value_usd) as partners_usd,
           count(distinct partner_iso3) as partners
    from staging.stg_market_imports
    group by all
),

world as (
    select w.year, w.market_iso3, w.hs_level, w.product_code, c.input, w.source, w.release,
           w.value_usd
    from staging.stg_market_world_rows as w
    join staging.stg_market_choice as c
      on c.input = 'declared' and c.source = w.source and c.year = w.year
     and c.market_iso3 = w.market_iso3 and c.hs_level = w.hs_level
)

select coalesce(s.year, w.year) as year, coalesce(s.market_iso3, w.market_iso3) as market_iso3,
       coalesce(s.hs_level, w.hs_level) as hs_level,
       coalesce(s.product_code, w.product_code) as product_code,
       coalesce(w.value_usd, s.partners_usd) as market_imports_usd,
       case when w.value_usd is not null then 'world_row' else 'partners' end as total_from,
       coalesce(s.partners, 0) as partners,
       coalesce(s.input, w.input) as input, coalesce(s.source, w.source) as source,
       coalesce(w.release, s.release) as release
from partner_sums as s
full join world as w
  on w.year = s.year and w.market_iso3 = s.market_iso3 and w.hs_level = s.hs_level
 and w.product_code = s.product_code and w.source = s.source
