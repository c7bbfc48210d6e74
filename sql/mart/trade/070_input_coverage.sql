-- What fed the indicators, and what did not and why: one row per side, input, source,
-- year and HS level (the market side also per market), with its rows, value, the exporters
-- or markets it covers, whether it was used and the reason, and the tables it feeds.
--   side 'exporter'  every input of staging.stg_exporter_world's choice ([inputs]
--                    exporter_side): used, or why not (below min_world_reporters, a
--                    higher-precedence input covers the year and level, left out of the
--                    list, another source of the same input covers more exporters)
--   side 'market'    every input of staging.stg_market_choice ([inputs] market_side), per
--                    market
--   side 'left_out'  rows of core that reach no indicator of the study: HS6 rows of a
--                    revision no correlation table links to the study's, rows at a level the
--                    indicators do not read (national totals, 'TOTAL'), monthly rows (the
--                    watch reads them), years outside the study
-- Parameters: ops.run_parameters (first_year, last_year, exporter_inputs, market_inputs,
-- min_world_reporters, hs_revision).
create or replace table mart.input_coverage as
with params as (
    select first_year, last_year, hs_revision, min_world_reporters,
           string_split(exporter_inputs, ',') as exporter_inputs,
           string_split(market_inputs, ',') as market_inputs
    from ops.run_parameters
),

exporter_all as (
    select input, source, max(release) as release, year, hs_level,
           count(distinct exporter_iso3) as units, count(*) as n_rows,
           sum(value_usd) as value_usd
    from (
        select 'reconciled' as input, source, release, year, exporter_iso3, hs_level,
               value_usd
        from staging.stg_trade_flows_study
        where freq = 'A' and reported_by = 'reconciled' and hs_level in (2, 4, 6)
        union all
        select 'reported_totals', source, release, year, reporter_iso3, hs_level, value_usd
        from staging.stg_trade_totals_study
        where freq = 'A' and flow = 'X' and hs_level in (2, 4, 6)
        union all
        select 'reported_flows', source, release, year, exporter_iso3, hs_level, value_usd
        from staging.stg_trade_flows_study
        where freq = 'A' and reported_by = 'exporter' and hs_level in (2, 4, 6)
        union all
        select 'mirror', source, release, year, exporter_iso3, hs_level, value_usd
        from staging.stg_trade_flows_study
        where freq = 'A' and reported_by = 'importer' and hs_level in (2, 4, 6)
        union all
        -- the coarser levels of reconciled flows, summed from HS6
        select input, source, release, year, exporter_iso3, hs_level, value_usd
        from staging.stg_exporter_world
        where rolled_up
    )
    group by input, source, year, hs_level
),

exporter_used as (
    select distinct input, source, year, hs_level from staging.stg_exporter_world
),

exporter_chosen as (
    select distinct year, hs_level, input from staging.stg_exporter_world
),

exporter_side as (
    select
        'exporter' as side, a.input, a.source, a.release, a.year, a.hs_level,
        null::varchar as market_iso3, a.units, a.n_rows, a.value_usd,
        u.input is not null as used,
        case
            when u.input is not null then 'chosen for the year and level'
            when a.year not between p.first_year and p.last_year
                then 'outside the study years'
            when list_position(p.exporter_inputs, a.input) is null
              or list_position(p.exporter_inputs, a.input) = 0
                then 'not in [inputs] exporter_side'
            when a.input <> 'reconciled' and a.units < p.min_world_reporters
                then 'covers ' || a.units || ' exporters, fewer than min_world_reporters ('
                     || p.min_world_reporters || ')'
            when c.input = a.input
                then 'another source of the same input covers more exporters'
            when c.input is not null
                then 'input ' || c.input || ' comes first for the year and level'
            else 'not chosen'
        end as reason,
        case when u.input is not null then
            'product_competitiveness, home_rca_hs6, complexity, home_product_space, '
            || 'home_concentration, diversification'
        end as feeds
    from exporter_all as a
    cross join params as p
    left join exporter_used as u using (input, source, year, hs_level)
    left join exporter_chosen as c on c.year = a.year and c.hs_level = a.hs_level
),

