-- An ePing batch merges into core.notifications by notification id, with history (a
-- changed notification gets version + 1, the old version kept); its HS codes follow the
-- current version (observatory/sources/eping/source.py). Parameters: $release, $batch_id.

-- name: incoming
create or replace temp table _incoming as
select r.*, md5(concat_ws('|', r.symbol, r.area, r.notifying_member, r.distribution_date,
           r.comment_deadline, r.entry_into_force, r.title, r.description, r.products_text,
           array_to_string(r.hs_codes, ';'), r.is_open_for_comments)) as content_hash,
       c.version as current_version, c.content_hash as current_hash
from raw.eping_notifications as r
left join core.notifications as c
  on c.source = 'eping' and c.notification_id = r.notification_id and c.is_current
where r.batch_id = $batch_id

-- name: retire_changed
update core.notifications as c set is_current = false
from _incoming as i
where c.source = 'eping' and c.notification_id = i.notification_id and c.is_current
  and i.content_hash <> i.current_hash

-- name: insert_versions
insert into core.notifications by name
select 'eping' as source, notification_id, coalesce(current_version, 0) + 1 as version,
       true as is_current, content_hash, symbol, base_symbol, parent_symbol, revision_kind,
       revision_number, area, notification_type, notifying_member, notifying_iso3,
       distribution_date, comment_deadline, entry_into_force, title, description,
       products_text, objectives, keywords, document_links, link, is_open_for_comments,
       $release as release, batch_id
from _incoming
where current_hash is null or content_hash <> current_hash

-- name: delete_products
delete from core.notification_products
where source = 'eping' and notification_id in (
    select notification_id from _incoming
    where current_hash is null or content_hash <> current_hash)

-- name: insert_products
insert into core.notification_products by name
select 'eping' as source, p.notification_id, p.symbol, p.hs_code, p.hs_level, p.batch_id
from raw.eping_notification_products as p
join _incoming as i using (notification_id)
where p.batch_id = $batch_id and (i.current_hash is null or i.content_hash <> i.current_hash)

-- name: counts
select count(*) filter (where current_hash is null),
       count(*) filter (where content_hash <> current_hash)
from _incoming

-- name: done
drop table _incoming
