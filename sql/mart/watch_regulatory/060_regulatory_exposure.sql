-- What the rules coming in each priority market put at stake for the home country's
-- exporters: every current ePing notification (SPS/TBT) from a priority market, and the EU's
-- (notifying_iso3 'EUR', the ePing connector's code for the European Union) for every
-- EU-member priority market (ref.countries.eu_member), one row per HS code notified; and
-- every CBAM (Regulation (EU) 2023/956) and EUDR (Regulation (EU) 2023/1115) scope HS6
-- (ref.hs_nomenclature flags) the home country exports to an EU-member priority market.
--   days_left        = comment_deadline - as_of (days; null without a deadline)
--   is_open          = days_left >= 0 (false without a deadline, and for scopes)
--   home_exports_usd = X_hjk summed over the HS6 codes k under hs_code (the code a prefix
--                      of k; a national line longer than six digits counts its HS6), home
--                      country h -> market j, last study year
--   home_share_of_market_exports = home_exports_usd / X_hj (h's exports of every HS6 to j
--                      that year); 0 when X_hj = 0
--   is_top_product   = an HS6 under hs_code is among h's `top_products` largest exports to
--                      j in the last year (ties broken by HS6 code)
--   priority_score   = 100 * [is_open and days_left <= deadline_days] +
--                      log10(1 + home_exports_usd)
--   priority_rank    = 1, 2, ... by priority_score descending, then days_left ascending
--                      (nulls last), distribution_date descending, source, notification_id,
--                      market, hs_code: open notifications due within deadline_days come
--                      first (their 100 points outweigh any value at stake, whose log10 stays
--                      far below 100), then every other row by value at stake. One ranking
--                      across all markets.
-- Addenda and corrigenda are notifications of their own (core.notifications.base_symbol
-- links them to the measure). Notifications without HS codes are kept with hs_code null and
-- zero exposure. Scope rows
-- have no notification_id, dates, deadline or batch_id; symbol is the regulation's number
-- and area 'CBAM' or 'EUDR'.
-- Parameters: ops.run_parameters (home_iso3, last_year, as_of, watch_top_products,
-- deadline_days); ops.run_markets (role 'priority').
-- Sources: core.notifications (is_current), core.notification_products, ref.countries,
-- ref.hs_nomenclature, reconciled annual HS6 flows of staging.stg_trade_flows_study.
create or replace table mart.regulatory_exposure as
with params as (
    select home_iso3, last_year, as_of, watch_top_products as top_products, deadline_days
    from ops.run_parameters
),

markets as (
    select distinct m.iso3 as market_iso3, coalesce(c.eu_member, false) as eu_member
    from ops.run_markets as m
    cross join params as p
    left join ref.countries as c on c.iso3 = m.iso3
    where m.role = 'priority' and m.iso3 <> p.home_iso3
),

home_exports as (
    select f.importer_iso3 as market_iso3, f.product_code as hs6,
           sum(f.value_usd) as exports_usd
    from staging.stg_trade_flows_study as f
    join markets as m on m.market_iso3 = f.importer_iso3
    cross join params as p
    where f.exporter_iso3 = p.home_iso3 and f.year = p.last_year
      and f.hs_level = 6 and f.freq = 'A' and f.reported_by = 'reconciled'
    group by all
    having sum(f.value_usd) > 0
),

home_ranked as (
    select e.*,
           row_number() over (partition by e.market_iso3 order by e.exports_usd desc, e.hs6)
               <= p.top_products as is_top
    from home_exports as e, params as p
),

home_totals as (
    select market_iso3, sum(exports_usd) as total_usd from home_exports group by market_iso3
),

notifications as (
    select n.source, n.notification_id, n.symbol, n.area, n.title, n.link,
           n.distribution_date, n.comment_deadline, n.batch_id, m.market_iso3
    from core.notifications as n
    join markets as m
      on m.market_iso3 = n.notifying_iso3 or (n.notifying_iso3 = 'EUR' and m.eu_member)
    where n.is_current
),

products as (
    select distinct source, notification_id, hs_code, hs_level
    from core.notification_products
),

notified as (
    select n.*, pr.hs_code, pr.hs_level
    from notifications as n
    left join products as pr using (source, notification_id)
),

notified_exposure as (
    select n.source, n.notification_id, n.market_iso3, n.hs_code,
           sum(h.exports_usd) as home_exports_usd, bool_or(h.is_top) as is_top_product
    from notified as n
    join home_ranked as h
      on h.market_iso3 = n.market_iso3
     and (starts_with(h.hs6, n.hs_code) or starts_with(n.hs_code, h.hs6))
    group by all
),

eping_rows as (
    select
        'eping' as source, n.notification_id, n.symbol, n.area, n.title, n.link,
        n.distribution_date, n.comment_deadline, n.market_iso3, n.hs_code, n.hs_level,
        coalesce(e.home_exports_usd, 0) as home_exports_usd,
        coalesce(e.is_top_product, false) as is_top_product,
        n.batch_id
    from notified as n
    left join notified_exposure as e
      on e.source = n.source and e.notification_id = n.notification_id
     and e.market_iso3 = n.market_iso3 and e.hs_code = n.hs_code
),

scopes as (
    select 'cbam' as source, 'Regulation (EU) 2023/956' as symbol, 'CBAM' as area,
           'Carbon Border Adjustment Mechanism (CBAM)' as title,
           'https://eur-lex.europa.eu/eli/reg/2023/956/oj' as link, hs_code as hs6
    from ref.hs_nomenclature where level = 6 and cbam
    union all
    select 'eudr' as source, 'Regulation (EU) 2023/1115' as symbol, 'EUDR' as area,
           'EU Deforestation Regulation (EUDR)' as title,
           'https://eur-lex.europa.eu/eli/reg/2023/1115/oj' as link, hs_code as hs6
    from ref.hs_nomenclature where level = 6 and eudr
),

scope_rows as (
    select
        s.source, cast(null as bigint) as notification_id, s.symbol, s.area, s.title,
        s.link, cast(null as date) as distribution_date, cast(null as date) as comment_deadline,
        h.market_iso3, s.hs6 as hs_code, 6 as hs_level, h.exports_usd as home_exports_usd,
        h.is_top as is_top_product, cast(null as varchar) as batch_id
    from scopes as s
    join home_ranked as h on h.hs6 = s.hs6
    join markets as m on m.market_iso3 = h.market_iso3 and m.eu_member
),

all_rows as (
    select * from eping_rows
    union all by name
    select * from scope_rows
),

scored as (
    select
        a.*,
        datediff('day', p.as_of, a.comment_deadline) as days_left,
        coalesce(days_left >= 0, false) as is_open,
        100 * cast(is_open and days_left <= p.deadline_days as integer)
            + log10(1 + a.home_exports_usd) as priority_score,
        coalesce(a.home_exports_usd / nullif(t.total_usd, 0), 0) as home_share_of_market_exports
    from all_rows as a
    cross join params as p
    left join home_totals as t using (market_iso3)
),

final as (
    select
        source,
        notification_id,
        symbol,
        area,
        title,
        link,
        distribution_date,
        comment_deadline,
        days_left,
        is_open,
        market_iso3,
        hs_code,
        hs_level,
        home_exports_usd,
        home_share_of_market_exports,
        is_top_product,
        priority_score,
        cast(row_number() over (
            order by priority_score desc, days_left nulls last,
                     distribution_date desc nulls last, source, notification_id,
                     market_iso3, hs_code
        ) as integer) as priority_rank,
        batch_id
    from scored
)

select * from final
order by priority_rank
