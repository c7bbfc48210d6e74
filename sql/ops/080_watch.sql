-- The market watch's parameters (one row, rewritten by every watch refresh from [watch]):
-- as_of is the date deadlines are counted from (the run's date).
create table if not exists ops.watch_parameters (
    run_id                  varchar not null,
    as_of                   date not null,
    min_value_usd           double not null,
    share_drop_pts          double not null,
    competitor_gain_pts     double not null,
    demand_contraction_pct  double not null,
    top_products            integer not null,
    deadline_days           integer not null,
    rasff_spike_ratio       double not null,
    rasff_spike_min         integer not null
);

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
