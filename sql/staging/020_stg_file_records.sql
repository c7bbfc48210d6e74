-- Analysts' file rows typed and mapped with their batch's profile: numbers with the file's
-- decimal and thousands marks, values to USD, quantities to metric tons, Comtrade's H0..H6
-- revision codes to HS92..HS22, countries through the batch's code map, flows to X/M, and
-- the exporter/importer orientation from the reporter's flow. A row's HS revision is its
-- classification column's, else the profile's, else the one in force in the row's year
-- (the table of REVISION_FROM_YEAR in observatory/sources/files/settings.py).
create or replace view staging.stg_file_records as
with source as (
    select r.*, b.profile, b.fixed_reporter, b.has_partner, b.flow as batch_flow,
           b.decimal_mark, b.thousands_mark, b.value_multiplier, b.quantity_unit,
           b.reported_by as batch_reported_by, b.classification as batch_classification
    from raw.file_records as r
    join raw.file_batches as b using (batch_id)
),

numbers as (
    select
        *,
        -- Spaces (also no-break and narrow no-break) are thousands marks in French files.
        replace(regexp_replace(
            case when thousands_mark = '' then trim(value)
                 else replace(trim(value), thousands_mark, '') end,
            '[ \x{00a0}\x{202f}]', '', 'g'), decimal_mark, '.') as value_text,
        replace(regexp_replace(
            case when thousands_mark = '' then trim(quantity)
                 else replace(trim(quantity), thousands_mark, '') end,
            '[ \x{00a0}\x{202f}]', '', 'g'), decimal_mark, '.') as quantity_text,
        regexp_replace(trim(product), '[.\s]', '', 'g') as product_text,
        try_cast(left(trim(year), 4) as integer) as year_number,
        lower(trim(flow)) as flow_text
    from source
),

typed as (
    select
        n.batch_id,
        n.line_number,
        n.is_breakdown,
        coalesce(n.fixed_reporter, rep.label) as reporter_iso3,
        case when not n.has_partner then 'W00' else par.label end as partner_iso3,
        coalesce(not n.has_partner or par.is_world, false) as partner_is_world,
        n.reporter as reporter_raw,
        n.partner as partner_raw,
        case when regexp_full_match(n.product_text, '[0-9]+')
                  and length(n.product_text) in (1, 3, 5)
             then '0' || n.product_text else n.product_text end as product_code,
        n.year_number as year,
        coalesce(try_cast(nullif(trim(n.month), '') as integer),
                 case when length(trim(n.year)) = 6
                      then try_cast(right(trim(n.year), 2) as integer) end) as month,
        case
            when n.batch_flow = 'export' then 'X'
            when n.batch_flow = 'import' then 'M'
            when n.flow_text in ('x', 'export', 'exports', 'exportation', 'exportations', '1',
                                 'rx') then 'X'
            when n.flow_text in ('m', 'import', 'imports', 'importation', 'importations', '2',
                                 'rm') then 'M'
        end as flow,
        try_cast(n.value_text as double) * n.value_multiplier as value_usd,
        try_cast(n.quantity_text as double)
            * case n.quantity_unit when 'kg' then 0.001 else 1 end as quantity_t,
        (n.quantity_text is not null and n.quantity_text not in ('', 'NA')
            and try_cast(n.quantity_text as double) is null) as quantity_unreadable,
        case upper(trim(coalesce(n.classification, '')))
            when 'H0' then 'HS92' when 'H1' then 'HS96' when 'H2' then 'HS02'
            when 'H3' then 'HS07' when 'H4' then 'HS12' when 'H5' then 'HS17'
            when 'H6' then 'HS22'
            when '' then coalesce(nullif(n.batch_classification, ''), case
                when n.year_number >= 2022 then 'HS22' when n.year_number >= 2017 then 'HS17'
                when n.year_number >= 2012 then 'HS12' when n.year_number >= 2007 then 'HS07'
                when n.year_number >= 2002 then 'HS02' when n.year_number >= 1996 then 'HS96'
                when n.year_number is not null then 'HS92' end)
            else upper(trim(n.classification))
        end as classification,
        n.batch_reported_by
    from numbers as n
    left join raw.file_code_map as rep
      on rep.batch_id = n.batch_id and rep.role = 'reporter' and rep.raw_code = n.reporter
    left join raw.file_code_map as par
      on par.batch_id = n.batch_id and par.role = 'partner' and par.raw_code = n.partner
),

final as (
    select
        *,
        length(product_code) as hs_level,
        case when month is null then 'A' else 'M' end as freq,
        case
            when batch_reported_by = 'reconciled' then 'reconciled'
            when flow = 'X' then 'exporter'
            else 'importer'
        end as reported_by,
        case when flow = 'X' then reporter_iso3 else partner_iso3 end as exporter_iso3,
        case when flow = 'X' then partner_iso3 else reporter_iso3 end as importer_iso3
    from typed
)

select * from final
