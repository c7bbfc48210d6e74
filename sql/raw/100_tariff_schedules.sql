-- Schedules of tariff concessions (AfCFTA e-Tariff Book exports, other agreements' tariff
-- schedules) and rules of origin while a batch is in flight (observatory/sources/afcfta).
-- Cells stay as the file wrote them (`*_text`) beside their typed values (null when they
-- cannot be read, for the gate to reject with the line and field).

-- One row per line of a schedule file.
create table if not exists raw.tariff_schedule_lines (
    batch_id          varchar not null,
    line_number       bigint not null,
    file_kind         varchar not null,   -- afcfta | agreement
    agreement         varchar,
    party_text        varchar,
    party_code        varchar,            -- ISO3, or a customs union (ECOWAS, EAC, SACU, CEMAC, EU)
    party_kind        varchar,            -- country | customs_union
    members           varchar[],          -- the countries that apply the schedule
    beneficiary_text  varchar,
    beneficiary_iso3  varchar,
    hs_text           varchar,
    hs6               varchar,
    hs_revision       varchar,
    national_line     varchar,
    description       varchar,
    category_text     varchar,
    category          varchar,
    base_rate_text    varchar,
    base_rate_pct     double,
    timetable_text    varchar,
    timetable         varchar,            -- ldc | non_ldc
    path_from         varchar,            -- schedule | modalities
    problem_field     varchar,
    problem           varchar,
    record            varchar
);

-- The rate of each year of each line: the file's year columns (`field` its header), or
-- the path derived from the modalities (`field` 'derived').
create table if not exists raw.tariff_schedule_rates (
    batch_id     varchar not null,
    line_number  bigint not null,
    field        varchar not null,
    year         integer not null,
    rate_text    varchar,
    rate_pct     double
);

-- One row per line of a rules-of-origin file.
create table if not exists raw.rules_of_origin (
    batch_id                 varchar not null,
    line_number              bigint not null,
    agreement                varchar,
    hs_text                  varchar,
    hs_code                  varchar,
    hs_level                 integer,
    description              varchar,
    rule_text                varchar,
    rule_kinds               varchar[],
    max_non_originating_pct  double,
    status                   varchar,
    record                   varchar
);
