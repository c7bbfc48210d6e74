-- National statistics (observatory/sources/national). The annual table's flows and World
-- rows go through sql/core/merges/reported.sql (observatory.warehouse.merge); here: the
-- years of an annual batch into core.national_years, and a monthly CVS-CJO batch into
-- core.national_series, replacing its (source, reporter, series, year) partitions under
-- the partition rule. Parameters: $source, $release, $batch_id.

-- name: delete_years
delete from core.national_years as y
using (select distinct reporter_iso3, year from staging.stg_national_records
       where batch_id = $batch_id) as b
where y.source = $source and y.reporter_iso3 = b.reporter_iso3 and y.year = b.year

-- name: insert_years
insert into core.national_years by name
select $source as source, $release as release, r.batch_id, r.reporter_iso3, r.year,
       case when bool_or(r.is_partial_year) then 'partial'
            when bool_or(r.is_suspected_partial_year) then 'suspected_partial'
            else 'complete' end as year_status,
       sum(r.value_mad) filter (where r.flow = 'X' and not r.is_component)
           as exports_world_mad,
       sum(r.value_mad) filter (where r.flow = 'M' and not r.is_component)
           as imports_world_mad,
       any_value(r.usd_per_unit) as usd_per_mad
from staging.stg_national_records as r
where r.batch_id = $batch_id
group by r.batch_id, r.reporter_iso3, r.year

-- name: series_partitions
create or replace temp table _series_partitions as
select distinct reporter_iso3, series, year
from staging.stg_national_series where batch_id = $batch_id

-- name: old_series
-- A partition named for people, "MAR total 2024"; its "partners" are the series' columns.
select s.reporter_iso3 || ' ' || s.series || ' ' || s.year as part,
       s.flow || ' ' || coalesce(s.groupement, '') as partner,
       hash(s.flow, s.groupement, s.month) as key, s.batch_id
from core.national_series as s
join _series_partitions as p
  on s.source = $source and s.reporter_iso3 = p.reporter_iso3 and s.series = p.series
 and s.year = p.year

-- name: new_series
select reporter_iso3 || ' ' || series || ' ' || year as part,
       flow || ' ' || coalesce(groupement, '') as partner,
       hash(flow, groupement, month) as key, batch_id
from staging.stg_national_series
where batch_id = $batch_id

-- name: delete_series
delete from core.national_series as s
using _series_partitions as p
where s.source = $source and s.reporter_iso3 = p.reporter_iso3 and s.series = p.series
  and s.year = p.year

-- name: insert_series
insert into core.national_series by name
select $source as source, $release as release, batch_id, reporter_iso3, series, flow,
       groupement, freq, year, month, value_mad, adjusted
from staging.stg_national_series
where batch_id = $batch_id

-- name: count_series
select count(*) from core.national_series where batch_id = $batch_id

-- name: done
drop table _series_partitions
