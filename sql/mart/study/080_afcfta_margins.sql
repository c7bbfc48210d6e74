-- AfCFTA preference margins over time: for every product k in which the home country h has
-- comparative advantage (mart.product_competitiveness at HS6, last_year, rca >= rca_threshold) and every
-- AfCFTA State Party j (ref.countries, j <> h) whose schedule (staging.stg_schedule_rates,
-- agreement 'AFCFTA': its own or its customs union's) covers k.
--
--   afcfta_pct(y)      = the schedule's rate for year y: the rate of the latest schedule year
--                        <= y (the last rate holds after the path ends); the base rate before
--                        the first year; a simple average over the HS6's national lines
--   mfn_pct            = j's applied MFN rate on k (staging.stg_tariff_products, its tariff
--                        year), else the schedule's base rate (the modalities take the applied
--                        MFN rate, or the customs union's CET, as base): mfn_from says which
--   margin_vs_mfn_pts  = mfn_pct - afcfta_pct(y)
--   top_outside_supplier_iso3 = the largest supplier of k to j outside Africa
--                        (ref.countries.region), imports averaged over the last 3 study years
--                        with flows, as in mart.afcfta_openings
--   outside_rate_pct   = the tariff that supplier faces: its preferential rate where loaded
--                        (staging.stg_tariff_preferences), else mfn_pct
--   margin_vs_outside_pts = outside_rate_pct - afcfta_pct(y) (positive: the home country's
--                        goods, when originating, pay less than the leading outside supplier's)
--   margin_opens_year  = the first schedule year with afcfta_pct < mfn_pct (null: never,
--                        e.g. an excluded line, category C)
--   phase_down_end_year = the first year at the path's final rate
-- Years: mart.afcfta_margin_years has one row per year from this year (year of as_of) to
-- phase_down_end_year (at least this year); mart.afcfta_margins one row per (j, k) with this
-- year's rate, the rate in horizon_years, and the supplier mix.
-- rule_*: the product's AfCFTA rule of origin (core.rules_of_origin, agreement 'AFCFTA'),
-- the most specific loaded (HS6, else heading, else chapter), with its status.
-- home_is_state_party: false when h is not an AfCFTA State Party (its goods then get no
-- AfCFTA rate: the margins are what it would get).
create or replace table mart.afcfta_margin_years as
with params as (
    select home_iso3, last_year, rca_threshold, year(as_of) as this_year
    from ops.run_parameters
),

advantage as (
    select r.hs6
    from (select code as hs6, year, rca, home_exports_usd from mart.product_competitiveness
          where level = 'hs6') as r, params as p
    where r.year = p.last_year and r.rca >= p.rca_threshold
),

schedule as (
    select s.*
    from staging.stg_schedule_rates as s
    cross join params as p
    join ref.countries as c on c.iso3 = s.importer_iso3
    where s.agreement = 'AFCFTA' and c.afcfta_state_party and s.importer_iso3 <> p.home_iso3
      and s.hs6 in (select hs6 from advantage)
),

paths as (
    select
        importer_iso3, hs6,
        min(year)                                              as first_year,
        max(year)                                              as last_schedule_year,
        arg_max(rate_pct, year)                                as final_pct,
        any_value(base_rate_pct)                               as base_rate_pct
    from schedule
    group by importer_iso3, hs6
),

ends as (
    select p.importer_iso3, p.hs6,
           min(s.year) filter (where abs(s.rate_pct - p.final_pct) < 1e-9) as end_year
    from paths as p
    join schedule as s using (importer_iso3, hs6)
    group by p.importer_iso3, p.hs6
),

mfn as (
    select t.importer_iso3, t.hs6, t.mfn_pct
    from staging.stg_tariff_products as t
    where t.mfn_pct is not null
),

opens as (
    select s.importer_iso3, s.hs6,
           min(s.year) filter (where s.rate_pct < coalesce(m.mfn_pct, s.base_rate_pct) - 1e-9)
               as margin_opens_year
    from schedule as s
    left join mfn as m using (importer_iso3, hs6)
    group by s.importer_iso3, s.hs6
),

years as (
    select p.importer_iso3, p.hs6, unnest(generate_series(
               pr.this_year, greatest(pr.this_year, e.end_year))) as year
    from paths as p
    join ends as e using (importer_iso3, hs6)
    cross join params as pr
),

rated as (
    select
        y.importer_iso3, y.hs6, y.year,
        coalesce((select s.rate_pct from schedule as s
                  where s.importer_iso3 = y.importer_iso3 and s.hs6 = y.hs6
                    and s.year <= y.year
                  order by s.year desc limit 1), p.base_rate_pct)    as afcfta_pct,
        (select s.category from schedule as s
         where s.importer_iso3 = y.importer_iso3 and s.hs6 = y.hs6
         order by s.year desc limit 1)                               as category
    from years as y
    join paths as p using (importer_iso3, hs6)
),

final as (
    select
        r.importer_iso3,
        r.hs6,
        r.year,
        r.category,
        r.afcfta_pct,
        coalesce(m.mfn_pct, p.base_rate_pct)                         as mfn_pct,
        case when m.mfn_pct is null then 'base_rate' else 'tariffs' end as mfn_from,
        coalesce(m.mfn_pct, p.base_rate_pct) - r.afcfta_pct          as margin_vs_mfn_pts,
        o.margin_opens_year,
        e.end_year                                                   as phase_down_end_year
    from rated as r
    join paths as p using (importer_iso3, hs6)
    join ends as e using (importer_iso3, hs6)
    join opens as o using (importer_iso3, hs6)
    left join mfn as m using (importer_iso3, hs6)
)

select * from final
order by importer_iso3, hs6, year;

create or replace table mart.afcfta_margins as
with params as (
    select home_iso3, first_year, last_year, rca_threshold, year(as_of) as this_year,
           horizon_years
    from ops.run_parameters
),

pairs as (
    select importer_iso3, hs6, any_value(category) as category,
           any_value(mfn_pct) as mfn_pct, any_value(mfn_from) as mfn_from,
           any_value(margin_opens_year) as margin_opens_year,
           any_value(phase_down_end_year) as phase_down_end_year
    from mart.afcfta_margin_years
    group by importer_iso3, hs6
),

schedule as (
    select s.importer_iso3, s.hs6, s.year, s.rate_pct, s.base_rate_pct, s.national_lines,
           s.min_rate_pct, s.max_rate_pct, s.path_from, s.timetable
    from staging.stg_schedule_rates as s
    join pairs as p using (importer_iso3, hs6)
    where s.agreement = 'AFCFTA'
),

-- the rate of a year: the latest schedule year <= it, else the base rate
rate_at as (
    select p.importer_iso3, p.hs6,
           coalesce(max_by(s.rate_pct, s.year) filter (where s.year <= pr.this_year),
                    any_value(s.base_rate_pct))                        as afcfta_pct,
           coalesce(max_by(s.rate_pct, s.year)
                        filter (where s.year <= pr.this_year + pr.horizon_years),
                    any_value(s.base_rate_pct))                        as horizon_afcfta_pct,
           any_value(s.base_rate_pct)                                  as base_rate_pct,
           max(s.national_lines)                                       as national_lines,
           any_value(s.timetable)                                      as timetable,
           any_value(s.path_from)                                      as path_from
    from pairs as p
    join schedule as s using (importer_iso3, hs6)
    cross join params as pr
    group by p.importer_iso3, p.hs6
),

flows as not materialized (
    select f.year, f.exporter_iso3, f.importer_iso3, f.product_code as hs6, f.value_usd
    from staging.stg_trade_flows_study as f, params as p
    where f.hs_level = 6 and f.freq = 'A' and f.reported_by = 'reconciled'
      and f.year between p.first_year and p.last_year
),

averaged_years as (
    select distinct year from flows order by year desc limit 3
),

suppliers as (
    select f.importer_iso3, f.hs6, f.exporter_iso3, sum(f.value_usd) as value_usd
    from flows as f
    join pairs as p using (importer_iso3, hs6)
    where f.year in (select year from averaged_years)
    group by all
),

mix as (
    select
        s.importer_iso3, s.hs6,
        sum(s.value_usd) / (select count(*) from averaged_years)           as imports_usd,
        coalesce(sum(s.value_usd) filter (where c.region = 'Africa'), 0)
            / sum(s.value_usd)                                             as africa_share,
        coalesce(sum(s.value_usd) filter (where s.exporter_iso3 = p.home_iso3), 0)
            / sum(s.value_usd)                                             as home_share,
        first(s.exporter_iso3 order by s.value_usd desc, s.exporter_iso3)
            filter (where c.region is distinct from 'Africa')              as top_outside_iso3,
        max(s.value_usd) filter (where c.region is distinct from 'Africa')
            / sum(s.value_usd)                                             as top_outside_share,
        first(s.exporter_iso3 order by s.value_usd desc, s.exporter_iso3)  as top_supplier_iso3,
        count(distinct s.exporter_iso3)                                    as suppliers
    from suppliers as s
    cross join params as p
    left join ref.countries as c on c.iso3 = s.exporter_iso3
    group by s.importer_iso3, s.hs6
    having sum(s.value_usd) > 0
),

-- the product's AfCFTA rule of origin: the most specific loaded (HS6, heading, chapter)
rules as (
    select p.hs6,
           arg_max(o.hs_code, o.hs_level)                    as rule_hs_code,
           arg_max(o.rule_text, o.hs_level)                  as rule_text,
           arg_max(o.rule_kinds, o.hs_level)                 as rule_kinds,
           arg_max(o.max_non_originating_pct, o.hs_level)    as max_non_originating_pct,
           arg_max(o.status, o.hs_level)                     as rule_status
    from (select distinct hs6 from pairs) as p
    join core.rules_of_origin as o
      on o.agreement = 'AFCFTA' and starts_with(p.hs6, o.hs_code)
    group by p.hs6
),

final as (
    select
        p.importer_iso3,
        c.name_en                                                     as importer_name_en,
        c.name_fr                                                     as importer_name_fr,
        p.hs6,
        pl.description,
        pr.this_year                                                  as this_year,
        p.category,
        r.timetable,
        r.path_from,
        r.national_lines,
        r.base_rate_pct,
        p.mfn_pct,
        p.mfn_from,
        r.afcfta_pct,
        p.mfn_pct - r.afcfta_pct                                      as margin_vs_mfn_pts,
        pr.this_year + pr.horizon_years                               as horizon_year,
        r.horizon_afcfta_pct,
        p.mfn_pct - r.horizon_afcfta_pct                              as horizon_margin_vs_mfn_pts,
        m.top_outside_iso3                                            as top_outside_supplier_iso3,
        coalesce(tp.preferential_pct, p.mfn_pct)                      as outside_rate_pct,
        coalesce(tp.preferential_pct, p.mfn_pct) - r.afcfta_pct       as margin_vs_outside_pts,
        coalesce(tp.preferential_pct, p.mfn_pct) - r.horizon_afcfta_pct
                                                              as horizon_margin_vs_outside_pts,
        p.margin_opens_year,
        p.margin_opens_year is not null and p.margin_opens_year <= pr.this_year
                                                                      as margin_open,
        p.phase_down_end_year,
        m.imports_usd                                                 as market_imports_usd,
        m.africa_share,
        m.home_share,
        m.top_outside_share,
        m.top_supplier_iso3,
        m.suppliers,
        h.rca                                                         as home_rca,
        h.home_exports_usd,
        coalesce(hc.afcfta_state_party, false)                        as home_is_state_party,
        ru.rule_hs_code,
        ru.rule_text,
        ru.rule_kinds,
        ru.max_non_originating_pct,
        ru.rule_status,
        pr.last_year                                                  as reference_year
    from pairs as p
    cross join params as pr
    join rate_at as r using (importer_iso3, hs6)
    join ref.countries as c on c.iso3 = p.importer_iso3
    left join mix as m using (importer_iso3, hs6)
    left join staging.stg_tariff_preferences as tp
      on tp.importer_iso3 = p.importer_iso3 and tp.hs6 = p.hs6
     and tp.partner_iso3 = m.top_outside_iso3
    left join (select code as hs6, year, rca, home_exports_usd from mart.product_competitiveness
          where level = 'hs6') as h
      on h.hs6 = p.hs6 and h.year = pr.last_year
    left join ref.countries as hc on hc.iso3 = pr.home_iso3
    left join staging.stg_product_labels as pl on pl.hs6 = p.hs6
    left join rules as ru on ru.hs6 = p.hs6
)

select * from final
order by market_imports_usd desc nulls last, importer_iso3, hs6;
