-- A reporter's trade with the World by product: the "partner = World" rows of Comtrade and
-- of analysts' files, kept apart because they are aggregates: never add them to bilateral
-- sums. flow: X (exports) or M (imports).
create table if not exists core.trade_totals (
    source          varchar not null,
    release         varchar not null,
    batch_id        varchar not null,
    reporter_iso3   varchar not null,
    flow            varchar not null,
    classification  varchar not null,
    hs_level        tinyint not null,
    product_code    varchar not null,
    freq            varchar not null,
    year            integer not null,
    month           tinyint,
    value_usd       double not null,
    quantity_t      double
);
