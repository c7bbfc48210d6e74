-- A batch of reported flows (an analyst's file, a Comtrade answer) replaces its
-- (reporter, flow, freq, year) partitions of `source` in core.trade_flows (bilateral rows)
-- and core.trade_totals (World rows), apart: a file of bilateral flows must not erase the
-- World totals another file of the same source brought, and vice versa
-- (observatory/warehouse/merge.py). Reconciled rows have no reporting side: they belong to the
-- exporter's X partition and to the importer's M partition of their source. {view}: the batch's staging view (the columns of core
-- plus reporter_iso3, flow, partner_is_world, is_breakdown). Parameters: $source,
-- $release, $batch_id; $by_month and $by_product make the partitions finer: one month of a
-- monthly file (a Comext bulk file holds one month), one product of an answer to a query that
-- names its products (a Comext API answer).

-- name: partitions
create or replace temp table _partitions as
select reporter_iso3, flow, freq, year,
       -- 0 and '': the whole year, every product
       case when $by_month then coalesce(month, 0) else 0 end as month_key,
       case when $by_product then classification || ' ' || product_code else '' end
           as product_key,
       case when $by_month and month is not null then '-' || lpad(month::varchar, 2, '0')
            else '' end
       || case when $by_product then ' ' || classification || ' ' || product_code else '' end
           as suffix,
       bool_or(not partner_is_world) as has_bilateral,
       bool_or(partner_is_world) as has_world
from {view} where batch_id = $batch_id and not is_breakdown
group by all

-- name: old_flows
-- A partition named for people, "ESP M A 2021" (finer: "ESP M M 2024-03", "ESP M M 2024-03
-- HS22 32121000"); the partner is the country at the other end from the reporter. The
-- reporter is the exporter of its X partitions and the importer of its M partitions: one
-- side each, joined on equal keys (a join on "X and exporter = reporter, or M and importer
-- = reporter" would compare every row of a year with every partition of that year).
with sides as (
    select 'X' as flow, exporter_iso3 as reporter_iso3, importer_iso3 as partner, freq, year,
           month, classification, product_code, batch_id
    from core.trade_flows
    where source = $source and reported_by in ('exporter', 'reconciled')
    union all
    select 'M', importer_iso3, exporter_iso3, freq, year, month, classification, product_code,
           batch_id
    from core.trade_flows
    where source = $source and reported_by in ('importer', 'reconciled')
)
select p.reporter_iso3 || ' ' || p.flow || ' ' || p.freq || ' ' || p.year || p.suffix as part,
       f.partner, hash(f.partner, f.classification, f.product_code, f.month) as key, f.batch_id
from sides as f
join _partitions as p
  on p.has_bilateral and f.reporter_iso3 = p.reporter_iso3 and f.flow = p.flow
 and f.freq = p.freq and f.year = p.year
 and (case when $by_month then coalesce(f.month, 0) else 0 end) = p.month_key
 and (case when $by_product then f.classification || ' ' || f.product_code else '' end)
     = p.product_key

-- name: new_flows
select s.reporter_iso3 || ' ' || s.flow || ' ' || s.freq || ' ' || s.year
       || case when $by_month and s.month is not null
               then '-' || lpad(s.month::varchar, 2, '0') else '' end
       || case when $by_product then ' ' || s.classification || ' ' || s.product_code
               else '' end as part,
       s.partner_iso3 as partner,
       hash(s.partner_iso3, s.classification, s.product_code, s.month) as key, s.batch_id
from {view} as s
where s.batch_id = $batch_id and not s.is_breakdown and not s.partner_is_world

-- name: old_totals
select p.reporter_iso3 || ' ' || p.flow || ' ' || p.freq || ' ' || p.year || p.suffix
           || ' World' as part,
       null as partner, hash(t.classification, t.product_code, t.month) as key, t.batch_id
from core.trade_totals as t
join _partitions as p
  on p.has_world and t.source = $source and t.reporter_iso3 = p.reporter_iso3
 and t.flow = p.flow and t.freq = p.freq and t.year = p.year
 and (case when $by_month then coalesce(t.month, 0) else 0 end) = p.month_key
 and (case when $by_product then t.classification || ' ' || t.product_code else '' end)
     = p.product_key

-- name: new_totals
select s.reporter_iso3 || ' ' || s.flow || ' ' || s.freq || ' ' || s.year
       || case when $by_month and s.month is not null
               then '-' || lpad(s.month::varchar, 2, '0') else '' end
       || case when $by_product then ' ' || s.classification || ' ' || s.product_code
               else '' end || ' World' as part,
       null as partner, hash(s.classification, s.product_code, s.month) as key, s.batch_id
from {view} as s
where s.batch_id = $batch_id and not s.is_breakdown and s.partner_is_world

-- name: delete_flows
-- The rows old_flows selects, by the same two sides and keys.
delete from core.trade_flows
where rowid in (
    with sides as (
        select rowid as row_id, 'X' as flow, exporter_iso3 as reporter_iso3, freq, year,
               month, classification, product_code
        from core.trade_flows
        where source = $source and reported_by in ('exporter', 'reconciled')
        union all
        select rowid, 'M', importer_iso3, freq, year, month, classification, product_code
        from core.trade_flows
        where source = $source and reported_by in ('importer', 'reconciled')
    )
    select f.row_id
    from sides as f
    join _partitions as p
      on p.has_bilateral and f.reporter_iso3 = p.reporter_iso3 and f.flow = p.flow
     and f.freq = p.freq and f.year = p.year
     and (case when $by_month then coalesce(f.month, 0) else 0 end) = p.month_key
     and (case when $by_product then f.classification || ' ' || f.product_code else '' end)
         = p.product_key
)

-- name: delete_totals
delete from core.trade_totals as t
using _partitions as p
where t.source = $source and p.has_world and t.reporter_iso3 = p.reporter_iso3
  and t.flow = p.flow and t.freq = p.freq and t.year = p.year
  and (case when $by_month then coalesce(t.month, 0) else 0 end) = p.month_key
  and (case when $by_product then t.classification || ' ' || t.product_code else '' end)
      = p.product_key

-- name: insert_flows
insert into core.trade_flows by name
select $source as source, $release as release, batch_id, reported_by, classification,
       hs_level, product_code, freq, year, month, exporter_iso3, importer_iso3, value_usd,
       quantity_t
from {view}
where batch_id = $batch_id and not is_breakdown and not partner_is_world

-- name: insert_totals
insert into core.trade_totals by name
select $source as source, $release as release, batch_id, reporter_iso3, flow,
       classification, hs_level, product_code, freq, year, month, value_usd, quantity_t
from {view}
where batch_id = $batch_id and not is_breakdown and partner_is_world

-- name: counts
select (select count(*) from core.trade_flows where batch_id = $batch_id),
       (select count(*) from core.trade_totals where batch_id = $batch_id)

-- name: done
drop table _partitions
