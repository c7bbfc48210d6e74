-- Eurostat Comext rows (raw.comext_records), one per raw row, with their codes read:
-- countries through ref.countries' ISO2 codes, the period (YYYY-MM and YYYY of the API,
-- YYYYMM and YYYY52 of the bulk files), the flow (1 imports: M, 2 exports: X), the HS
-- revision in force in the row's year, quantities in metric tons. Each code has a kind:
--   reporter_kind, partner_kind: country, world (the partner WORLD: every partner, an
--     aggregate), aggregate (EU27_2020, EXTRA_EU27_2020, INTRA_EU…, EA…, and the areas of
--     Eurostat's geonomenclature: Q* stores and provisions, high seas, countries not
--     specified; XC Ceuta, XL Melilla) or unknown;
--   product_kind: code (2, 4, 6 or 8 digits), total (TOTAL) or other (a confidential CN8
--     shown as its chapter padded with X, 39XXXXXX, and anything else).
-- is_kept: what core receives: a known reporter, a country or WORLD as partner, and an HS
-- or CN8 code (a bulk file: CN8 only; its other codes are aggregates of its own rows).
-- usd_per_unit: the EUR rate of ref.exchange_rates for the row's month (freq M) or year
-- (freq A), none when it has none (the gate rejects the row, naming the period).
-- The gate validates these rows: a figure (staging.stg_comext_records) is a sum of them.
create or replace view staging.stg_comext_lines as
with source as (
    select r.*, b.format, b.quantity_unit, b.hs6_from_cn8
    from raw.comext_records as r
    join raw.comext_batches as b using (batch_id)
),

-- ISO 3166 alpha-2, plus EL for Greece (most Eurostat tables; Comext writes GR) and the two
-- parts of the United Kingdom since 2021, XI (Northern Ireland) and XU (the rest), which add
-- up to GBR.
countries as (
    select iso2 as code, iso3 from ref.countries where iso2 is not null
    union all
    select code, iso3 from (values ('EL', 'GRC'), ('XI', 'GBR'), ('XU', 'GBR')) as a(code, iso3)
),

coded as (
    select
        s.batch_id,
        s.line_number,
        -- the file lines of the row: an answer gives a figure's value and quantity on two
        s.quantity_line,
        1 + (s.quantity_line is not null and s.quantity_line <> s.line_number)::integer
            as file_lines,
        s.format,
        s.hs6_from_cn8,
        s.reporter,
        s.partner,
        s.product,
        s.flow as flow_code,
        s.stat_procedure,
        s.period,
        rep.iso3 as reporter_iso3,
        case when s.partner = 'WORLD' then 'W00' else par.iso3 end as partner_iso3,
        case when rep.iso3 is not null then 'country'
             when regexp_full_match(s.reporter, '(EU|EA|EEA|EFTA)[0-9_]*|(EXTRA|INTRA)_.+')
                 then 'aggregate'
             else 'unknown' end as reporter_kind,
        case when s.partner = 'WORLD' then 'world'
             when par.iso3 is not null then 'country'
             when regexp_full_match(s.partner,
                                    '(EU|EA|EEA|EFTA)[0-9_]*|(EXTRA|INTRA)_.+|Q[P-Z]|XC|XL')
                 then 'aggregate'
             else 'unknown' end as partner_kind,
        case when s.product = 'TOTAL' then 'total'
             when ltrim(s.product, '0123456789') = '' and length(s.product) in (2, 4, 6, 8)
                 then 'code'
             else 'other' end as product_kind,
        try_cast(left(s.period, 4) as integer) as year,
        case when length(s.period) = 7 and substr(s.period, 5, 1) = '-'
                 then try_cast(right(s.period, 2) as integer)
             when length(s.period) = 6 and right(s.period, 2) <> '52'
                 then try_cast(right(s.period, 2) as integer)
        end as month,
        case when length(s.period) = 4 or (length(s.period) = 6 and right(s.period, 2) = '52')
                 then 'A'
             when length(s.period) in (6, 7) then 'M'
        end as freq,
        case s.flow when '1' then 'M' when '2' then 'X' end as flow,
        s.value_eur,
        s.quantity,
        s.quantity / case s.quantity_unit when '100kg' then 10.0 else 1000.0 end as quantity_t
    from source as s
    left join countries as rep on rep.code = s.reporter
    left join countries as par on par.code = s.partner
),

final as (
    select
        c.*,
        x.usd_per_unit,
        c.value_eur * x.usd_per_unit as value_usd,
        case when c.freq = 'M' then c.year || '-' || lpad(c.month::varchar, 2, '0')
             else c.year::varchar end as period_label,
        case c.product_kind when 'total' then 0 when 'code' then length(c.product) end
            as hs_level,
        case when c.year >= 2022 then 'HS22' when c.year >= 2017 then 'HS17'
             when c.year >= 2012 then 'HS12' when c.year >= 2007 then 'HS07'
             when c.year >= 2002 then 'HS02' when c.year >= 1996 then 'HS96'
             when c.year is not null then 'HS92' end as classification,
        c.reporter_kind = 'country' and c.partner_kind in ('country', 'world')
            and (c.product_kind = 'total' or c.product_kind = 'code')
            and (c.format = 'api' or (c.product_kind = 'code' and length(c.product) = 8))
            as is_kept
    from coded as c
    left join ref.exchange_rates as x
      on x.currency = 'EUR' and x.freq = c.freq and x.year = c.year
     and coalesce(x.month, 0) = coalesce(c.month, 0)
)

select * from final
