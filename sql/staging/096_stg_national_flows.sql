-- The Office des Changes' annual table in core's shape, for the merge
-- (observatory.warehouse.merge.replace_reported_partitions): the reporter's (the home
-- country's) declarations, product 'TOTAL' at hs_level 0, freq 'A'. Imports (flow 14) are
-- reported_by 'importer' with the partner as exporter; exports (24) reported_by
-- 'exporter' with the partner as importer. is_breakdown marks what the merge leaves out:
-- the components 141/142/241/242 (parts of 14 and 24) and the pseudo-partners (AP, AV, AN,
-- YU, blank, the home itself), which count only in the World rows. World rows
-- (partner_is_world, to core.trade_totals): per flow and year, the sum over every partner
-- row of 14 and 24, pseudo-partners included.
create or replace view staging.stg_national_flows as
with records as (
    select * from staging.stg_national_records
),

bilateral as (
    select
        batch_id,
        line_number,
        reporter_iso3,
        flow,
        partner_iso3,
        false as partner_is_world,
        is_component or is_pseudo_partner as is_breakdown,
        case when flow = 'X' then 'exporter' else 'importer' end as reported_by,
        classification,
        0 as hs_level,
        'TOTAL' as product_code,
        'A' as freq,
        year,
        cast(null as tinyint) as month,
        case when flow = 'X' then reporter_iso3 else partner_iso3 end as exporter_iso3,
        case when flow = 'X' then partner_iso3 else reporter_iso3 end as importer_iso3,
        value_usd,
        cast(null as double) as quantity_t,
        is_partial_year
    from records
),

world as (
    select
        batch_id,
        cast(null as bigint) as line_number,
        reporter_iso3,
        flow,
        'W00' as partner_iso3,
        true as partner_is_world,
        false as is_breakdown,
        case when flow = 'X' then 'exporter' else 'importer' end as reported_by,
        classification,
        0 as hs_level,
        'TOTAL' as product_code,
        'A' as freq,
        year,
        cast(null as tinyint) as month,
        case when flow = 'X' then reporter_iso3 else 'W00' end as exporter_iso3,
        case when flow = 'X' then 'W00' else reporter_iso3 end as importer_iso3,
        sum(value_usd) as value_usd,
        cast(null as double) as quantity_t,
        bool_or(is_partial_year) as is_partial_year
    from records
    where not is_component
    group by batch_id, reporter_iso3, flow, classification, year
),

final as (
    select * from bilateral
    union all
    select * from world
)

select * from final
