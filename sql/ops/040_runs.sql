-- One row per nightly run, and the parameters of the run whose results are published.
create table if not exists ops.runs (
    run_id      varchar primary key,
    started_at  timestamp not null,
    ended_at    timestamp,
    status      varchar not null,
    summary     varchar
);

create table if not exists ops.run_parameters (
    run_id        varchar not null,
    home_iso3     varchar not null,
    first_year    integer not null,
    last_year     integer not null,
    hs_revision   varchar not null,
    rca_threshold double not null,
    started_at    timestamp not null
);

create table if not exists ops.publications (
    run_id        varchar not null,
    fingerprint   varchar not null,
    published_at  timestamp not null
);
