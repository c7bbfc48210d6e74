-- National statistics (Office des Changes formats) while a batch is in flight
-- (observatory/sources/national). Values stay as the file wrote them; staging types them.

-- A batch: the reporter (study.home when it was read), the file's currency, the
-- pseudo-partner codes of the format, the years known incomplete (sources.national.
-- partial_years) and the last year suspected partial (its World total below 60 % of the
-- year before's), and what the read counted.
create table if not exists raw.national_batches (
    batch_id               varchar primary key,
    kind                   varchar not null,   -- annual | monthly
    reporter_iso3          varchar not null,
    currency               varchar not null,
    pseudo_partners        varchar[] not null,
    partial_years          integer[] not null,
    suspected_partial_year integer,
    blank_values           bigint not null default 0,
    counts                 varchar             -- JSON: components, pseudo-partners...
);

-- Every data line of the file as read (the quarantine's raw record): a CSV line, or a
-- workbook row named by its sheet and row.
create table if not exists raw.national_lines (
    batch_id     varchar not null,
    line_number  bigint not null,
    record       varchar not null
);

-- The annual table by partner and flow, unpivoted: one row per line and year column, the
-- value as written (decimal comma); a blank cell is no row.
create table if not exists raw.national_records (
    batch_id       varchar not null,
    line_number    bigint not null,
    partner_code   varchar not null,
    partner_label  varchar,
    flow_code      varchar not null,
    flow_label     varchar,
    field          varchar not null,
    year           integer not null,
    value_text     varchar not null
);

-- The monthly CVS-CJO workbook: one row per sheet row and series column; `value` in the
-- sheet's unit, `unit_multiplier` the dirhams of one unit (1e9 billions, 1e6 millions).
create table if not exists raw.national_series_records (
    batch_id         varchar not null,
    line_number      bigint not null,
    sheet            varchar not null,
    row_number       integer not null,
    field            varchar not null,
    series           varchar not null,
    flow             varchar not null,
    groupement       varchar,
    year             integer not null,
    month            integer not null,
    value            double,
    unit_multiplier  double not null,
    adjusted         boolean not null
);
