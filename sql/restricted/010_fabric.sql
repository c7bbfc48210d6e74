-- The restricted database of the exporter fabric (`[fabric] restricted_db`): firm-level
-- rows live here and nowhere else. It is attached to the run's connection as `{db}` only
-- while the exporter source and the fabric refresh run, and detached before publication.
create schema if not exists {db}.raw;
create schema if not exists {db}.core;
create schema if not exists {db}.ops;

-- Files as read (text), while their batch is in flight.
create table if not exists {db}.raw.fabric_export_lines (
    batch_id varchar not null, line_number bigint not null,
    exporter_id varchar, period varchar, product_code varchar, destination varchar,
    value_national varchar, net_mass_kg varchar
);
create table if not exists {db}.raw.fabric_registry_lines (
    batch_id varchar not null, line_number bigint not null,
    exporter_id varchar, legal_form varchar, region varchar, province varchar,
    sector varchar, size_class varchar, creation_year varchar
);
create table if not exists {db}.raw.fabric_program_lines (
    batch_id varchar not null, line_number bigint not null,
    exporter_id varchar, application_date varchar, status varchar, cohort varchar,
    support_kind varchar, support_amount varchar
);

-- Exporter-level exports: one row per exporter, period, national product and destination.
create table if not exists {db}.core.fabric_exports (
    exporter_id      varchar not null,
    year             integer not null,
    month            tinyint,
    product_code     varchar not null,   -- the national 10-digit code
    hs6              varchar not null,   -- its first six digits
    destination_iso3 varchar not null,
    value_national   double not null,
    currency         varchar not null,
    usd_per_unit     double not null,
    rate_from        varchar not null,   -- 'M' month, 'A' year (ref.exchange_rates), 'fallback'
    value_usd        double not null,
    net_mass_kg      double,
    batch_id         varchar not null
);
create table if not exists {db}.core.fabric_registry (
    exporter_id   varchar primary key,
    legal_form    varchar not null,
    region        varchar,
    province      varchar,
    sector        varchar,
    size_class    varchar,
    creation_year integer,
    batch_id      varchar not null
);
create table if not exists {db}.core.fabric_program (
    exporter_id      varchar not null,
    cohort           integer not null,
    application_date date,
    status           varchar not null,   -- applicant, beneficiary, rejected, withdrawn
    support_kind     varchar,
    support_amount   double,
    batch_id         varchar not null,
    primary key (exporter_id, cohort)
);

-- Failing rows with their raw record (the published ops.quarantine keeps only file, line,
-- field and a reason without values).
create table if not exists {db}.ops.fabric_quarantine (
    batch_id       varchar not null,
    run_id         varchar not null,
    file_name      varchar not null,
    line_number    bigint,
    field          varchar,
    reason         varchar,
    raw_record     varchar,
    quarantined_at timestamp not null
);
