-- Items of one RSS/Atom feed read, and their keyword matches, while the batch is in flight.
create table if not exists raw.feed_items (
    batch_id     varchar not null,
    line_number  bigint not null,
    feed         varchar,
    item_id      varchar,
    title        varchar,
    summary      varchar,
    link         varchar,
    published_at timestamp,
    categories   varchar[]
);

create table if not exists raw.feed_item_hs (
    batch_id  varchar not null,
    feed      varchar,
    item_id   varchar,
    hs_prefix varchar,
    keyword   varchar
);
