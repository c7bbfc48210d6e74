-- A batch of a schedule file replaces its (agreement, party) partitions of
-- core.tariff_schedules; a batch of a rules-of-origin file replaces its agreements' rules in
-- core.rules_of_origin (observatory/sources/afcfta/source.py). Parameters: $source,
-- $release, $batch_id, $file_name.

-- name: schedule_partitions
create or replace temp table _schedule_partitions as
select distinct agreement, party_code from raw.tariff_schedule_lines where batch_id = $batch_id

-- name: old_schedules
select t.agreement || ' ' || t.party_code as part, t.beneficiary_iso3 as partner,
       hash(t.beneficiary_iso3, t.national_line, t.year) as key, t.batch_id
from core.tariff_schedules as t
join _schedule_partitions as p using (agreement, party_code)

-- name: new_schedules
select l.agreement || ' ' || l.party_code as part, l.beneficiary_iso3 as partner,
       hash(l.beneficiary_iso3, l.national_line, r.year) as key, l.batch_id
from raw.tariff_schedule_lines as l
join raw.tariff_schedule_rates as r using (batch_id, line_number)
where l.batch_id = $batch_id

-- name: delete_schedules
delete from core.tariff_schedules as t
using _schedule_partitions as p
where t.agreement = p.agreement and t.party_code = p.party_code

-- name: insert_schedules
insert into core.tariff_schedules by name
select $source as source, $release as release, l.batch_id, $file_name as file_name,
       l.agreement, l.party_code, l.party_kind, l.members, l.beneficiary_iso3,
       l.hs_revision, l.hs6, l.national_line, l.description, l.category, l.base_rate_pct,
       l.timetable, l.path_from, r.year, r.rate_pct
from raw.tariff_schedule_lines as l
join raw.tariff_schedule_rates as r using (batch_id, line_number)
where l.batch_id = $batch_id

-- name: count_schedules
select count(*) from core.tariff_schedules where batch_id = $batch_id

-- name: rule_partitions
create or replace temp table _rule_partitions as
select distinct agreement from raw.rules_of_origin where batch_id = $batch_id

-- name: old_rules
select t.agreement as part, null as partner, hash(t.hs_code) as key, t.batch_id
from core.rules_of_origin as t
join _rule_partitions as p using (agreement)

-- name: new_rules
select agreement as part, null as partner, hash(hs_code) as key, batch_id
from raw.rules_of_origin
where batch_id = $batch_id

-- name: delete_rules
delete from core.rules_of_origin as t
using _rule_partitions as p
where t.agreement = p.agreement

-- name: insert_rules
insert into core.rules_of_origin by name
select $source as source, $release as release, batch_id, agreement, hs_code, hs_level,
       description, rule_text, rule_kinds, max_non_originating_pct, status
from raw.rules_of_origin
where batch_id = $batch_id

-- name: count_rules
select count(*) from core.rules_of_origin where batch_id = $batch_id

-- name: done_schedules
drop table if exists _schedule_partitions

-- name: done_rules
drop table if exists _rule_partitions
