-- BACI flows renamed and mapped: k padded back to six characters (BACI writes it as a
-- number), v from thousands of USD to USD, q in metric tons, numeric country codes mapped to
-- ISO3 through ref.countries (or to a BACI pseudo-code label).
create or replace view staging.stg_baci_flows as
with source as (
    select * from raw.baci_flows
),

typed as (
    select
        batch_id,
        line_number,
        t                                                         as year,
        i                                                         as exporter_code,
        j                                                         as importer_code,
        -- 1 to 6 ASCII digits (the same test as regexp_full_match(.., '[0-9]{1,6}'),
        -- at a fraction of the cost on 10 million rows a year)
        case when length(trim(k)) between 1 and 6 and ltrim(trim(k), '0123456789') = ''
             then lpad(trim(k), 6, '0')
             else trim(k) end                                     as hs6,
        v * 1000                                                  as value_usd,
        q                                                         as quantity_t
    from source
),

codes as (
    select baci_code, iso3 from ref.countries
    union all
    select baci_code, label as iso3 from ref.baci_special_codes
),

final as (
    select
        typed.*,
        exporter.iso3 as exporter_iso3,
        importer.iso3 as importer_iso3
    from typed
    left join codes as exporter on exporter.baci_code = typed.exporter_code
    left join codes as importer on importer.baci_code = typed.importer_code
)

select * from final
