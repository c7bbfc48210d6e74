-- A batch of reported flows (an analyst's file, a Comtrade answer) replaces its
-- (reporter, flow, freq, year) partitions of `source` in core.trade_flows (bilateral rows)
-- and core.trade_totals (World rows), apart: a file of bilateral flows must not erase the
-- World totals another file of the same source brought, and vice versa
-- (observatory/warehouse/merge.py). {view}: the batch's staging view (the columns of core
-- plus reporter_iso3, flow, partner_is_world, is_breakdown). Parameters: $source,
-- $release, $batch_id.

-- name: partitions
create or replace temp table _partitions as
select reporter_iso3, flow, freq, year,
       bool_or(not partner_is_world) as has_bilateral,
       bool_or(partner_is_world) as has_world
from {view} where batch_id = $batch_id and not is_breakdown
group by all

-- name: old_flows
-- A partition named for people, "ESP M A 2021"; the partner is the country at the other end
-- from the reporter.
select p.reporter_iso3 || ' ' || p.flow || ' ' || p.freq || ' ' || p.year as part,
       case when p.flow = 'X' then f.importer_iso3 else f.exporter_iso3 end as partner,
       hash(case when p.flow = 'X' then f.importer_iso3 else f.exporter_iso3 end,
            f.classification, f.product_code, f.month) as key, f.batch_id
from core.trade_flows as f
join _partitions as p
  on p.has_bilateral and f.source = $source and f.freq = p.freq and f.year = p.year
 and ((p.flow = 'X' and f.exporter_iso3 = p.reporter_iso3
       and f.reported_by in ('exporter', 'reconciled'))
   or (p.flow = 'M' and f.importer_iso3 = p.reporter_iso3 and f.reported_by = 'importer'))

-- name: new_flows
select s.reporter_iso3 || ' ' || s.flow || ' ' || s.freq || ' ' || s.year as part,
       s.partner_iso3 as partner,
       hash(s.partner_iso3, s.classification, s.product_code, s.month) as key, s.batch_id
from {view} as s
where s.batch_id = $batch_id and not s.is_breakdown and not s.partner_is_world

-- name: old_totals
select p.reporter_iso3 || ' ' || p.flow || ' ' || p.freq || ' ' || p.year || ' World'
           as part,
       null as partner, hash(t.classification, t.product_code, t.month) as key, t.batch_id
from core.trade_totals as t
join _partitions as p
  on p.has_world and t.source = $source and t.reporter_iso3 = p.reporter_iso3
 and t.flow = p.flow and t.freq = p.freq and t.year = p.year

-- name: new_totals
select s.reporter_iso3 || ' ' || s.flow || ' ' || s.freq || ' ' || s.year || ' World'
           as part,
       null as partner, hash(s.classification, s.product_code, s.month) as key, s.batch_id
from {view} as s
where s.batch_id = $batch_id and not s.is_breakdown and s.partner_is_world

-- name: delete_flows
delete from core.trade_flows as f
using _partitions as p
where f.source = $source and p.has_bilateral and f.freq = p.freq and f.year = p.year
  and ((p.flow = 'X' and f.exporter_iso3 = p.reporter_iso3
        and f.reported_by in ('exporter', 'reconciled'))
    or (p.flow = 'M' and f.importer_iso3 = p.reporter_iso3 and f.reported_by = 'importer'))

-- name: delete_totals
delete from core.trade_totals as t
using _partitions as p
where t.source = $source and p.has_world and t.reporter_iso3 = p.reporter_iso3
  and t.flow = p.flow and t.freq = p.freq and t.year = p.year

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
