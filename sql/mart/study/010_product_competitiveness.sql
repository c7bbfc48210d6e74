-- The home country's competitive position in every product the world trades, by year, at
-- four levels: HS6, HS4 (left(hs6, 4)), HS2 (left(hs6, 2)) and sector (ref.hs_sectors; HS6
-- codes it lacks go to sector 'other'). Notation: X_hk home exports of k, M_hk home imports
-- of k (flows whose importer is home), X_h = sum_k X_hk, W_k world exports of k (= world
-- imports: BACI is reconciled), W = sum_k W_k. Values in current USD.
--   world_market_share            = X_hk / W_k
--   world_market_share_change_pts = 100 * (share_t - share_{t-1}); null without year t-1
--   rca   (Balassa 1965)          = (X_hk / X_h) / (W_k / W)
--   rsca  (Dalum et al. 1998)     = (rca - 1) / (rca + 1)
--   trade_balance_index (Lafay 1992; ITC TPI G5) = (X_hk - M_hk) / (X_hk + M_hk), null if 0/0
--   market_penetration (WITS "index of export market penetration")
--                                 = markets_served / markets_importing: importers the home
--                                   country ships k to / importers of k in the world (the
--                                   home country excluded: it is not a market for itself)
--   CAGR over n = growth_window years ending at year t: (v_t / v_{t-n})^(1/n) - 1, null when
--   t - n < first_year (window_start_year null) or either value <= 0; for X_hk
--   (home_exports_cagr), W_k (world_demand_cagr) and W (world_total_cagr).
--   quadrant (product positioning, ITC Trade Map's "bubble" chart):
--     champion          world_demand_cagr >  world_total_cagr and home > world demand
--     losing_ground     world_demand_cagr >  world_total_cagr and home <= world demand
--     declining_winner  world_demand_cagr <= world_total_cagr and home > world demand
--     declining_loser   world_demand_cagr <= world_total_cagr and home <= world demand
--     null when home_exports_cagr is null (no window, or no home exports at either end).
-- Sources: trade-intelligence.md B3 (1, 3, 7); Balassa (1965), The Manchester School 33(2).
-- Parameters: ops.run_parameters (home_iso3, first_year, last_year, growth_window).
-- Rows: every (year, level, code) with world trade that year; home exports may be 0.
create or replace table mart.product_competitiveness as
with params as (
    select home_iso3, first_year, last_year, growth_window from ops.run_parameters
),

-- Not materialized: each reader filters and aggregates the flows in its own scan (a
-- materialized CTE would copy every study flow first).
flows as not materialized (
    select f.year, f.exporter_iso3, f.importer_iso3, f.product_code as hs6, f.value_usd
    from staging.stg_trade_flows_study as f, params as p
    where f.year between p.first_year and p.last_year
      and f.hs_level = 6
      and f.freq = 'A'
      and f.reported_by = 'reconciled'
),

-- The one pass over all flows: world imports of each HS6 by importer.
product_importers as (
    select year, hs6, importer_iso3, sum(value_usd) as imports_usd
    from flows
    group by year, hs6, importer_iso3
),

home_flows as (
    select f.year, f.hs6, f.importer_iso3, sum(f.value_usd) as exports_usd
    from flows as f, params as p
    where f.exporter_iso3 = p.home_iso3
    group by f.year, f.hs6, f.importer_iso3
),

products as (
    select distinct hs6 from product_importers
),

product_sectors as (
    select p.hs6, coalesce(s.sector, 'other') as sector
    from products as p
    left join ref.hs_sectors as s using (hs6)
),

-- Each HS6 under the four codes it belongs to.
product_levels as (
    select hs6, 'hs6' as level, hs6 as code from products
    union all
    select hs6, 'hs4' as level, left(hs6, 4) as code from products
    union all
    select hs6, 'hs2' as level, left(hs6, 2) as code from products
    union all
    select hs6, 'sector' as level, sector as code from product_sectors
),

-- World trade of each HS6: one row of product_importers per (year, hs6, importer), so the
-- importers of an HS6 are counted without a distinct.
hs6_world as (
    select
        i.year,
        i.hs6,
        sum(i.imports_usd) as world_exports_usd,
        coalesce(sum(i.imports_usd) filter (where i.importer_iso3 = p.home_iso3), 0)
            as home_imports_usd,
        count(*) filter (where i.importer_iso3 <> p.home_iso3 and i.imports_usd > 0)
            as markets_importing
    from product_importers as i
    cross join params as p
    group by i.year, i.hs6
),

-- The markets importing a coarser code: distinct (year, code, importer) with imports of
-- one of its HS6 (HS2 from the HS4 rows, which hold the same importers).
hs4_markets as (
    select distinct i.year, left(i.hs6, 4) as code, i.importer_iso3
    from product_importers as i, params as p
    where i.importer_iso3 <> p.home_iso3 and i.imports_usd > 0
),

code_markets as (
    select year, 'hs4' as level, code, count(*) as markets_importing
    from hs4_markets
    group by year, code
    union all
    select year, 'hs2' as level, code, count(*) as markets_importing
    from (select distinct year, left(code, 2) as code, importer_iso3 from hs4_markets)
    group by year, code
    union all
    select year, 'sector' as level, code, count(*) as markets_importing
    from (
        select distinct i.year, s.sector as code, i.importer_iso3
        from product_importers as i
        join product_sectors as s using (hs6)
        cross join params as p
        where i.importer_iso3 <> p.home_iso3 and i.imports_usd > 0
    )
    group by year, code
),

world_by_code as (
    select
        w.year,
        l.level,
        l.code,
        sum(w.world_exports_usd) as world_exports_usd,
        sum(w.home_imports_usd) as home_imports_usd,
        case when l.level = 'hs6' then any_value(w.markets_importing)
             else coalesce(any_value(m.markets_importing), 0) end as markets_importing
    from hs6_world as w
    join product_levels as l using (hs6)
    left join code_markets as m
      on m.year = w.year and m.level = l.level and m.code = l.code
    group by w.year, l.level, l.code
),

home_by_code as (
    select
        h.year,
        l.level,
        l.code,
        sum(h.exports_usd) as home_exports_usd,
        count(distinct h.importer_iso3) filter (where h.exports_usd > 0) as markets_served
    from home_flows as h
    join product_levels as l using (hs6)
    group by h.year, l.level, l.code
),

world_total as (
    select year, sum(imports_usd) as world_total_exports_usd
    from product_importers
    group by year
),

home_total as (
    select year, sum(exports_usd) as home_total_exports_usd
    from home_flows
    group by year
),

indicators as (
    select
        w.year,
        w.level,
        w.code,
        coalesce(h.home_exports_usd, 0)                           as home_exports_usd,
        w.home_imports_usd,
        w.world_exports_usd,
        coalesce(ht.home_total_exports_usd, 0)                    as home_total_exports_usd,
        wt.world_total_exports_usd,
        coalesce(h.markets_served, 0)                             as markets_served,
        w.markets_importing,
        case when w.year - p.growth_window >= p.first_year
             then w.year - p.growth_window end                    as window_start_year
    from world_by_code as w
    cross join params as p
    join world_total as wt using (year)
    left join home_by_code as h using (year, level, code)
    left join home_total as ht using (year)
),

ratios as (
    select
        *,
        home_exports_usd / nullif(world_exports_usd, 0)           as world_market_share,
        (home_exports_usd / nullif(home_total_exports_usd, 0))
            / nullif(world_exports_usd / nullif(world_total_exports_usd, 0), 0)
                                                                  as rca,
        (home_exports_usd - home_imports_usd)
            / nullif(home_exports_usd + home_imports_usd, 0)      as trade_balance_index,
        markets_served / nullif(markets_importing, 0)             as market_penetration
    from indicators
),

growth as (
    select
        c.*,
        100 * (c.world_market_share - prev.world_market_share)   as world_market_share_change_pts,
        case when s.home_exports_usd > 0 and c.home_exports_usd > 0
             then (c.home_exports_usd / s.home_exports_usd) ** (1 / p.growth_window) - 1
        end                                                       as home_exports_cagr,
        case when s.world_exports_usd > 0 and c.world_exports_usd > 0
             then (c.world_exports_usd / s.world_exports_usd) ** (1 / p.growth_window) - 1
        end                                                       as world_demand_cagr,
        case when st.world_total_exports_usd > 0 and c.world_total_exports_usd > 0
             then (c.world_total_exports_usd / st.world_total_exports_usd)
                  ** (1 / p.growth_window) - 1
        end                                                       as world_total_cagr
    from ratios as c
    cross join params as p
    left join ratios as prev
      on prev.level = c.level and prev.code = c.code and prev.year = c.year - 1
    left join ratios as s
      on s.level = c.level and s.code = c.code and s.year = c.window_start_year
    left join world_total as st
      on st.year = c.window_start_year
),

hs_descriptions as (
    select 'hs' || level as level, hs_code as code, any_value(description) as description
    from ref.hs_nomenclature
    where level in (2, 4, 6)
    group by level, hs_code
),

-- HS6 codes the nomenclature lacks keep BACI's own label (as mart.home_rca_hs6 does).
baci_descriptions as (
    select hs6 as code, description from staging.stg_product_labels
),

sector_names as (
    select sector as code, any_value(sector_name_en) as name_en,
           any_value(sector_name_fr) as name_fr
    from ref.hs_sectors
    group by sector
),

final as (
    select
        g.year,
        g.level,
        g.code,
        case when g.level = 'sector'
             then coalesce(sn.name_en, case when g.code = 'other' then 'Other industries' end)
             else coalesce(d.description, bd.description)
        end                                                       as description,
        case when g.level = 'sector'
             then coalesce(sn.name_fr, case when g.code = 'other' then 'Autres industries' end)
             else coalesce(d.description, bd.description)
        end                                                       as description_fr,
        ps.sector,
        g.home_exports_usd,
        g.home_imports_usd,
        g.world_exports_usd,
        g.home_total_exports_usd,
        g.world_total_exports_usd,
        g.world_market_share,
        g.world_market_share_change_pts,
        g.rca,
        (g.rca - 1) / (g.rca + 1)                                 as rsca,
        g.trade_balance_index,
        g.markets_served,
        g.markets_importing,
        g.market_penetration,
        g.window_start_year,
        g.home_exports_cagr,
        g.world_demand_cagr,
        g.world_total_cagr,
        case
            when g.home_exports_cagr is null
              or g.world_demand_cagr is null
              or g.world_total_cagr is null then null
            when g.world_demand_cagr > g.world_total_cagr
             and g.home_exports_cagr > g.world_demand_cagr then 'champion'
            when g.world_demand_cagr > g.world_total_cagr then 'losing_ground'
            when g.home_exports_cagr > g.world_demand_cagr then 'declining_winner'
            else 'declining_loser'
        end                                                       as quadrant
    from growth as g
    left join hs_descriptions as d on d.level = g.level and d.code = g.code
    left join baci_descriptions as bd on g.level = 'hs6' and bd.code = g.code
    left join sector_names as sn on g.level = 'sector' and sn.code = g.code
    left join product_sectors as ps on g.level = 'hs6' and ps.hs6 = g.code
)

select * from final
order by year, level, code
