-- Tariff rates as a source delivers them (WITS SDMX-JSON answers parsed), one batch per file.
create table if not exists raw.tariff_records (
    batch_id        varchar not null,
    line_number     bigint not null,
    importer_iso3   varchar,
    partner_iso3    varchar,
    regime          varchar,
    year            integer,
    classification  varchar,
    hs_level        integer,
    product_code    varchar,
    ad_valorem_pct  double,
    is_ad_valorem   boolean,
    duty_text       varchar,
    measure         varchar,
    tariff_lines    integer,
    min_rate_pct    double,
    max_rate_pct    double,
    datatype        varchar
);
