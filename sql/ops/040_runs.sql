-- One row per run, and the publications (ops.run_parameters: 050_run_parameters.sql).
create table if not exists ops.runs (
    run_id      varchar primary key,
    started_at  timestamp not null,
    ended_at    timestamp,
    status      varchar not null,
    summary     varchar
);

-- seq orders publications (1, 2, ...): "the latest" and "older than" mean by seq, never by
-- published_at, which follows the wall clock (it can step back, or repeat).
create table if not exists ops.publications (
    run_id        varchar not null,
    fingerprint   varchar not null,
    published_at  timestamp not null,
    seq           bigint
);

-- Databases created before seq: add it, numbered in insertion order.
alter table ops.publications add column if not exists seq bigint;
update ops.publications as p set seq = numbered.seq
from (
    select rowid as row_id,
           (select coalesce(max(seq), 0) from ops.publications)
               + row_number() over (order by rowid) as seq
    from ops.publications
    where seq is null
) as numbered
where p.rowid = numbered.row_id;
