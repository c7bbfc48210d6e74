-- The tariff the home country faces in each priority market against each watched
-- competitor's (preference margin), by HS6.
--   Tariff year: for each market, the latest year <= last_year with HS6 rows in
--   core.tariffs, else its latest year (tariff years lag trade years), as in
--   sql/study/050_export_potential.sql (both read sql/staging/050_stg_tariffs.sql).
--   Tariff faced by partner s on k = its preferential rate (the lowest of the market's rows
--   for partner s with a regime other than 'MFN' and 'BND') if any, else the MFN rate
--   (partner 'W00', regime 'MFN'); only rows with an ad valorem rate (or its estimated
--   equivalent) count.
--   margin_pts = competitor_tariff_pct - home_tariff_pct (positive: the home country pays
--   less, a preference margin in its favour)
-- Rows: markets with tariffs loaded x HS6 the home country exports there in the last study
-- year and that have a tariff row in the tariff year x watched competitors (ops.run_markets
-- role 'competitor', except the market and the home country); when no competitor remains,
-- one row with competitor_iso3 null keeps the home country's rate.
-- Parameters: ops.run_parameters (home_iso3, last_year); ops.run_markets.
-- Sources: core.tariffs; reconciled annual HS6 flows of staging.stg_trade_flows_study.
create or replace table mart.watch_tariff_margins as
with params as (
    select home_iso3, last_year from ops.run_parameters
),

markets as (
    select distinct m.iso3 as market_iso3
    from ops.run_markets as m, params as p
    where m.role = 'priority' and m.iso3 <> p.home_iso3
),

competitors as (
    select distinct m.iso3 as competitor_iso3
    from ops.run_markets as m, params as p
    where m.role = 'competitor' and m.iso3 <> p.home_iso3
),

home_products as (
    select distinct f.importer_iso3 as market_iso3, f.product_code as hs6
    from staging.stg_trade_flows_study as f
    join markets as m on m.market_iso3 = f.importer_iso3
    cross join params as p
    where f.exporter_iso3 = p.home_iso3 and f.year = p.last_year
      and f.hs_level = 6 and f.freq = 'A' and f.reported_by = 'reconciled'
      and f.value_usd > 0
),

-- the tariff rule: sql/staging/050_stg_tariffs.sql
products as (
    select t.importer_iso3 as market_iso3, t.hs6, t.tariff_year, t.mfn_pct
    from staging.stg_tariff_products as t
    semi join home_products as h on h.market_iso3 = t.importer_iso3 and h.hs6 = t.hs6
),

mfn as (
    select market_iso3, hs6, mfn_pct from products
),

preferences as (
    select t.importer_iso3 as market_iso3, t.partner_iso3, t.hs6, t.preferential_pct
    from staging.stg_tariff_preferences as t
    join markets as m on m.market_iso3 = t.importer_iso3
),

pairs as (
    select pr.market_iso3, pr.hs6, pr.tariff_year, c.competitor_iso3
    from products as pr
    left join competitors as c on c.competitor_iso3 <> pr.market_iso3
),

final as (
    select
        x.market_iso3,
        x.hs6,
        x.tariff_year,
        mf.mfn_pct,
        coalesce(hp.preferential_pct, mf.mfn_pct)               as home_tariff_pct,
        x.competitor_iso3,
        case when x.competitor_iso3 is not null
             then coalesce(cp.preferential_pct, mf.mfn_pct) end as competitor_tariff_pct,
        competitor_tariff_pct - home_tariff_pct                 as margin_pts
    from pairs as x
    cross join params as p
    left join mfn as mf using (market_iso3, hs6)
    left join preferences as hp
      on hp.market_iso3 = x.market_iso3 and hp.hs6 = x.hs6 and hp.partner_iso3 = p.home_iso3
    left join preferences as cp
      on cp.market_iso3 = x.market_iso3 and cp.hs6 = x.hs6
     and cp.partner_iso3 = x.competitor_iso3
)

select * from final
order by market_iso3, hs6, competitor_iso3
