-- The home country's markets by year: exports to each importer, its share of the home
-- country's exports, and its rank (1 = largest market).
create or replace table mart.home_top_markets as
with params as (
    select home_iso3, first_year, last_year, hs_revision from ops.run_parameters
),

by_market as (
    select f.year, f.importer_iso3, sum(f.value_usd) as exports_usd
    from staging.stg_trade_flows_study as f, params as p
    where f.exporter_iso3 = p.home_iso3
      and f.year between p.first_year and p.last_year
      and f.freq = 'A'
      and f.reported_by = 'reconciled'
    group by f.year, f.importer_iso3
),

final as (
    select
        year,
        importer_iso3,
        exports_usd,
        exports_usd / sum(exports_usd) over (partition by year) as share_of_home_exports,
        cast(rank() over (partition by year order by exports_usd desc) as integer) as rank
    from by_market
)

select * from final
order by year, rank
