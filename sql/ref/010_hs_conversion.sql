-- The conversion of HS6 codes from the revisions flows were reported in to the study's
-- (built from the configured UNSD correlation tables at each refresh; empty when none are
-- configured or every flow is already in the study's revision). share: the part of a
-- source code's value that goes to target_hs6 (shares of one source code sum to 1).
create schema if not exists ref;
create table if not exists ref.hs_conversion (
    source_revision varchar not null,
    target_revision varchar not null,
    source_hs6      varchar not null,
    target_hs6      varchar not null,
    share           double not null
);
