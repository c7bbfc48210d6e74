-- Eurostat Comext while a batch is in flight (observatory/sources/comext).

-- A batch: an SDMX-CSV answer of the dissemination API (format 'api': quantities in hundreds
-- of kilograms) or the .dat of a bulk file (format 'bulk': kilograms), its release (the
-- answer's LAST UPDATE; the bulk file's period and date), and whether the HS6 sums of its
-- CN8 rows are complete (a bulk file holds every CN8 of its period; an answer for listed
-- CN8 codes does not).
create table if not exists raw.comext_batches (
    batch_id       varchar primary key,
    format         varchar not null,
    quantity_unit  varchar not null,
    release        varchar not null,
    hs6_from_cn8   boolean not null
);

-- One figure per row with its codes as delivered: an API answer's VALUE_IN_EUROS and
-- QUANTITY_IN_100KG lines of one series and period side by side (line_number: the value's
-- line, quantity_line: the quantity's), a bulk file's lines as they are (line_number 0 until
-- a rejected batch is read again with its numbers).
create table if not exists raw.comext_records (
    batch_id        varchar not null,
    line_number     bigint not null,
    reporter        varchar,
    partner         varchar,
    product         varchar,
    flow            varchar,
    stat_procedure  varchar,
    period          varchar,
    value_eur       double,
    quantity        double,
    quantity_line   bigint
);
