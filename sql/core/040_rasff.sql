-- EU RASFF notifications with history: a notification whose content changes in a later
-- export gets a new version; the old one is kept with is_current = false.
create table if not exists core.rasff_notifications (
    reference         varchar not null,
    version           integer not null,
    is_current        boolean not null,
    content_hash      varchar not null,
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
    for_follow_up     varchar[],
    source            varchar not null,
    release           varchar not null,
    batch_id          varchar not null
);

-- The countries of origin of each notification (a notification can name several). A
-- notification is attributed to a country exactly when it is among these origins.
create table if not exists core.rasff_origins (
    reference   varchar not null,
    origin_name varchar not null,
    origin_iso3 varchar,
    batch_id    varchar not null
);

-- HS prefixes a notification is mapped to (RASFF carries no HS codes): by subject keyword
-- or product category, with the mapping's confidence and the rule that matched.
create table if not exists core.rasff_hs (
    reference  varchar not null,
    hs_prefix  varchar not null,
    confidence varchar not null,
    rule       varchar not null,
    batch_id   varchar not null
);
