-- EU RASFF notifications of one export file, normalised by the connector (references
-- repaired, duplicates dropped, lists as arrays), while the batch is in flight.
create table if not exists raw.rasff_notifications (
    batch_id          varchar not null,
    line_number       bigint not null,
    reference         varchar,
    notification_date timestamp,
    year              integer,
    week              integer,
    category          varchar,
    product_type      varchar,
    subject           varchar,
    classification    varchar,
    risk_decision     varchar,
    notifying_country varchar,
    notifying_iso3    varchar,
    hazards           varchar,
    operator          varchar[],
    distribution      varchar[],
    for_attention     varchar[],
    for_follow_up     varchar[]
);

create table if not exists raw.rasff_origins (
    batch_id    varchar not null,
    reference   varchar,
    origin_name varchar,
    origin_iso3 varchar
);

create table if not exists raw.rasff_hs (
    batch_id   varchar not null,
    reference  varchar,
    hs_prefix  varchar,
    confidence varchar,
    rule       varchar
);
