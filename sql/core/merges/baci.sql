-- A BACI year replaces the (source, year) partition of core.trade_flows
-- (observatory/sources/baci/source.py). Parameters: $source, $year, $release,
-- $hs_revision, $batch_id.

-- name: old_rows
-- The year's rows in core, for the partition rule: partner = the exporter, key = the flow.
select 'year ' || year as part, exporter_iso3 as partner,
       hash(exporter_iso3, importer_iso3, classification, product_code) as key, batch_id
from core.trade_flows
where source = $source and year = $year

-- name: new_rows
select 'year ' || $year as part, exporter_iso3 as partner,
       hash(exporter_iso3, importer_iso3, $hs_revision::varchar, hs6) as key, batch_id
from staging.stg_baci_flows
where batch_id = $batch_id

-- name: delete_year
delete from core.trade_flows where source = $source and year = $year

-- name: insert_year
insert into core.trade_flows by name
select $source as source, $release as release, batch_id, 'reconciled' as reported_by,
       $hs_revision as classification, 6 as hs_level, hs6 as product_code, 'A' as freq,
       year, null as month, exporter_iso3, importer_iso3, value_usd, quantity_t
from staging.stg_baci_flows
where batch_id = $batch_id

-- name: count_year
select count(*) from core.trade_flows where source = $source and year = $year
