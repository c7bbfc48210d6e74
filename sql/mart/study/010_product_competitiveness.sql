-- The home country's competitive position in every product the world trades, by year, at
-- four levels: HS6, HS4 (left(hs6, 4)), HS2 (left(hs6, 2)) and sector (ref.hs_sectors; HS6
-- codes it lacks go to sector 'other'). Notation: X_hk home exports of k, M_hk home imports
-- of k, X_h = sum_k X_hk, W_k world exports of k = sum over exporters of their world
-- exports of k, W = sum_k W_k (at the row's level). Values in current USD.
-- Inputs: each (year, level) from the input [inputs] exporter_side chose
-- (staging.stg_exporter_world): reconciled flows (BACI), reporters' World rows, exporters'
-- declarations or mirror data; every row names its input, source and vintage (the
-- release). What only bilateral flows tell (M_hk from flows, markets served and importing,
-- market penetration) is there when the input is reconciled; else M_hk is the home
-- country's own World imports row when it has one, and the market counts are null.
-- Year-on-year changes and growth rates compare years of the same input only (null
-- across a change of input: a share from BACI against one from a World table is no trend).
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

-- The exporter side, from the input [inputs] chose for each year and level
-- (staging.stg_exporter_world: reconciled flows, reporters' World rows, exporters' own
-- declarations or mirror data), each row with its input, source and release. The sector
-- level is built from the HS6 rows.
world_rows as not materialized (
    select w.year, 'hs' || w.hs_level as level, w.product_code as code, w.exporter_iso3,
           w.value_usd, w.input, w.source, w.release
    from staging.stg_exporter_world as w, params as p
    where w.year between p.first_year and p.last_year
),

sector_rows as not materialized (
    select r.year, 'sector' as level, coalesce(s.sector, 'other') as code, r.exporter_iso3,
           r.value_usd, r.input, r.source, r.release
    from world_rows as r
    left join ref.hs_sectors as s on s.hs6 = r.code
    where r.level = 'hs6'
),

exporter_rows as not materialized (
    select * from world_rows
    union all
    select * from sector_rows
),

world_by_code as (
    select
        r.year,
        r.level,
        r.code,
        sum(r.value_usd) as world_exports_usd,
        coalesce(sum(r.value_usd) filter (where r.exporter_iso3 = p.home_iso3), 0)
            as home_exports_usd,
        any_value(r.input) as input,
        any_value(r.source) as source,
        max(r.release) as release
    from exporter_rows as r, params as p
    group by r.year, r.level, r.code
),

world_total as (
    select year, level, sum(world_exports_usd) as world_total_exports_usd,
           sum(home_exports_usd) as home_total_exports_usd
    from world_by_code
    group by year, level
),

-- What only bilateral reconciled flows tell (home imports by product, markets importing
-- and served): for the years and levels whose input is reconciled. Not materialized: each
-- reader filters and aggregates the flows in its own scan.
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

-- One row of product_importers per (year, hs6, importer), so the importers of an HS6 are
-- counted without a distinct.
hs6_bilateral as (
    select
        i.year,
        i.hs6,
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

bilateral_by_code as (
    select
        b.year,
        l.level,
        l.code,
        sum(b.home_imports_usd) as home_imports_usd,
        case when l.level = 'hs6' then any_value(b.markets_importing)
             else coalesce(any_value(m.markets_importing), 0) end as markets_importing
    from hs6_bilateral as b
    join product_levels as l using (hs6)
    left join code_markets as m
      on m.year = b.year and m.level = l.level and m.code = l.code
    group by b.year, l.level, l.code
),

markets_served as (
    select
        h.year,
        l.level,
        l.code,
        count(distinct h.importer_iso3) filter (where h.exports_usd > 0) as markets_served
    from home_flows as h
    join product_levels as l using (hs6)
    group by h.year, l.level, l.code
),

-- Home imports when the input is not reconciled: the home country's own World rows
-- (flow M) at the level, when it reports them.
home_reported_imports as (
    select t.year, 'hs' || t.hs_level as level, t.product_code as code,
           sum(t.value_usd) as home_imports_usd
    from staging.stg_trade_totals_study as t, params as p
    where t.reporter_iso3 = p.home_iso3 and t.flow = 'M' and t.freq = 'A'
      and t.hs_level in (2, 4, 6)
    group by all
),

indicators as (
    select
        w.year,
        w.level,
        w.code,
        w.home_exports_usd,
        case when w.input = 'reconciled' then coalesce(b.home_imports_usd, 0)
             else hi.home_imports_usd end                         as home_imports_usd,
        w.world_exports_usd,
        wt.home_total_exports_usd,
        wt.world_total_exports_usd,
        case when w.input = 'reconciled' then coalesce(ms.markets_served, 0)
        end                                                       as markets_served,
        case when w.input = 'reconciled' then coalesce(b.markets_importing, 0)
        end                                                       as markets_importing,
        case when w.year - p.growth_window >= p.first_year
             then w.year - p.growth_window end                    as window_start_year,
        w.input,
        w.source,
        w.release
    from world_by_code as w
    cross join params as p
    join world_total as wt using (year, level)
    left join bilateral_by_code as b using (year, level, code)
    left join markets_served as ms using (year, level, code)
    left join home_reported_imports as hi using (year, level, code)
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
     and prev.input = c.input
    left join ratios as s
      on s.level = c.level and s.code = c.code and s.year = c.window_start_year
     and s.input = c.input
    left join (select distinct year, level, input, world_total_exports_usd from ratios) as st
      on st.year = c.window_start_year and st.level = c.level and st.input = c.input
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
        case when g.level = 'hs6' then coalesce(hs.sector, 'other') end as sector,
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
        end                                                       as quadrant,
        g.input,
        g.source,
        g.release                                                 as vintage
    from growth as g
    left join hs_descriptions as d on d.level = g.level and d.code = g.code
    left join baci_descriptions as bd on g.level = 'hs6' and bd.code = g.code
    left join sector_names as sn on g.level = 'sector' and sn.code = g.code
    left join ref.hs_sectors as hs on g.level = 'hs6' and hs.hs6 = g.code
)

select * from final
order by year, level, code
