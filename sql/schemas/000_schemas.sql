-- The warehouse layers. raw: extracts as delivered (text); staging: views that rename,
-- cast, convert units and map codes; core: harmonised tables; mart: indicators that reports
-- and researchers read; ref: reference data; ops: ledger, validation results, quarantine.
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists core;
create schema if not exists mart;
create schema if not exists ref;
create schema if not exists ops;
