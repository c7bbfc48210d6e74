-- One row per expectation checked on a batch (Great Expectations, or a SQL check).
create table if not exists ops.validation_results (
    batch_id         varchar not null,
    run_id           varchar not null,
    suite            varchar not null,
    expectation      varchar not null,
    column_name      varchar,
    success          boolean not null,
    element_count    bigint,
    unexpected_count bigint,
    sample           varchar,
    checked_at       timestamp not null
);
