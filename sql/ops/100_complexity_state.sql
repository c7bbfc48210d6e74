-- What each year and product level of the complexity marts (mart.complexity_countries,
-- mart.complexity_products, mart.home_product_space) was last computed from: the
-- fingerprint of the year's study flows and of the parameters (home country, RCA threshold,
-- level, method version), and the rows it gave each mart. A build recomputes only the pairs
-- whose fingerprint changed or whose rows differ. note: why a year has no rows, if skipped.
create table if not exists ops.complexity_state (
    year            integer not null,
    level           integer not null,
    fingerprint     varchar not null,
    run_id          varchar not null,
    computed_at     timestamp not null,
    countries_rows  bigint not null,
    products_rows   bigint not null,
    home_rows       bigint not null,
    note            varchar,
    primary key (year, level)
);
