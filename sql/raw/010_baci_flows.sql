-- CEPII BACI trade flows exactly as the yearly CSV holds them (every field as text), one
-- batch per file, with the file's line number so rejected rows can be cited.
create table if not exists raw.baci_flows (
    batch_id    varchar not null,
    line_number bigint not null,
    t           varchar,
    i           varchar,
    j           varchar,
    k           varchar,
    v           varchar,
    q           varchar
);

-- The archive's own dictionaries, per release, as delivered.
create table if not exists raw.baci_country_codes (
    release       varchar not null,
    country_code  varchar,
    country_name  varchar,
    country_iso2  varchar,
    country_iso3  varchar
);

create table if not exists raw.baci_product_codes (
    release     varchar not null,
    hs_revision varchar not null,
    code        varchar,
    description varchar
);
