-- A feed read replaces its items (by feed and item id) and their HS matches in core
-- (observatory/sources/feeds/source.py). Parameters: $batch_id.

-- name: delete_items
-- {table}: feed_items or feed_item_hs
delete from core.{table} where (feed, item_id) in (
    select (feed, item_id) from raw.feed_items where batch_id = $batch_id)

-- name: insert_items
insert into core.feed_items by name
select feed, item_id, title, summary, link, published_at, categories, batch_id
from raw.feed_items
where batch_id = $batch_id

-- name: insert_matches
insert into core.feed_item_hs by name
select feed, item_id, hs_prefix, keyword, batch_id
from raw.feed_item_hs
where batch_id = $batch_id

-- name: forget_markets
delete from core.feed_markets

-- name: count_items
select count(*) from raw.feed_items where batch_id = $batch_id
