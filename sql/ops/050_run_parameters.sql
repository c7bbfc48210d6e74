-- The parameters of the run whose results the warehouse holds: one row, rewritten by every
-- run's prepare step from the configuration (observatory/parameters.py, by column name),
-- read by every layer: the SQL models, the study, the watch, the reports. The columns carry
-- the names of their configuration keys ([study], [thresholds], [analysis], [potential],
-- [watch]); as_of is the date the watch counts deadlines from (the run's date, UTC).
create table if not exists ops.run_parameters (
    run_id                  varchar not null,
    started_at              timestamp not null,
    home_iso3               varchar not null,
    first_year              integer not null,
    last_year               integer not null,
    hs_revision             varchar not null,
    rca_threshold           double not null
);
-- Columns added since the table's first release (older warehouses get them here).
alter table ops.run_parameters add column if not exists as_of date;
alter table ops.run_parameters add column if not exists mirror_band_low double;
alter table ops.run_parameters add column if not exists mirror_band_high double;
alter table ops.run_parameters add column if not exists growth_window integer;
alter table ops.run_parameters add column if not exists cms_base_year integer;
alter table ops.run_parameters add column if not exists cms_end_year integer;
alter table ops.run_parameters add column if not exists horizon_years integer;
alter table ops.run_parameters add column if not exists home_growth double;
alter table ops.run_parameters add column if not exists world_growth double;
alter table ops.run_parameters add column if not exists demand_growth varchar;
alter table ops.run_parameters add column if not exists demand_growth_cap double;
alter table ops.run_parameters add column if not exists tariff_elasticity double;
alter table ops.run_parameters add column if not exists actual_years integer;
alter table ops.run_parameters add column if not exists min_value_usd double;
alter table ops.run_parameters add column if not exists share_drop_pts double;
alter table ops.run_parameters add column if not exists competitor_gain_pts double;
alter table ops.run_parameters add column if not exists demand_contraction_pct double;
alter table ops.run_parameters add column if not exists watch_top_products integer;
alter table ops.run_parameters add column if not exists deadline_days integer;
alter table ops.run_parameters add column if not exists rasff_spike_ratio double;
alter table ops.run_parameters add column if not exists rasff_spike_min integer;
alter table ops.run_parameters add column if not exists min_value_ppm double;
-- [inputs]: the precedence of the indicators' inputs, comma-separated, in order.
alter table ops.run_parameters add column if not exists exporter_inputs varchar;
alter table ops.run_parameters add column if not exists market_inputs varchar;
alter table ops.run_parameters add column if not exists min_world_reporters integer;

-- The markets of the run: role 'priority' (study.priority_markets) or 'competitor'
-- (study.competitors).
create table if not exists ops.run_markets (
    iso3  varchar not null,
    role  varchar not null
);
