-- A RASFF export merges into core.rasff_notifications by reference, with history: a
-- changed notification gets version + 1 and the previous version is kept (is_current
-- false); an unchanged one is left as it is. Its origins and HS prefixes follow the
-- current version (observatory/sources/rasff/source.py). Parameters: $release, $batch_id.

-- name: incoming
create or replace temp table _incoming as
select r.*, md5(concat_ws('|', r.notification_date, r.category, r.product_type, r.subject,
           r.classification, r.risk_decision, r.notifying_country, r.hazards,
           array_to_string(r.operator, ';'), array_to_string(r.distribution, ';')))
           as content_hash,
       c.version as current_version, c.content_hash as current_hash
from raw.rasff_notifications as r
left join core.rasff_notifications as c on c.reference = r.reference and c.is_current
where r.batch_id = $batch_id

-- name: retire_changed
update core.rasff_notifications as c set is_current = false
from _incoming as i
where c.reference = i.reference and c.is_current and i.content_hash <> i.current_hash

-- name: insert_versions
insert into core.rasff_notifications by name
select reference, coalesce(current_version, 0) + 1 as version, true as is_current,
       content_hash, notification_date, year, week, category, product_type, subject,
       classification, risk_decision, notifying_country, notifying_iso3, hazards, operator,
       distribution, for_attention, for_follow_up, 'rasff' as source, $release as release,
       batch_id
from _incoming
where current_hash is null or content_hash <> current_hash

-- name: delete_links
-- {table}: rasff_origins or rasff_hs
delete from core.{table} where reference in (
    select reference from _incoming
    where current_hash is null or content_hash <> current_hash)

-- name: insert_links
insert into core.{table} by name
select t.* from raw.{table} as t
join _incoming as i using (reference)
where t.batch_id = $batch_id and (i.current_hash is null or i.content_hash <> i.current_hash)

-- name: counts
select count(*) filter (where current_hash is null),
       count(*) filter (where content_hash <> current_hash)
from _incoming

-- name: done
drop table _incoming
