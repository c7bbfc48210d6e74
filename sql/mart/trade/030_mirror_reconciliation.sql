-- Mirror reconciliation: the home country's own declared exports against what each partner
-- declares importing from it, by partner, HS6 and year, with a data-quality flag.
--   ratio = partner's declared imports (CIF) / home's declared exports (FOB)
-- Imports are valued CIF and exports FOB, so a ratio a little above 1 is expected: within
-- [mirror_band_low, mirror_band_high] the pair is 'consistent'; above, 'mirror_higher'
-- (under-declared exports, or re-exports through the home country); below, 'mirror_lower';
-- 'exporter_only' / 'mirror_only' when one side is missing. Only HS6 flows of the study's
-- HS revision are compared.
create or replace table mart.mirror_reconciliation as
with params as (
    select home_iso3, first_year, last_year, hs_revision,
           coalesce(mirror_band_low, 0.95) as band_low,
           coalesce(mirror_band_high, 1.25) as band_high
    from ops.run_parameters
),

declared as (
    select f.importer_iso3 as partner_iso3, f.product_code as hs6, f.year,
           sum(f.value_usd) as exports_declared_usd
    from staging.stg_trade_flows_study as f, params as p
    where f.reported_by = 'exporter' and f.exporter_iso3 = p.home_iso3
      and f.hs_level = 6 and f.classification = p.hs_revision and f.freq = 'A'
      and f.year between p.first_year and p.last_year
    group by all
),

mirror as (
    select f.importer_iso3 as partner_iso3, f.product_code as hs6, f.year,
           sum(f.value_usd) as imports_mirror_usd
    from staging.stg_trade_flows_study as f, params as p
    where f.reported_by = 'importer' and f.exporter_iso3 = p.home_iso3
      and f.hs_level = 6 and f.classification = p.hs_revision and f.freq = 'A'
      and f.year between p.first_year and p.last_year
    group by all
),

joined as (
    select
        coalesce(d.partner_iso3, m.partner_iso3) as partner_iso3,
        coalesce(d.hs6, m.hs6) as hs6,
        coalesce(d.year, m.year) as year,
        d.exports_declared_usd,
        m.imports_mirror_usd,
        m.imports_mirror_usd / nullif(d.exports_declared_usd, 0) as mirror_ratio
    from declared as d
    full outer join mirror as m using (partner_iso3, hs6, year)
),

final as (
    select
        j.*,
        case
            when j.exports_declared_usd is null then 'mirror_only'
            when j.imports_mirror_usd is null then 'exporter_only'
            when j.mirror_ratio between p.band_low and p.band_high then 'consistent'
            when j.mirror_ratio > p.band_high then 'mirror_higher'
            else 'mirror_lower'
        end as quality_flag
    from joined as j, params as p
)

select * from final
order by year, partner_iso3, hs6
