-- SPS and TBT notifications to the WTO (ePing), with history: a notification whose content
-- changes gets a new version, the old one kept (is_current false). Addenda, corrigenda and
-- revisions are rows of their own, linked by base_symbol to the notification they amend
-- (parent_symbol: the document directly amended); a measure is a base_symbol, so an
-- addendum is never counted as a new measure.
create table if not exists core.notifications (
    source               varchar not null,
    notification_id      bigint not null,
    version              integer not null,
    is_current           boolean not null,
    content_hash         varchar not null,
    symbol               varchar not null,
    base_symbol          varchar not null,
    parent_symbol        varchar,
    revision_kind        varchar,
    revision_number      integer,
    area                 varchar not null,
    notification_type    varchar,
    notifying_member     varchar,
    notifying_iso3       varchar,
    distribution_date    date not null,
    comment_deadline     date,
    entry_into_force     date,
    title                varchar,
    description          varchar,
    products_text        varchar,
    objectives           varchar[],
    keywords             varchar[],
    document_links       varchar[],
    link                 varchar,
    is_open_for_comments boolean,
    release              varchar not null,
    batch_id             varchar not null
);

-- The HS codes a notification names (2, 4 or 6 digits, as notified).
create table if not exists core.notification_products (
    source          varchar not null,
    notification_id bigint not null,
    symbol          varchar,
    hs_code         varchar not null,
    hs_level        integer not null,
    batch_id        varchar not null
);
