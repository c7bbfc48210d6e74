-- WTO ePing notifications of one fetch window, normalised by the connector (plain text,
-- symbols parsed, HS codes repaired), while the batch is in flight.
create table if not exists raw.eping_notifications (
    batch_id             varchar not null,
    line_number          bigint not null,
    notification_id      bigint,
    symbol               varchar,
    base_symbol          varchar,
    parent_symbol        varchar,
    revision_kind        varchar,
    revision_number      integer,
    area                 varchar,
    notification_type    varchar,
    notifying_member     varchar,
    notifying_iso3       varchar,
    distribution_date    date,
    comment_deadline     date,
    entry_into_force     date,
    title                varchar,
    description          varchar,
    products_text        varchar,
    hs_codes             varchar[],
    objectives           varchar[],
    keywords             varchar[],
    document_links       varchar[],
    link                 varchar,
    is_open_for_comments boolean
);

create table if not exists raw.eping_notification_products (
    batch_id        varchar not null,
    notification_id bigint,
    symbol          varchar,
    hs_code         varchar,
    hs_level        integer
);
