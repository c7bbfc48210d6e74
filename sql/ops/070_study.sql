-- The study's parameters and markets are the run's: ops.run_parameters, ops.run_markets
-- (050_run_parameters.sql). Warehouses created before keep no copy of their own.
drop table if exists ops.study_parameters;
drop table if exists ops.study_markets;

-- One row per study refresh that changed something: its parameters and input vintages.
create table if not exists ops.study_versions (
    study_id      varchar primary key,
    run_id        varchar not null,
    refreshed_at  timestamp not null,
    fingerprint   varchar not null,
    parameters    varchar not null,
    previous_id   varchar
);

-- The input vintages of each study version: BACI releases, Comtrade publication dates,
-- tariff years, with the rows each contributed.
create table if not exists ops.study_vintages (
    study_id  varchar not null,
    source    varchar not null,
    vintage   varchar not null,
    detail    varchar,
    n_rows    bigint
);
