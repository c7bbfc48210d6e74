-- Harmonised bilateral trade flows, exporter -> importer, values in current USD.
--   reported_by: 'reconciled' (BACI: reconciled mirror data), 'exporter' (the exporter's own
--   declaration) or 'importer' (the importer's declaration: mirror data for the exporter).
--   classification / hs_level / product_code: the HS revision the flow was reported in
--   (e.g. HS22) and the level of the code (2, 4 or 6 digits), kept as reported.
-- Partner "World" totals never enter this table (they are aggregates, not flows).
-- Key: (source, reported_by, freq, year, month, exporter_iso3, importer_iso3, classification,
-- product_code). Load mode: a republished partition (e.g. a BACI source year) replaces it.
create table if not exists core.trade_flows (
    source          varchar not null,
    release         varchar not null,
    batch_id        varchar not null,
    reported_by     varchar not null,
    classification  varchar not null,
    hs_level        tinyint not null,
    product_code    varchar not null,
    freq            varchar not null,
    year            integer not null,
    month           tinyint,
    exporter_iso3   varchar not null,
    importer_iso3   varchar not null,
    value_usd       double not null,
    quantity_t      double
);
