-- The market side of the indicators: each market's annual imports by partner, product and
-- HS level (2, 4, 6; 8 for CN8 declarations), from one input per (market, year, level),
-- chosen by the precedence of [inputs] market_side (ops.run_parameters.market_inputs):
--   declared    the market's own declared imports by partner (Comtrade, Comext, national
--               statistics; reported_by 'importer'): annual rows, or the sum of a year's 12
--               months when a source has every month of it and no annual row
--   reconciled  bilateral reconciled flows (BACI), HS6 rolled up to HS4 and HS2
-- Inside an input, one source per (market, year, level): the one with most partners (then
-- by name). Declared rows feed only the levels they are reported at (a few HS6 codes summed
-- to HS4 would be a false heading total).
-- A market's World rows of a declaring source (core.trade_totals flow M) count for the
-- choice too: a source giving a market's World total and a few partners' rows is that
-- market's declaration (staging.stg_market_totals then takes its denominator from it). A
-- declaration without a World row is taken only when it has at least as many partners as
-- the reconciled flows (one partner's row is not the market).
-- Views: stg_market_candidates (every input's partner rows), stg_market_world_rows (the
-- declared World rows, annual or a year's 12 months), stg_market_choice (the input and
-- source chosen per market, year and level), stg_market_imports (the chosen partner rows).
-- Columns of stg_market_imports: year, market_iso3, partner_iso3, hs_level, product_code,
-- value_usd, input, source, release (the vintage).
create or replace view staging.stg_market_candidates as
with declared_annual as (
    select source, release, year, importer_iso3 as market_iso3, exporter_iso3 as partner_iso3,
           hs_level, product_code, sum(value_usd) as value_usd
    from staging.stg_trade_flows_study
    where reported_by = 'importer' and freq = 'A' and hs_level in (2, 4, 6, 8)
    group by all
),

-- A year of a source's months counts when the source has all 12 months of it for the
-- market (and no annual row for that market and year).
declared_months as (
    select source, year, importer_iso3 as market_iso3
    from staging.stg_trade_flows_study
    where reported_by = 'importer' and freq = 'M' and hs_level in (2, 4, 6, 8)
    group by all
    having count(distinct month) = 12
),

declared_from_months as (
    select f.source, max(f.release) as release, f.year, f.importer_iso3 as market_iso3,
           f.exporter_iso3 as partner_iso3, f.hs_level, f.product_code,
           sum(f.value_usd) as value_usd
    from staging.stg_trade_flows_study as f
    join declared_months as m
      on m.source = f.source and m.year = f.year and m.market_iso3 = f.importer_iso3
    where f.reported_by = 'importer' and f.freq = 'M' and f.hs_level in (2, 4, 6, 8)
      and not exists (select 1 from declared_annual as a
                      where a.source = f.source and a.year = f.year
                        and a.market_iso3 = f.importer_iso3)
    group by f.source, f.year, f.importer_iso3, f.exporter_iso3, f.hs_level, f.product_code
),

reconciled_hs6 as (
    select source, release, year, importer_iso3 as market_iso3, exporter_iso3 as partner_iso3,
           product_code, sum(value_usd) as value_usd
    from staging.stg_trade_flows_study
    where reported_by = 'reconciled' and freq = 'A' and hs_level = 6
    group by all
),

candidates as (
    select 'declared' as input, * from declared_annual
    union all
    select 'declared' as input, * from declared_from_months
    union all
    select 'reconciled' as input, source, release, year, market_iso3, partner_iso3, 6,
           product_code, value_usd
    from reconciled_hs6
    union all
    select 'reconciled' as input, source, any_value(release), year, market_iso3,
           partner_iso3, t.hs_level, left(product_code, t.hs_level), sum(value_usd)
    from reconciled_hs6
    cross join (values (4), (2)) as t (hs_level)
    group by source, year, market_iso3, partner_iso3, t.hs_level,
             left(product_code, t.hs_level)
)

select input, source, release, year, market_iso3, partner_iso3, hs_level, product_code,
       value_usd
from candidates;

create or replace view staging.stg_market_world_rows as
with world_annual as (
    select source, max(release) as release, year, reporter_iso3 as market_iso3, hs_level,
           product_code, sum(value_usd) as value_usd
    from staging.stg_trade_totals_study
    where flow = 'M' and freq = 'A' and hs_level in (2, 4, 6, 8)
    group by source, year, reporter_iso3, hs_level, product_code
),

world_month_years as (
    select source, year, reporter_iso3 as market_iso3
    from staging.stg_trade_totals_study
    where flow = 'M' and freq = 'M' and hs_level in (2, 4, 6, 8)
    group by all
    having count(distinct month) = 12
),

world_months as (
    select t.source, max(t.release) as release, t.year, t.reporter_iso3 as market_iso3,
           t.hs_level, t.product_code, sum(t.value_usd) as value_usd
    from staging.stg_trade_totals_study as t
    join world_month_years as y
      on y.source = t.source and y.year = t.year and y.market_iso3 = t.reporter_iso3
    where t.flow = 'M' and t.freq = 'M' and t.hs_level in (2, 4, 6, 8)
      and not exists (select 1 from world_annual as a
                      where a.source = t.source and a.year = t.year
                        and a.market_iso3 = t.reporter_iso3)
    group by t.source, t.year, t.reporter_iso3, t.hs_level, t.product_code
)

select * from world_annual
union all
select * from world_months;

create or replace view staging.stg_market_choice as
with params as (
    select string_split(market_inputs, ',') as inputs from ops.run_parameters
),

present as (
    select input, source, year, market_iso3, hs_level,
           count(distinct partner_iso3) as partners, false as has_world
    from staging.stg_market_candidates
    group by all
    union all
    select 'declared' as input, source, year, market_iso3, hs_level, 0 as partners,
           true as has_world
    from staging.stg_market_world_rows
    group by all
),

coverage as (
    select input, source, year, market_iso3, hs_level, max(partners) as partners,
           bool_or(has_world) as has_world
    from present
    group by all
),

reconciled as (
    select year, market_iso3, hs_level, max(partners) as partners
    from coverage
    where input = 'reconciled'
    group by all
)

-- A declaration without the market's World row must cover at least the partners the
-- reconciled flows know (else a declaration of one partner would be taken for the whole
-- market).
select c.input, c.source, c.year, c.market_iso3, c.hs_level, c.partners
from coverage as c
cross join params as p
left join reconciled as r using (year, market_iso3, hs_level)
where list_position(p.inputs, c.input) > 0
  and (c.input <> 'declared' or c.has_world or c.partners >= coalesce(r.partners, 0))
qualify row_number() over (partition by c.year, c.market_iso3, c.hs_level
                           order by list_position(p.inputs, c.input), c.partners desc,
                                    c.source) = 1;

create or replace view staging.stg_market_imports as
select c.year, c.market_iso3, c.partner_iso3, c.hs_level, c.product_code, c.value_usd,
       c.input, c.source, c.release
from staging.stg_market_candidates as c
join staging.stg_market_choice using (input, source, year, market_iso3, hs_level)
