-- The watch's baselines. A change alert compares a period with one published before: the
-- first publication of a market for a change rule (share_drop, competitor_gain,
-- demand_contraction, rasff_spike) has none, so it states the situation instead of raising
-- alerts (observatory/watch/alerts.py). One row per rule and market ('' for rasff_spike,
-- which is about the home country): the run whose publication set the baseline.
create table if not exists ops.alert_baselines (
    rule            varchar not null,
    market_iso3     varchar not null,
    run_id          varchar not null,
    established_at  timestamp not null,
    situation       integer not null,   -- the moves over the thresholds it stated
    primary key (rule, market_iso3)
);

-- The situation a baseline stated: the moves over the thresholds when the baseline was set
-- (alert key, titles, evidence like ops.alerts). They raise no alert while they last; one
-- that no longer holds is removed, and raises an alert if it comes back.
create table if not exists ops.alert_situation (
    alert_key       varchar primary key,
    rule            varchar not null,
    market_iso3     varchar,
    product_code    varchar,
    period          varchar,
    reference       varchar,
    severity        double,
    title_en        varchar not null,
    title_fr        varchar not null,
    evidence        varchar not null,
    run_id          varchar not null
);
