-- Harmonised bilateral trade flows, exporter -> importer, values in current USD.
-- Key: (source, year, exporter_iso3, importer_iso3, hs6). A republished source year replaces
-- that year (load mode: replace partition (source, year)).
create table if not exists core.trade_flows (
    source          varchar not null,
    release         varchar not null,
    hs_revision     varchar not null,
    year            integer not null,
    exporter_iso3   varchar not null,
    importer_iso3   varchar not null,
    hs6             varchar not null,
    value_usd       double not null,
    quantity_t      double,
    batch_id        varchar not null
);
