-- The home country's monthly trade series from its national statistics (the Office des
-- Changes' CVS-CJO workbook): seasonally and working-day ADJUSTED series (`adjusted`), not
-- raw trade statistics, so they never enter core.trade_flows or core.trade_totals. series:
-- 'total' (exports X and imports M), 'imports_gu' and 'exports_gu' (by groupement
-- d'utilisation; groupement null for the totals). value_mad: dirhams, the workbook's
-- billions and millions scaled. USD: staging.stg_national_series_usd. Key: (source,
-- reporter_iso3, series, flow, groupement, freq, year, month); a batch replaces its
-- (source, reporter, series, year) partitions.
create table if not exists core.national_series (
    source         varchar not null,
    release        varchar not null,
    batch_id       varchar not null,
    reporter_iso3  varchar not null,
    series         varchar not null,
    flow           varchar not null,
    groupement     varchar,
    freq           varchar not null,
    year           integer not null,
    month          tinyint not null,
    value_mad      double not null,
    adjusted       boolean not null
);
