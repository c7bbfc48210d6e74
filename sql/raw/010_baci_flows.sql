-- CEPII BACI trade flows with BACI's own columns and codes (t, i, j: BACI numeric codes; k as
-- written, leading zeros lost; v in thousands of USD; q in tons, NA as null), one batch per
-- file, with the file's line number so rejected rows can be cited. A value that is not a
-- number stops the load with the line and column named.
create table if not exists raw.baci_flows (
    batch_id    varchar not null,
    line_number bigint not null,
    t           integer,
    i           integer,
    j           integer,
    k           varchar,
    v           double,
    q           double
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
