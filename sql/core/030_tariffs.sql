-- Applied tariffs by importer, partner (W00 = every partner: the MFN rate) or regime, HS code
-- and year. ad_valorem_pct: the ad valorem rate in percent (for WITS, the simple average of
-- the national tariff lines under the code); is_ad_valorem false when the rate is an
-- estimated equivalent of a specific or compound duty, described in duty_text.
create table if not exists core.tariffs (
    source          varchar not null,
    release         varchar not null,
    batch_id        varchar not null,
    importer_iso3   varchar not null,
    partner_iso3    varchar not null,
    regime          varchar not null,
    year            integer not null,
    classification  varchar,
    hs_level        tinyint not null,
    product_code    varchar not null,
    ad_valorem_pct  double,
    is_ad_valorem   boolean not null,
    duty_text       varchar,
    tariff_lines    integer
);
