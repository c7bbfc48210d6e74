-- RASFF incidents on the home country's products, and on each watched competitor's, per
-- $100 million of exports to the EU, by product group (the RASFF category) and year.
--   notifications    = current RASFF notifications (core.rasff_notifications.is_current)
--                      naming the origin among their origins (core.rasff_origins), in the
--                      category, in the calendar year of notification_date (the year of
--                      the trade data; not core.rasff_notifications.year, the ISO year,
--                      which can put 29-31 December in the next year and 1-3 January in
--                      the one before); a notification naming two watched origins counts
--                      for both
--   exports_year     = the RASFF year, or last_year when the RASFF year is later (trade
--                      data lag RASFF); a year before first_year has no trade data
--   exports_to_eu_usd = X_o,EU: the origin's exports to the EU27 (ref.countries.eu_member,
--                      the origin itself excluded) in exports_year of the HS6 codes under
--                      the group's HS prefixes; a group's prefixes are every core.rasff_hs
--                      prefix of the group's current notifications, all origins and years
--                      together (one product scope per group, the same every year)
--   per_100m_usd     = notifications / (exports_to_eu_usd / 1e8); null without exports
--   prev_years_avg   = the average of notifications over the years before, from the first
--                      year with current RASFF notifications (years without a notification
--                      count as 0); null for that first year
-- Rows: origin (the home country and ops.run_markets role 'competitor') x product group
-- with a notification on one of these origins x every year from the first to the last year
-- with current RASFF notifications (0 notifications included, so intensities compare).
-- Parameters: ops.run_parameters (home_iso3, first_year, last_year); ops.run_markets.
-- Sources: core.rasff_notifications, core.rasff_origins, core.rasff_hs, ref.countries,
-- reconciled annual HS6 flows of staging.stg_trade_flows_study.
create or replace table mart.rasff_intensity as
with params as (
    select home_iso3, first_year, last_year from ops.run_parameters
),

origins as (
    select home_iso3 as origin_iso3 from params
    union
    select iso3 from ops.run_markets where role = 'competitor'
),

notifications as (
    select reference, category as product_group,
           year(notification_date) as year
    from core.rasff_notifications
    where is_current and category is not null and notification_date is not null
),

attributed as (
    select distinct o.origin_iso3, n.product_group, n.year, n.reference
    from notifications as n
    join core.rasff_origins as r using (reference)
    join origins as o on o.origin_iso3 = r.origin_iso3
),

counts as (
    select origin_iso3, product_group, year, count(*) as notifications
    from attributed
    group by all
),

years as (
    select unnest(range(min(year), max(year) + 1)) as year from notifications
),

groups as (
    select distinct product_group from attributed
),

grid as (
    select o.origin_iso3, g.product_group, y.year,
           case when y.year > p.last_year then p.last_year else y.year end as exports_year
    from origins as o
    cross join groups as g
    cross join years as y
    cross join params as p
),

group_prefixes as (
    select distinct n.product_group, h.hs_prefix
    from notifications as n
    join core.rasff_hs as h using (reference)
    where n.product_group in (select product_group from groups)
),

to_eu as (
    select f.year, f.exporter_iso3 as origin_iso3, f.product_code as hs6,
           sum(f.value_usd) as value_usd
    from staging.stg_trade_flows_study as f
    join origins as o on o.origin_iso3 = f.exporter_iso3
    join ref.countries as c on c.iso3 = f.importer_iso3 and c.eu_member
    cross join params as p
    where f.hs_level = 6 and f.freq = 'A' and f.reported_by = 'reconciled'
      and f.year between p.first_year and p.last_year
      and f.year in (select exports_year from grid)
    group by all
),

-- Each HS6 once per group, however many of its prefixes cover it.
group_hs6 as (
    select distinct g.product_group, e.hs6
    from (select distinct hs6 from to_eu) as e
    join group_prefixes as g on starts_with(e.hs6, g.hs_prefix)
),

group_exports as (
    select e.year, e.origin_iso3, g.product_group, sum(e.value_usd) as exports_to_eu_usd
    from to_eu as e
    join group_hs6 as g using (hs6)
    group by all
),

final as (
    select
        g.origin_iso3,
        g.product_group,
        g.year,
        coalesce(c.notifications, 0)                                  as notifications,
        g.exports_year,
        x.exports_to_eu_usd,
        coalesce(c.notifications, 0) / nullif(x.exports_to_eu_usd / 1e8, 0)
                                                                      as per_100m_usd,
        avg(coalesce(c.notifications, 0)) over (
            partition by g.origin_iso3, g.product_group order by g.year
            rows between unbounded preceding and 1 preceding
        )                                                             as prev_years_avg
    from grid as g
    left join counts as c using (origin_iso3, product_group, year)
    left join group_exports as x
      on x.origin_iso3 = g.origin_iso3 and x.product_group = g.product_group
     and x.year = g.exports_year
)

select * from final
order by origin_iso3, product_group, year
