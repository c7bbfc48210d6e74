-- The exporter side of the indicators: every exporter's world exports by product, year and
-- HS level (2, 4, 6), from one input per (year, level), chosen by the precedence of
-- [inputs] exporter_side (ops.run_parameters.exporter_inputs):
--   reconciled       bilateral reconciled flows (BACI) summed over importers
--   reported_totals  reporters' own World rows (staging.stg_trade_totals_study, flow X:
--                    Comtrade World rows, OTS-style tables, national statistics)
--   reported_flows   exporters' own bilateral declarations summed over partners
--   mirror           importers' declared imports summed over importers (mirror data)
-- A reported input (World rows, declarations, mirror data) is eligible for a (year, level)
-- only when it covers at least min_world_reporters exporters (reconciled flows are the
-- world by construction); an input left out of the list is never used. Inside an
-- input, one source per (year, level): the one covering most exporters (then by name).
-- Levels: rows reported at a level feed that level. Reconciled flows, complete by
-- construction, roll up from HS6 to HS4 and HS2; a reported input's rows roll up only when
-- its source wrote the coarser rows itself (a Comtrade extract of a few HS6 codes summed
-- to HS4 would be a false heading total).
-- Columns: year, hs_level, product_code, exporter_iso3, value_usd, input, source, release
-- (the vintage), rolled_up (true when summed from a finer level).
-- mart.input_coverage says, per input, source, year and level, whether it was used.
create or replace view staging.stg_exporter_world as
with params as (
    select string_split(exporter_inputs, ',') as inputs, min_world_reporters
    from ops.run_parameters
),

reported as (
    select 'reconciled' as input, source, release, year, exporter_iso3, hs_level,
           product_code, sum(value_usd) as value_usd
    from staging.stg_trade_flows_study
    where freq = 'A' and reported_by = 'reconciled' and hs_level in (2, 4, 6)
    group by all
    union all
    select 'reported_totals' as input, source, release, year, reporter_iso3 as exporter_iso3,
           hs_level, product_code, sum(value_usd) as value_usd
    from staging.stg_trade_totals_study
    where freq = 'A' and flow = 'X' and hs_level in (2, 4, 6)
    group by all
    union all
    select 'reported_flows' as input, source, release, year, exporter_iso3, hs_level,
           product_code, sum(value_usd) as value_usd
    from staging.stg_trade_flows_study
    where freq = 'A' and reported_by = 'exporter' and hs_level in (2, 4, 6)
    group by all
    union all
    select 'mirror' as input, source, release, year, exporter_iso3, hs_level, product_code,
           sum(value_usd) as value_usd
    from staging.stg_trade_flows_study
    where freq = 'A' and reported_by = 'importer' and hs_level in (2, 4, 6)
    group by all
),

-- The levels each (input, source, year, exporter) reports itself, and its finest.
reported_levels as (
    select input, source, year, exporter_iso3, list(distinct hs_level) as levels,
           max(hs_level) as finest
    from reported
    group by all
),

rolled as (
    select r.input, r.source, any_value(r.release) as release, r.year, r.exporter_iso3,
           t.hs_level, left(r.product_code, t.hs_level) as product_code,
           sum(r.value_usd) as value_usd
    from reported as r
    join reported_levels as l using (input, source, year, exporter_iso3)
    cross join (values (4), (2)) as t (hs_level)
    where r.input = 'reconciled' and r.hs_level = l.finest and t.hs_level < l.finest
      and not list_contains(l.levels, t.hs_level)
    group by r.input, r.source, r.year, r.exporter_iso3, t.hs_level,
             left(r.product_code, t.hs_level)
),

candidates as (
    select *, false as rolled_up from reported
    union all
    select input, source, release, year, exporter_iso3, hs_level, product_code, value_usd,
           true as rolled_up
    from rolled
),

coverage as (
    select input, source, year, hs_level, count(distinct exporter_iso3) as exporters
    from candidates
    group by all
),

ranked as (
    select c.*, list_position(p.inputs, c.input) as precedence,
           row_number() over (partition by c.input, c.year, c.hs_level
                              order by c.exporters desc, c.source) as source_rank
    from coverage as c, params as p
    where (c.input = 'reconciled' or c.exporters >= p.min_world_reporters)
      and list_position(p.inputs, c.input) > 0
),

chosen as (
    select input, source, year, hs_level
    from ranked
    where source_rank = 1
    qualify row_number() over (partition by year, hs_level order by precedence) = 1
)

select c.year, c.hs_level, c.product_code, c.exporter_iso3, c.value_usd, c.input, c.source,
       c.release, c.rolled_up
from candidates as c
join chosen using (input, source, year, hs_level)
