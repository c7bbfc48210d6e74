-- Schedules of tariff concessions by agreement: AfCFTA State Parties' and customs unions'
-- schedules (agreement 'AFCFTA', beneficiary null: every State Party) and the home
-- country's other agreements (beneficiary: the country whose originating goods the rates
-- apply to). One row per national line and year: the rate in percent, from the schedule's
-- own year columns (path_from 'schedule') or derived from the AfCFTA modalities
-- ('modalities'; README, "AfCFTA and the home country's agreements"). members: the
-- countries that apply the schedule (a customs union's member State Parties).
create table if not exists core.tariff_schedules (
    source            varchar not null,
    release           varchar not null,
    batch_id          varchar not null,
    file_name         varchar not null,
    agreement         varchar not null,
    party_code        varchar not null,
    party_kind        varchar not null,
    members           varchar[] not null,
    beneficiary_iso3  varchar,
    hs_revision       varchar not null,
    hs6               varchar not null,
    national_line     varchar not null,
    description       varchar,
    category          varchar,
    base_rate_pct     double not null,
    timetable         varchar,
    path_from         varchar not null,
    year              integer not null,
    rate_pct          double not null
);

-- Product-specific rules of origin by agreement and HS heading or subheading (AfCFTA
-- Annex 2, Appendix IV; other agreements' lists): the rule as written, its kinds parsed
-- from the text (wholly_obtained, change_of_chapter, change_of_heading,
-- change_of_subheading, max_non_originating, specific_process), the maximum share of
-- non-originating materials in percent of the ex-works price, and its status (agreed,
-- under_negotiation).
create table if not exists core.rules_of_origin (
    source                   varchar not null,
    release                  varchar not null,
    batch_id                 varchar not null,
    agreement                varchar not null,
    hs_code                  varchar not null,
    hs_level                 integer not null,
    description              varchar,
    rule_text                varchar,
    rule_kinds               varchar[] not null,
    max_non_originating_pct  double,
    status                   varchar not null
);
