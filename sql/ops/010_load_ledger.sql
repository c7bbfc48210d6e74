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

-- Added with the partition rule (observatory/warehouse/partitions.py):
--   seq: the order batches were started in (wall clocks can step back);
--   rows_live: rows of the batch still in core (a later batch may replace its partitions;
--     with nothing left the batch is 'replaced');
--   published_run: the run whose publication marked it 'published' (a run killed before
--     its publication swapped the file is undone at the next start).
-- status: loading -> loaded -> validated -> merged -> published; or rejected (the gate),
--   refused (the partition rule), failed (unreadable), replaced (a later batch replaced all
--   its rows).
alter table ops.load_ledger add column if not exists seq bigint;
alter table ops.load_ledger add column if not exists rows_live bigint;
alter table ops.load_ledger add column if not exists published_run varchar;
--   input_key: the input a batch was read from (a file name; for BACI the archive and its
--     year file), so that a file changed back to an earlier version is read again.
alter table ops.load_ledger add column if not exists input_key varchar;

-- What each merged (or refused) batch did to the partitions it replaces: rows before and
-- after, replaced (same key), added, deleted, and the partition's partners before and after.
create table if not exists ops.partition_changes (
    batch_id        varchar not null,
    run_id          varchar not null,
    table_name      varchar not null,
    partition_name  varchar not null,
    rows_before     bigint not null,
    rows_after      bigint not null,
    rows_replaced   bigint not null,
    rows_added      bigint not null,
    rows_deleted    bigint not null,
    partners_before bigint not null,
    partners_after  bigint not null,
    outcome         varchar not null,
    recorded_at     timestamp not null
);
