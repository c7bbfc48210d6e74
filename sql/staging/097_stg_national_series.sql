-- The Office des Changes' monthly CVS-CJO workbook typed for the merge into
-- core.national_series: values scaled to dirhams (the totals' sheet is in billions, the
-- groupements' sheets in millions: raw.national_series_records.unit_multiplier).
create or replace view staging.stg_national_series as
with source as (
    select r.*, b.reporter_iso3
    from raw.national_series_records as r
    join raw.national_batches as b using (batch_id)
),

final as (
    select
        batch_id,
        line_number,
        sheet,
        row_number,
        field,
        reporter_iso3,
        series,
        flow,
        groupement,
        'M' as freq,
        year,
        month,
        value * unit_multiplier as value_mad,
        adjusted
    from source
)

select * from final
