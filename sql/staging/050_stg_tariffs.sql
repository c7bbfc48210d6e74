-- The tariff rule the study and the watch share (sql/study/050, 060, sql/watch/050):
--   Rows: core.tariffs HS6 rows with an ad valorem rate (or its estimated equivalent), of
--   each importer's tariff year: the latest year <= the study's last_year
--   (ops.run_parameters) with such rows, else its latest year (tariff years lag trade years).
--   stg_tariff_products: every (importer, HS6) with rows in that year, and its MFN rate
--     (partner 'W00', regime 'MFN'; null when only preferences are loaded);
--   stg_tariff_preferences: each partner's preferential rate (the lowest of the importer's
--     rows for the partner with a regime other than 'MFN' and 'BND').
--   The tariff partner s faces on k in j = coalesce(preferential_pct, mfn_pct).
create or replace view staging.stg_tariff_rates as
with params as (
    select last_year from ops.run_parameters
),

rates as (
    select importer_iso3, partner_iso3, regime, year, product_code as hs6, ad_valorem_pct
    from core.tariffs
    where hs_level = 6 and ad_valorem_pct is not null
),

tariff_years as (
    select
        r.importer_iso3,
        coalesce(max(r.year) filter (where r.year <= p.last_year), max(r.year)) as tariff_year
    from rates as r, params as p
    group by r.importer_iso3
)

select r.importer_iso3, r.partner_iso3, r.regime, r.year as tariff_year, r.hs6,
       r.ad_valorem_pct
from rates as r
join tariff_years as y on y.importer_iso3 = r.importer_iso3 and y.tariff_year = r.year;

create or replace view staging.stg_tariff_products as
select
    importer_iso3,
    hs6,
    tariff_year,
    min(ad_valorem_pct) filter (where partner_iso3 = 'W00' and regime = 'MFN') as mfn_pct
from staging.stg_tariff_rates
group by importer_iso3, hs6, tariff_year;

create or replace view staging.stg_tariff_preferences as
select importer_iso3, partner_iso3, hs6, min(ad_valorem_pct) as preferential_pct
from staging.stg_tariff_rates
where partner_iso3 <> 'W00' and regime not in ('MFN', 'BND')
group by importer_iso3, partner_iso3, hs6;
