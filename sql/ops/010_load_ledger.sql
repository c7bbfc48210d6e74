-- One row per batch (one source file): what was read, loaded and rejected, and its outcome.
-- status: loaded (in raw) -> rejected (failed the gate) | merged (in core) -> published.
create table if not exists ops.load_ledger (
    batch_id        varchar primary key,
    run_id          varchar not null,
    source          varchar not null,
    release         varchar,
    period          varchar,
    file_name       varchar not null,
    file_path       varchar,
    file_sha256     varchar not null,
    file_fingerprint varchar not null,
    parameters      varchar,
    rows_read       bigint,
    rows_loaded     bigint,
    rows_rejected   bigint,
    started_at      timestamp not null,
    ended_at        timestamp,
    status          varchar not null,
    is_synthetic    boolean not null default false,
    message         varchar
);
