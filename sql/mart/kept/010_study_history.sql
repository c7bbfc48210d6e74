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
