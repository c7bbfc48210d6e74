-- The watch's thresholds and date (as_of) are the run's: ops.run_parameters
-- (050_run_parameters.sql). Warehouses created before keep no copy of their own.
drop table if exists ops.watch_parameters;

-- Alerts of the watch. One row per alert key (rule, market, product, period, reference):
-- raised once, by the run that first saw its condition; cleared by the first run whose
-- data no longer meet it; raised again as a new alert (a new alert_id) if it comes back.
create table if not exists ops.alerts (
    alert_id        varchar primary key,
    alert_key       varchar not null,
    rule            varchar not null,
    market_iso3     varchar,
    product_code    varchar,
    period          varchar,
    reference       varchar,
    severity        double,
    title_en        varchar not null,
    title_fr        varchar not null,
    evidence        varchar not null,
    status          varchar not null,
    raised_run      varchar not null,
    raised_at       timestamp not null,
    last_seen_run   varchar not null,
    cleared_run     varchar,
    cleared_at      timestamp
);
