-- Export potential of the home country i in each priority market j for each HS6 product k:
-- the ITC Export Potential Indicator (Decreux & Spies 2016) as reconstructed in the reference
-- note (trade-intelligence.md, B1), EP_ijk = supply x demand x market access x ease of trade.
--
-- Years. Reference year t = last_year. "Actual years" = the study years in
-- [max(first_year, last_year - actual_years + 1), last_year] that have flows; every average
-- below is a sum over them divided by their number (years_averaged), so a year without a flow
-- counts as 0. X_ik, M_ik, W_k, M_jk, X_ijk are sums over the actual years.
--   supply_share          = X_ik / W_k  (i's average world market share of k; W_k = world
--                           exports = world imports of k, BACI being reconciled)
--   net_exporter_factor   = least(1, X_ik / M_ik); 1 when M_ik = 0 (M_ik: i's imports of k)
--   supply_growth_factor  = ((1 + home_growth) / (1 + world_growth)) ^ horizon_years
--   market_imports_usd    = M_jk / years_averaged
--   demand_growth_rate    = 'trend': g_jk = (M_jk,t / M_jk,s) ^ (1 / (t - s)) - 1, clamped to
--                           [-demand_growth_cap, +demand_growth_cap], where s = the first study
--                           year with flows in [max(first_year, t - growth_window), t] (the
--                           window shrinks to the years available); 0 when undefined (t = s, or
--                           j did not import k in year s); j's imports falling to 0 in t give
--                           -100 %, hence -cap. 'flat': 0.
--   projected_demand_usd  = market_imports_usd x (1 + demand_growth_rate) ^ horizon_years
--   Tariffs (core.tariffs, HS6 rows with a rate). For each market, the tariff year is the
--   latest year <= last_year with rows for that importer, else its latest year (tariff years
--   lag trade years). The tariff partner p faces on k = its preferential rate (the lowest of
--   j's rows for partner p with a regime other than 'MFN' and 'BND', e.g. 'PRF' or a file's
--   'AFCFTA') if present, else the MFN rate (partner 'W00', regime 'MFN').
--   home_tariff_pct       = the tariff i faces; average_tariff_pct = sum_s w_s t_s / sum_s w_s
--                           over j's suppliers s of k (i included) whose tariff is known,
--                           w_s = j's imports of k from s over the actual years
--   market_access_factor  = ((1 + average_tariff_pct/100) / (1 + home_tariff_pct/100))
--                           ^ tariff_elasticity  (tariff advantage relative to all suppliers;
--                           tariff_elasticity = 0 switches it off)
--   market_access_term    = 'tariffs' when j has tariff rows for k and both rates above are
--                           known; else 'neutral' and the factor is 1 (no tariffs loaded)
--   ease_of_trade         = B_ij = X_ij / sum_k (X_ik / W_k) M_jk: i's observed exports to j
--                           (all products) over the exports it would have if its share of j's
--                           imports of every product were its world share (1 = a "typical"
--                           market). The reconstruction's distance term
--                           exp(-|avg ln dist_jk - ln dist_ij|) is absorbed in this ratio: no
--                           distance data are loaded, and observed bilateral trade already
--                           reflects distance.
--   potential_usd         = supply_share x net_exporter_factor x supply_growth_factor
--                           x projected_demand_usd x market_access_factor x ease_of_trade
--   actual_usd            = X_ijk / years_averaged; untapped_usd = max(potential - actual, 0)
--                           (ITC: potential minus actual exports); realised_share =
--                           actual / potential (null when potential is 0)
-- Rows: priority markets (ops.run_markets, role 'priority', the home country excluded)
-- x products with X_ik > 0 and M_jk > 0. Parameters: ops.run_parameters (home_iso3,
-- first_year, last_year, growth_window, horizon_years, home_growth, world_growth,
-- demand_growth, demand_growth_cap, tariff_elasticity, actual_years). Flows: the reconciled
-- annual HS6 rows of staging.stg_trade_flows_study, current USD.
create or replace table mart.export_potential as
with params as (
    select
        *,
        greatest(first_year, last_year - actual_years + 1) as actual_start_year,
        greatest(first_year, last_year - growth_window)    as growth_floor_year
    from ops.run_parameters
),

markets as (
    select distinct m.iso3 as market_iso3
    from ops.run_markets as m, params as p
    where m.role = 'priority' and m.iso3 <> p.home_iso3
),

-- Not materialized: each reader filters and aggregates the flows in its own scan (a
-- materialized CTE would copy every study flow first).
flows as not materialized (
    select f.year, f.exporter_iso3, f.importer_iso3, f.product_code as hs6, f.value_usd
    from staging.stg_trade_flows_study as f, params as p
    where f.hs_level = 6
      and f.freq = 'A'
      and f.reported_by = 'reconciled'
      and f.year between least(p.actual_start_year, p.growth_floor_year) and p.last_year
),

-- One pass over every flow: world trade, home exports and home imports by product and year.
product_years as materialized (
    select
        f.year,
        f.hs6,
        sum(f.value_usd)                                                         as world_usd,
        coalesce(sum(f.value_usd) filter (where f.exporter_iso3 = p.home_iso3), 0)
                                                                                 as home_exports_usd,
        coalesce(sum(f.value_usd) filter (where f.importer_iso3 = p.home_iso3), 0)
                                                                                 as home_imports_usd
    from flows as f, params as p
    group by f.year, f.hs6
),

actual_years as (
    select distinct y.year
    from product_years as y, params as p
    where y.year >= p.actual_start_year
),

years_averaged as (
    select count(*) as n from actual_years
),

demand_window as (
    select min(y.year) as start_year, any_value(p.last_year) as end_year
    from product_years as y, params as p
    where y.year >= p.growth_floor_year
),

supply as (
    select
        hs6,
        sum(home_exports_usd) as home_exports_usd,
        sum(home_imports_usd) as home_imports_usd,
        sum(world_usd)        as world_usd
    from product_years
    where year in (select year from actual_years)
    group by hs6
),

-- The priority markets' imports by supplier, product and year (one pass).
market_flows as materialized (
    select f.year, f.importer_iso3 as market_iso3, f.exporter_iso3, f.hs6,
           sum(f.value_usd) as value_usd
    from flows as f
    join markets as m on m.market_iso3 = f.importer_iso3
    group by all
),

market_suppliers as (
    select market_iso3, exporter_iso3, hs6, sum(value_usd) as value_usd
    from market_flows
    where year in (select year from actual_years)
    group by all
),

market_products as (
    select
        s.market_iso3,
        s.hs6,
        sum(s.value_usd)                                                  as imports_usd,
        coalesce(sum(s.value_usd) filter (where s.exporter_iso3 = p.home_iso3), 0)
                                                                          as home_exports_usd
    from market_suppliers as s, params as p
    group by s.market_iso3, s.hs6
),

market_ends as (
    select
        f.market_iso3,
        f.hs6,
        sum(f.value_usd) filter (where f.year = w.start_year) as start_usd,
        sum(f.value_usd) filter (where f.year = w.end_year)   as end_usd
    from market_flows as f, demand_window as w
    where f.year in (w.start_year, w.end_year)
    group by f.market_iso3, f.hs6
),

demand as (
    select
        mp.market_iso3,
        mp.hs6,
        case
            when p.demand_growth <> 'trend' then 0.0
            else greatest(-p.demand_growth_cap, least(p.demand_growth_cap,
                case
                    when w.end_year > w.start_year and e.start_usd > 0
                        then power(coalesce(e.end_usd, 0) / e.start_usd,
                                   1.0 / (w.end_year - w.start_year)) - 1
                    else 0.0
                end))
        end as demand_growth_rate
    from market_products as mp
    cross join params as p
    cross join demand_window as w
    left join market_ends as e using (market_iso3, hs6)
),

ease_of_trade as (
    select
        mp.market_iso3,
        sum(mp.home_exports_usd)                                  as observed_usd,
        sum(s.home_exports_usd / nullif(s.world_usd, 0) * mp.imports_usd) as expected_usd
    from market_products as mp
    left join supply as s using (hs6)
    group by mp.market_iso3
),

-- the tariff rule: sql/staging/050_stg_tariffs.sql
tariff_products as (
    select t.importer_iso3 as market_iso3, t.hs6, t.mfn_pct
    from staging.stg_tariff_products as t
    join markets as m on m.market_iso3 = t.importer_iso3
),

mfn as (
    select market_iso3, hs6, mfn_pct from tariff_products
),

preferences as (
    select t.importer_iso3 as market_iso3, t.partner_iso3, t.hs6, t.preferential_pct
    from staging.stg_tariff_preferences as t
    join markets as m on m.market_iso3 = t.importer_iso3
),

home_tariffs as (
    select tp.market_iso3, tp.hs6, coalesce(pr.preferential_pct, mf.mfn_pct) as home_tariff_pct
    from tariff_products as tp
    cross join params as p
    left join mfn as mf using (market_iso3, hs6)
    left join preferences as pr
      on pr.market_iso3 = tp.market_iso3 and pr.hs6 = tp.hs6 and pr.partner_iso3 = p.home_iso3
),

average_tariffs as (
    select
        s.market_iso3,
        s.hs6,
        sum(s.value_usd * coalesce(pr.preferential_pct, mf.mfn_pct))
            / nullif(sum(s.value_usd) filter (
                where coalesce(pr.preferential_pct, mf.mfn_pct) is not null), 0)
            as average_tariff_pct
    from market_suppliers as s
    join tariff_products as tp using (market_iso3, hs6)
    left join mfn as mf using (market_iso3, hs6)
    left join preferences as pr
      on pr.market_iso3 = s.market_iso3 and pr.hs6 = s.hs6 and pr.partner_iso3 = s.exporter_iso3
    group by s.market_iso3, s.hs6
),

terms as (
    select
        mp.market_iso3,
        mp.hs6,
        s.home_exports_usd / s.world_usd                                  as supply_share,
        case
            when s.home_imports_usd = 0 then 1.0
            else least(1.0, s.home_exports_usd / s.home_imports_usd)
        end                                                               as net_exporter_factor,
        power((1 + p.home_growth) / (1 + p.world_growth), p.horizon_years)
                                                                          as supply_growth_factor,
        mp.imports_usd / n.n                                              as market_imports_usd,
        d.demand_growth_rate,
        ht.home_tariff_pct,
        avg_t.average_tariff_pct,
        ht.home_tariff_pct is not null and avg_t.average_tariff_pct is not null as has_tariffs,
        e.observed_usd / nullif(e.expected_usd, 0)                        as ease_of_trade,
        mp.home_exports_usd / n.n                                         as actual_usd,
        p.last_year                                                       as reference_year,
        n.n                                                               as years_averaged,
        p.horizon_years,
        p.tariff_elasticity
    from market_products as mp
    cross join params as p
    cross join years_averaged as n
    join supply as s using (hs6)
    join demand as d using (market_iso3, hs6)
    join ease_of_trade as e using (market_iso3)
    left join home_tariffs as ht using (market_iso3, hs6)
    left join average_tariffs as avg_t using (market_iso3, hs6)
    where s.home_exports_usd > 0 and mp.imports_usd > 0
),

potential as (
    select
        t.*,
        t.market_imports_usd * power(1 + t.demand_growth_rate, t.horizon_years)
                                                                          as projected_demand_usd,
        case
            when t.has_tariffs then power((1 + t.average_tariff_pct / 100)
                                          / (1 + t.home_tariff_pct / 100), t.tariff_elasticity)
            else 1.0
        end                                                               as market_access_factor,
        case when t.has_tariffs then 'tariffs' else 'neutral' end         as market_access_term
    from terms as t
),

final as (
    select
        x.market_iso3,
        x.hs6,
        pl.description                           as description,
        coalesce(sc.sector, 'other')                                      as sector,
        x.supply_share,
        x.net_exporter_factor,
        x.supply_growth_factor,
        x.market_imports_usd,
        x.demand_growth_rate,
        x.projected_demand_usd,
        x.home_tariff_pct,
        x.average_tariff_pct,
        x.market_access_factor,
        x.market_access_term,
        x.ease_of_trade,
        x.supply_share * x.net_exporter_factor * x.supply_growth_factor
            * x.projected_demand_usd * x.market_access_factor * x.ease_of_trade
                                                                          as potential_usd,
        x.actual_usd,
        greatest(potential_usd - x.actual_usd, 0)                         as untapped_usd,
        x.actual_usd / nullif(potential_usd, 0)                           as realised_share,
        x.reference_year,
        x.years_averaged
    from potential as x
    left join staging.stg_product_labels as pl using (hs6)
    left join ref.hs_sectors as sc using (hs6)
)

select * from final
order by market_iso3, untapped_usd desc, hs6
