-- The CIF/FOB band of the mirror reconciliation (added after the first release of the table).
alter table ops.run_parameters add column if not exists mirror_band_low double default 0.95;
alter table ops.run_parameters add column if not exists mirror_band_high double default 1.25;
