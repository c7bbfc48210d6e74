-- The Comtrade ledgers (observatory/sources/comtrade/state.py): every planned request and
-- its status, and the availability fingerprint of every dataset loaded.
create table if not exists ops.comtrade_requests (
    request_id   varchar primary key,
    path         varchar not null,
    url_params   varchar not null,
    status       varchar not null,
    rows         bigint,
    attempted_at timestamp,
    message      varchar,
    parent_id    varchar,
    seq          bigint not null,
    planned_at   timestamp not null
);
create table if not exists ops.comtrade_availability (
    type_code           varchar not null,
    freq                varchar not null,
    classification      varchar not null,
    reporter_code       integer not null,
    period              varchar not null,
    classification_code varchar not null,
    fingerprint         varchar not null,
    publication_date    varchar,
    loaded_at           timestamp not null,
    primary key (type_code, freq, classification, reporter_code, period, classification_code)
);
