-- UN Comtrade records as the connector normalises them (totals only: motCode 0, customsCode
-- C00, partner2Code 0), one batch per request; line_number = position in the answer + 1.
create table if not exists raw.comtrade_records (
    batch_id            varchar not null,
    line_number         bigint not null,
    freq                varchar,
    ref_year            integer,
    ref_month           integer,
    period              varchar,
    reporter_code       integer,
    reporter_iso3       varchar,
    partner_code        integer,
    partner_iso3        varchar,
    is_world_partner    boolean,
    flow_code           varchar,
    cmd_code            varchar,
    aggr_level          integer,
    classification_code varchar,
    primary_value_usd   double,
    cif_value_usd       double,
    fob_value_usd       double,
    net_weight_kg       double,
    qty                 double,
    qty_unit_code       integer,
    is_reported         boolean,
    is_aggregate        boolean,
    request_id          varchar
);
