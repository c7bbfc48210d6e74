-- Dollars per unit of a currency, averaged over a month (freq 'M') or a year (freq 'A'),
-- from the rate files of [rates] paths (observatory/reference/rates.py: the ECB's reference
-- rates, or a long date,base,quote,rate file such as Bank Al-Maghrib's). Rebuilt by every
-- run's prepare step. observations: the daily (or monthly) rates averaged; source_file and
-- vintage (the last date the file covers) say where the rate comes from. Sources reporting
-- in euros or dirhams convert at their period's rate here; a period without a rate is a
-- rejected row, never a guessed one.
create table if not exists ref.exchange_rates (
    currency      varchar not null,
    freq          varchar not null,
    year          integer not null,
    month         tinyint,
    usd_per_unit  double not null,
    observations  integer not null,
    source_file   varchar not null,
    vintage       varchar not null
);
