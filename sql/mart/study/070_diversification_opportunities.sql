-- Diversification opportunities: HS6 products the home country does not yet export with a
-- revealed comparative advantage, ranked by feasibility and desirability in the product space
-- (Hidalgo et al. 2007; Hausmann et al. 2014, Atlas of Economic Complexity; the supply side
-- of ITC's Product Diversification Indicator, reference note B1/B2).
--
-- Year t = last_year. Candidates: mart.home_product_space rows with level = 6, year = t and
-- m = 0 (RCA below thresholds.rca, computed by observatory.study.complexity_marts).
--   rca, density, distance (= 1 - density), cog: from mart.home_product_space
--     density_k = sum_k' M_ik' phi_kk' / sum_k' phi_kk' (share of k's neighbours exported
--     with RCA); cog_k = opportunity gain of adding k (ecomplexity conventions, B2)
--   pci                   = mart.complexity_products (level 6, year t)
--   world_imports_usd     = W_k, world imports of k in t (= world exports; BACI reconciled)
--   world_demand_cagr     = (W_k,t / W_k,t-g) ^ (1/g) - 1, g = growth_window; null when
--                           t - g < first_year, g <= 0 or W_k,t-g = 0
--   top_importers         = the 3 largest importers of k in t, ISO3 joined by ',' (largest
--                           first, ties by ISO3); top_importers_share = their imports / W_k
--   feasibility_pct       = percent_rank() of density among the candidates (0 = lowest,
--                           1 = highest); desirability_pct = percent_rank() of cog; a missing
--                           density or cog ranks lowest
--   opportunity_score     = (feasibility_pct + desirability_pct) / 2
-- Ranking rule: opportunity_rank = 1 for the highest opportunity_score, then descending;
-- equal scores are ordered by hs6 (ascending), so every rank is unique.
-- Parameters: ops.run_parameters (first_year, last_year, growth_window). Flows: the
-- reconciled annual HS6 rows of staging.stg_trade_flows_study, current USD.
create or replace table mart.diversification_opportunities as
with params as (
    select first_year, last_year, growth_window,
           last_year - growth_window as window_start_year
    from ops.run_parameters
),

candidates as (
    select ps.product_code as hs6, ps.year, ps.rca, ps.density, ps.distance, ps.cog
    from mart.home_product_space as ps, params as p
    where ps.level = 6 and ps.year = p.last_year and ps.m = 0
),

-- The last year and the window's first year only, candidate products only.
flows as (
    select f.year, f.importer_iso3, f.product_code as hs6, f.value_usd
    from staging.stg_trade_flows_study as f, params as p
    where f.hs_level = 6
      and f.freq = 'A'
      and f.reported_by = 'reconciled'
      and f.year between p.first_year and p.last_year
      and f.year in (p.last_year, p.window_start_year)
      and f.product_code in (select hs6 from candidates)
),

world as (
    select
        f.hs6,
        sum(f.value_usd) filter (where f.year = p.last_year)          as world_imports_usd,
        sum(f.value_usd) filter (where f.year = p.window_start_year
                                   and p.growth_window > 0)            as window_start_usd
    from flows as f, params as p
    group by f.hs6
),

largest_importers as (
    select f.hs6, f.importer_iso3, sum(f.value_usd) as imports_usd
    from flows as f, params as p
    where f.year = p.last_year
    group by f.hs6, f.importer_iso3
    qualify row_number() over (partition by f.hs6 order by imports_usd desc, f.importer_iso3) <= 3
),

top_importers as (
    select
        hs6,
        string_agg(importer_iso3, ',' order by imports_usd desc, importer_iso3) as top_importers,
        sum(imports_usd)                                                        as top_imports_usd
    from largest_importers
    group by hs6
),

ranked as (
    select
        c.*,
        cp.pci,
        coalesce(w.world_imports_usd, 0)                                        as world_imports_usd,
        case
            when w.window_start_usd > 0
                then power(coalesce(w.world_imports_usd, 0) / w.window_start_usd,
                           1.0 / p.growth_window) - 1
        end                                                                     as world_demand_cagr,
        t.top_importers,
        t.top_imports_usd / nullif(w.world_imports_usd, 0)                      as top_importers_share,
        percent_rank() over (order by c.density asc nulls first)                as feasibility_pct,
        percent_rank() over (order by c.cog asc nulls first)                    as desirability_pct
    from candidates as c
    cross join params as p
    left join mart.complexity_products as cp
      on cp.level = 6 and cp.year = c.year and cp.product_code = c.hs6
    left join world as w using (hs6)
    left join top_importers as t using (hs6)
),

final as (
    select
        r.hs6,
        pl.description                          as description,
        coalesce(sc.sector, 'other')                                     as sector,
        r.year,
        r.rca,
        r.density,
        r.distance,
        r.pci,
        r.cog,
        r.world_imports_usd,
        r.world_demand_cagr,
        r.top_importers,
        r.top_importers_share,
        r.feasibility_pct,
        r.desirability_pct,
        (r.feasibility_pct + r.desirability_pct) / 2                     as opportunity_score,
        row_number() over (order by (r.feasibility_pct + r.desirability_pct) desc, r.hs6)
                                                                         as opportunity_rank
    from ranked as r
    left join staging.stg_product_labels as pl using (hs6)
    left join ref.hs_sectors as sc using (hs6)
)

select * from final
order by opportunity_rank
