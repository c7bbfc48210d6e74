-- Each year of the home country's annual national statistics (source 'national'): whether
-- it is complete, and its World totals in dirhams with the rate they were converted at.
--   year_status: 'complete'; 'partial' (listed in sources.national.partial_years when the
--   file was read: loaded, kept out of mart.national_mirror); 'suspected_partial' (the
--   file's last year, its World total of a flow below 60 % of the year before's: loaded,
--   reported, shown in the mart with that status).
-- Key: (source, reporter_iso3, year); a batch replaces the years it brings.
create table if not exists core.national_years (
    source             varchar not null,
    release            varchar not null,
    batch_id           varchar not null,
    reporter_iso3      varchar not null,
    year               integer not null,
    year_status        varchar not null,
    exports_world_mad  double,
    imports_world_mad  double,
    usd_per_mad        double
);