market_all as (
    select input, source, max(release) as release, year, market_iso3, hs_level,
           count(distinct partner_iso3) as units, count(*) as n_rows,
           sum(value_usd) as value_usd
    from staging.stg_market_candidates
    group by input, source, year, market_iso3, hs_level
),

market_side as (
    select
        'market' as side, a.input, a.source, a.release, a.year, a.hs_level, a.market_iso3,
        a.units, a.n_rows, a.value_usd,
        c.input is not null as used,
        case
            when c.input is not null then 'chosen for the market, year and level'
            when a.year not between p.first_year and p.last_year
                then 'outside the study years'
            when list_position(p.market_inputs, a.input) is null
              or list_position(p.market_inputs, a.input) = 0
                then 'not in [inputs] market_side'
            when o.input = a.input
                then 'another source of the same input has more partners'
            when o.input is not null
             and list_position(p.market_inputs, a.input) < list_position(p.market_inputs, o.input)
                then a.units || ' partner(s) and no World row for the market: fewer '
                     || 'partners than the ' || o.input || ' flows, which are used'
            when o.input is not null
                then 'input ' || o.input || ' comes first for the market, year and level'
            else 'not chosen'
        end as reason,
        case when c.input is not null then
            'market_product_shares, market_indicators, export_potential'
        end as feeds
    from market_all as a
    cross join params as p
    left join staging.stg_market_choice as c
      on c.input = a.input and c.source = a.source and c.year = a.year
     and c.market_iso3 = a.market_iso3 and c.hs_level = a.hs_level
    left join staging.stg_market_choice as o
      on o.year = a.year and o.market_iso3 = a.market_iso3 and o.hs_level = a.hs_level
),

-- HS6 rows of another revision whose code the conversion does not know.
unconverted as (
    select f.source, max(f.release) as release, f.year, f.hs_level,
           count(*) as n_rows, sum(f.value_usd) as value_usd,
           'HS6 code of ' || f.classification || ' not linked to ' || any_value(p.hs_revision)
               || ' by the correlation tables' as reason
    from core.trade_flows as f
    cross join params as p
    left join (select distinct source_revision, source_hs6 from ref.hs_conversion) as c
      on c.source_revision = f.classification and c.source_hs6 = f.product_code
    where f.hs_level = 6 and f.classification <> p.hs_revision and c.source_hs6 is null
    group by f.source, f.year, f.hs_level, f.classification
),

other_rows as (
    select source, max(release) as release, year, hs_level, count(*) as n_rows,
           sum(value_usd) as value_usd,
           case
               when hs_level not in (2, 4, 6, 8)
                   then 'level ' || hs_level || ' (totals without a product): '
                        || 'mart.national_mirror reads them, not the product indicators'
               when freq = 'M'
                   then 'monthly rows: the watch reads them; the study reads a year only '
                        || 'when its 12 months are there'
           end as reason
    from (
        select source, release, year, hs_level, freq, value_usd from core.trade_flows
        union all
        select source, release, year, hs_level, freq, value_usd from core.trade_totals
    )
    where hs_level not in (2, 4, 6, 8) or freq = 'M'
    group by all
),

left_out as (
    select 'left_out' as side, null::varchar as input, source, release, year, hs_level,
           null::varchar as market_iso3, null::bigint as units, n_rows, value_usd,
           false as used, reason, null::varchar as feeds
    from unconverted
    union all
    select 'left_out', null, source, release, year, hs_level, null, null, n_rows,
           value_usd, false, reason, null
    from other_rows
)

select * from exporter_side
union all
select * from market_side
union all
select * from left_out
order by side, year, hs_level desc, input, source, market_iso3
