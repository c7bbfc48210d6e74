-- Analysts' files (CSV, XLSX, Parquet) as their profile maps them: one row per data line,
-- every field as text, with the file's line number.
create table if not exists raw.file_records (
    batch_id       varchar not null,
    line_number    bigint not null,
    reporter       varchar,
    partner        varchar,
    product        varchar,
    year           varchar,
    month          varchar,
    flow           varchar,
    value          varchar,
    quantity       varchar,
    classification varchar,
    is_breakdown   boolean not null default false
);

-- How to read a batch's fields: the profile's settings for that file. classification ''
-- = the revision in force in each row's year; blank_values: rows whose value was blank,
-- read as "no data" (profile blank_values = "no_data") and not loaded.
create table if not exists raw.file_batches (
    batch_id         varchar primary key,
    profile          varchar not null,
    fixed_reporter   varchar,
    has_partner      boolean not null,
    flow             varchar not null,
    decimal_mark     varchar not null,
    thousands_mark   varchar not null,
    value_multiplier double not null,
    quantity_unit    varchar not null,
    reported_by      varchar not null,
    classification   varchar not null,
    blank_values     bigint not null default 0
);
alter table raw.file_batches add column if not exists blank_values bigint default 0;

-- The batch's country codes mapped to ISO3 (or a non-country label such as S19, or W00 for
-- the World); label null = unknown code.
create table if not exists raw.file_code_map (
    batch_id  varchar not null,
    role      varchar not null,
    raw_code  varchar not null,
    label     varchar,
    is_world  boolean not null
);
