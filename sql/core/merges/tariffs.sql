-- A batch of tariff rows replaces its (source, importer, year) partitions of core.tariffs
-- (observatory/sources/wits/source.py). Parameters: $source, $release, $batch_id.

-- name: partitions
create or replace temp table _tariff_partitions as
select distinct importer_iso3, year from raw.tariff_records where batch_id = $batch_id

-- name: old_rows
select t.importer_iso3 || ' ' || t.year as part, t.partner_iso3 as partner,
       hash(t.partner_iso3, t.regime, t.classification, t.product_code) as key, t.batch_id
from core.tariffs as t
join _tariff_partitions as p
  on t.source = $source and t.importer_iso3 = p.importer_iso3 and t.year = p.year

-- name: new_rows
select importer_iso3 || ' ' || year as part, partner_iso3 as partner,
       hash(partner_iso3, regime, classification, product_code) as key, batch_id
from raw.tariff_records
where batch_id = $batch_id

-- name: delete_partitions
delete from core.tariffs as t
using _tariff_partitions as p
where t.source = $source and t.importer_iso3 = p.importer_iso3 and t.year = p.year

-- name: insert_rows
insert into core.tariffs by name
select $source as source, $release as release, batch_id, importer_iso3, partner_iso3,
       regime, year, classification, hs_level, product_code, ad_valorem_pct,
       coalesce(is_ad_valorem, true) as is_ad_valorem, duty_text, tariff_lines
from raw.tariff_records
where batch_id = $batch_id

-- name: count_rows
select count(*) from core.tariffs where batch_id = $batch_id

-- name: done
drop table _tariff_partitions
