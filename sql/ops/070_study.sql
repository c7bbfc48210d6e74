-- The study refresh's parameters (one row, rewritten by every refresh from [study],
-- [thresholds], [analysis] and [potential]) and the markets it looks at.
create table if not exists ops.study_parameters (
    study_id            varchar not null,
    home_iso3           varchar not null,
    first_year          integer not null,
    last_year           integer not null,
    rca_threshold       double not null,
    growth_window       integer not null,
    cms_base_year       integer not null,
    cms_end_year        integer not null,
    horizon_years       integer not null,
    home_growth         double not null,
    world_growth        double not null,
    demand_growth       varchar not null,
    demand_growth_cap   double not null,
    tariff_elasticity   double not null,
    actual_years        integer not null
);

-- role: 'priority' (study.priority_markets) or 'competitor' (study.competitors).
create table if not exists ops.study_markets (
    iso3  varchar not null,
    role  varchar not null
);

-- One row per study refresh that changed something: its parameters and input vintages.
create table if not exists ops.study_versions (
    study_id      varchar primary key,
    run_id        varchar not null,
    refreshed_at  timestamp not null,
    fingerprint   varchar not null,
    parameters    varchar not null,
    previous_id   varchar
);

-- The input vintages of each study version: BACI releases, Comtrade publication dates,
-- tariff years, with the rows each contributed.
create table if not exists ops.study_vintages (
    study_id  varchar not null,
    source    varchar not null,
    vintage   varchar not null,
    detail    varchar,
    n_rows    bigint
);

-- The home country's product-level study results of every study version (HS6, reference
-- year), kept across refreshes so `mart.study_changes` can say what changed product by
-- product. untapped_usd: summed over the priority markets; opportunity_rank: for products
-- not yet exported with comparative advantage.
create table if not exists mart.study_history (
    study_id            varchar not null,
    reference_year      integer not null,
    hs6                 varchar not null,
    description         varchar,
    sector              varchar,
    home_exports_usd    double,
    world_market_share  double,
    rca                 double,
    quadrant            varchar,
    untapped_usd        double,
    opportunity_rank    integer
);
