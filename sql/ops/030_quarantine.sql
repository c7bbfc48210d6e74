-- Rejected rows, kept with the reason: file, line (1 = header), field, and the raw record.
create table if not exists ops.quarantine (
    batch_id     varchar not null,
    run_id       varchar not null,
    source       varchar not null,
    file_name    varchar not null,
    line_number  bigint,
    field        varchar not null,
    reason       varchar not null,
    raw_record   varchar,
    quarantined_at timestamp not null
);
