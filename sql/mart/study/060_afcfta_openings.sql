-- AfCFTA openings: markets of the African Continental Free Trade Area where the home country
-- i has a comparative advantage in a product k that the market j still buys mainly outside
-- Africa, i.e. imports that African suppliers (i included) could take over as AfCFTA tariff
-- preferences phase in.
--
-- Years. Reference year t = last_year. Values are averages over the last 3 study years with
-- flows (the 3 latest years of [first_year, last_year] present in the flows; fewer if the
-- study is shorter): a fixed 3-year smoothing of one-off shipments, shorter than the
-- [potential] actual_years average because openings are about the current supplier mix.
--   importer_imports_usd     = M_jk, j's imports of k from every supplier (average)
--   from_africa_usd          = imports from suppliers whose ref.countries.region = 'Africa'
--   from_outside_africa_usd  = M_jk - from_africa_usd (suppliers outside Africa, or unknown to
--                              ref.countries)
--   outside_share            = from_outside_africa_usd / M_jk
--   top_outside_supplier_iso3 = the largest supplier outside Africa (ties: first ISO3)
--   home_exports_usd         = X_ijk, i's exports of k to j (average); home_share = X_ijk / M_jk
--   home_rca                 = (X_ik / X_i) / (W_k / W) in year t (Balassa 1965, world RCA)
--   mfn_pct                  = j's MFN rate (partner 'W00', regime 'MFN')
--   afcfta_pct               = j's preferential rate for partner i (the lowest of j's rows for
--                              partner i with a regime other than 'MFN' and 'BND', e.g. 'PRF'
--                              or a file's 'AFCFTA'), when loaded
--   tariff_margin_pts        = mfn_pct - afcfta_pct (null when either is missing)
--   tariff_data              = 'loaded' when j has tariff rows for k, else 'none'
--   opening_usd              = from_outside_africa_usd
-- Tariffs: core.tariffs HS6 rows with a rate, in each importer's tariff year (the latest year
-- <= last_year with rows for that importer, else its latest year).
-- Rows: importers j with ref.countries.afcfta_state_party, j <> i, x products k with
-- home_rca >= rca_threshold and outside_share > 0.5. Parameters: ops.run_parameters
-- (home_iso3, first_year, last_year, rca_threshold). Flows: the reconciled annual HS6 rows of
-- staging.stg_trade_flows_study, current USD; regions and names: ref.countries.
create or replace table mart.afcfta_openings as
with params as (
    select home_iso3, first_year, last_year, rca_threshold from ops.run_parameters
),

-- Not materialized: each reader filters and aggregates the flows in its own scan (a
-- materialized CTE would copy every study flow first).
flows as not materialized (
    select f.year, f.exporter_iso3, f.importer_iso3, f.product_code as hs6, f.value_usd
    from staging.stg_trade_flows_study as f, params as p
    where f.hs_level = 6
      and f.freq = 'A'
      and f.reported_by = 'reconciled'
      and f.year between p.first_year and p.last_year
),

averaged_years as (
    select distinct year from flows order by year desc limit 3
),

years_averaged as (
    select count(*) as n from averaged_years
),

last_year_products as (
    select
        f.hs6,
        sum(f.value_usd)                                                 as world_usd,
        coalesce(sum(f.value_usd) filter (where f.exporter_iso3 = p.home_iso3), 0)
                                                                         as home_usd
    from flows as f, params as p
    where f.year = p.last_year
    group by f.hs6
),

advantage as (
    select
        hs6,
        (home_usd / sum(home_usd) over ()) / (world_usd / sum(world_usd) over ()) as home_rca
    from last_year_products
    qualify home_usd > 0
),

advantage_products as (
    select a.hs6, a.home_rca
    from advantage as a, params as p
    where a.home_rca >= p.rca_threshold
),

state_parties as (
    select c.iso3 as importer_iso3, c.name_en, c.name_fr
    from ref.countries as c, params as p
    where c.afcfta_state_party and c.iso3 <> p.home_iso3
),

-- Only the State Parties' imports of the home country's RCA products are aggregated.
importer_suppliers as (
    select f.importer_iso3, f.exporter_iso3, f.hs6, sum(f.value_usd) as value_usd
    from flows as f
    join state_parties as sp using (importer_iso3)
    join advantage_products as ap using (hs6)
    where f.year in (select year from averaged_years)
    group by all
),

importer_products as (
    select
        s.importer_iso3,
        s.hs6,
        sum(s.value_usd)                                                   as imports_usd,
        coalesce(sum(s.value_usd) filter (where c.region = 'Africa'), 0)   as from_africa_usd,
        coalesce(sum(s.value_usd) filter (where c.region is distinct from 'Africa'), 0)
                                                                           as from_outside_usd,
        first(s.exporter_iso3 order by s.value_usd desc, s.exporter_iso3)
            filter (where c.region is distinct from 'Africa')              as top_outside_iso3,
        coalesce(sum(s.value_usd) filter (where s.exporter_iso3 = p.home_iso3), 0)
                                                                           as home_exports_usd
    from importer_suppliers as s
    cross join params as p
    left join ref.countries as c on c.iso3 = s.exporter_iso3
    group by s.importer_iso3, s.hs6
),

openings as (
    select *
    from importer_products
    where imports_usd > 0 and from_outside_usd / imports_usd > 0.5
),

-- the tariff rule: sql/staging/050_stg_tariffs.sql
tariffs as (
    select t.importer_iso3, t.hs6, t.mfn_pct, pr.preferential_pct as afcfta_pct
    from staging.stg_tariff_products as t
    cross join params as p
    join state_parties as sp using (importer_iso3)
    left join staging.stg_tariff_preferences as pr
      on pr.importer_iso3 = t.importer_iso3 and pr.hs6 = t.hs6
     and pr.partner_iso3 = p.home_iso3
),

final as (
    select
        o.importer_iso3,
        sp.name_en                                              as importer_name_en,
        sp.name_fr                                              as importer_name_fr,
        o.hs6,
        pl.description                 as description,
        coalesce(sc.sector, 'other')                            as sector,
        o.imports_usd / n.n                                     as importer_imports_usd,
        o.from_africa_usd / n.n                                 as from_africa_usd,
        o.from_outside_usd / n.n                                as from_outside_africa_usd,
        o.from_outside_usd / o.imports_usd                      as outside_share,
        o.top_outside_iso3                                      as top_outside_supplier_iso3,
        o.home_exports_usd / n.n                                as home_exports_usd,
        o.home_exports_usd / o.imports_usd                      as home_share,
        ap.home_rca,
        t.mfn_pct,
        t.afcfta_pct,
        t.mfn_pct - t.afcfta_pct                                as tariff_margin_pts,
        case when t.hs6 is null then 'none' else 'loaded' end   as tariff_data,
        o.from_outside_usd / n.n                                as opening_usd,
        p.last_year                                             as reference_year,
        n.n                                                     as years_averaged
    from openings as o
    cross join params as p
    cross join years_averaged as n
    join state_parties as sp using (importer_iso3)
    join advantage_products as ap using (hs6)
    left join tariffs as t using (importer_iso3, hs6)
    left join staging.stg_product_labels as pl using (hs6)
    left join ref.hs_sectors as sc using (hs6)
)

select * from final
order by opening_usd desc, importer_iso3, hs6
