-- Items of the configured RSS/Atom feeds (official journals, customs notices…). Titles and
-- summaries are plain text as the source wrote them (markup included, as text: renderers
-- escape it). Key (feed, item_id); a later read of the same item replaces it.
create table if not exists core.feed_items (
    feed         varchar not null,
    item_id      varchar not null,
    title        varchar,
    summary      varchar,
    link         varchar,
    published_at timestamp,
    categories   varchar[],
    batch_id     varchar not null
);

-- HS prefixes an item matched through its feed's keyword rules, and the markets each feed
-- concerns (from the configuration).
create table if not exists core.feed_item_hs (
    feed      varchar not null,
    item_id   varchar not null,
    hs_prefix varchar not null,
    keyword   varchar not null,
    batch_id  varchar not null
);

create table if not exists core.feed_markets (
    feed        varchar not null,
    market_iso3 varchar not null
);
