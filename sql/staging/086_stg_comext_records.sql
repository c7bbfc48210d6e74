-- Eurostat Comext in the shape of core (observatory/warehouse/merge.py reads a batch's rows
-- of it): one figure per reporter, partner, product, flow and period, in USD, for the rows
-- core receives (staging.stg_comext_lines.is_kept; the others are counted and named in the
-- outcome, so is_breakdown is always false here).
--   A bulk file's lines of one figure (its statistical procedures: normal trade, inward and
--   outward processing…) add up, and so do the United Kingdom's two parts (XI, XU: GBR);
--   a value missing on one of them leaves the figure without a value, never a partial sum.
--   line_number: the figure's first line.
--   A bulk file holds every CN8 of its period, so its HS6 sums (hs_level 6, is_sum) are
--   complete and come with it; an answer for listed CN8 codes brings only those.
--   value_usd = value_eur × the EUR rate of the figure's month (freq M) or year (freq A).
--   The reporter's flow gives the orientation: M, the reporter imports (reported_by
--   importer, the partner is the exporter); X, it exports. WORLD rows (partner_is_world) go
--   to core.trade_totals.
create or replace view staging.stg_comext_records as
with lines as (
    select * from staging.stg_comext_lines where is_kept
),

-- What the period, product, flow and batch say is the same on every line of a figure
-- (any_value): grouping by them too would cost a third more.
figures as materialized (
    select
        batch_id, reporter_iso3, partner_iso3, product, flow_code, period,
        any_value(flow) as flow,
        any_value(freq) as freq,
        any_value(year) as year,
        any_value(month) as month,
        any_value(classification) as classification,
        any_value(hs_level) as hs_level,
        any_value(usd_per_unit) as usd_per_unit,
        any_value(hs6_from_cn8) as hs6_from_cn8,
        min(line_number) as line_number,
        count(*) as n_lines,
        case when count(value_eur) = count(*) then sum(value_eur) end as value_eur,
        case when count(quantity_t) = count(*) then sum(quantity_t) end as quantity_t
    from lines
    group by batch_id, reporter_iso3, partner_iso3, product, flow_code, period
),

hs6_sums as (
    select
        batch_id, reporter_iso3, partner_iso3, left(product, 6) as product, flow_code, period,
        any_value(flow) as flow,
        any_value(freq) as freq,
        any_value(year) as year,
        any_value(month) as month,
        any_value(classification) as classification,
        6 as hs_level,
        any_value(usd_per_unit) as usd_per_unit,
        true as hs6_from_cn8,
        min(line_number) as line_number,
        sum(n_lines) as n_lines,
        case when count(value_eur) = count(*) then sum(value_eur) end as value_eur,
        case when count(quantity_t) = count(*) then sum(quantity_t) end as quantity_t
    from figures
    where hs6_from_cn8 and hs_level = 8
    group by batch_id, reporter_iso3, partner_iso3, left(product, 6), flow_code, period
),

all_figures as (
    select *, false as is_sum from figures
    union all by name
    select *, true as is_sum from hs6_sums
),

final as (
    select
        batch_id,
        line_number,
        n_lines,
        reporter_iso3,
        partner_iso3,
        partner_iso3 = 'W00' as partner_is_world,
        false as is_breakdown,
        is_sum,
        flow,
        flow_code,
        freq,
        year,
        month,
        period,
        classification,
        hs_level,
        product as product_code,
        case when flow = 'X' then 'exporter' else 'importer' end as reported_by,
        case when flow = 'X' then reporter_iso3 else partner_iso3 end as exporter_iso3,
        case when flow = 'X' then partner_iso3 else reporter_iso3 end as importer_iso3,
        value_eur,
        usd_per_unit,
        value_eur * usd_per_unit as value_usd,
        quantity_t
    from all_figures
)

select * from final
