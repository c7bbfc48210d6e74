-- The Office des Changes' annual table typed (observatory/sources/national): one row per
-- line and year. Values from dirhams (decimal comma, spaces dropped) to USD at the year's
-- average rate of ref.exchange_rates (no rate: usd_per_unit null, a rejected row, never a
-- guessed rate); partner codes ISO2 -> ISO3 through ref.countries (NA is Namibia); flow
-- codes 14/24 are the totals (imports M, exports X), 141/142/241/242 their components
-- (settings.TOTAL_FLOWS, COMPONENT_FLOWS). A pseudo-partner is a code of the format's
-- list (AP, AV, AN, YU, blank) or the reporter itself. The HS revision is the one in force
-- in the year (the figures are compiled from declarations coded in it).
create or replace view staging.stg_national_records as
with source as (
    select r.*, b.reporter_iso3, b.currency, b.pseudo_partners, b.partial_years,
           b.suspected_partial_year
    from raw.national_records as r
    join raw.national_batches as b using (batch_id)
),

numbers as (
    select
        *,
        regexp_replace(value_text, '[ \x{00a0}\x{202f}]', '', 'g') as value_digits
    from source
),

typed as (
    select
        n.batch_id,
        n.line_number,
        n.field,
        n.reporter_iso3,
        n.partner_code,
        n.partner_label,
        c.iso3 as country_iso3,
        n.flow_code,
        n.flow_label,
        case when n.flow_code in ('14', '141', '142') then 'M'
             when n.flow_code in ('24', '241', '242') then 'X' end as flow,
        n.flow_code in ('141', '142', '241', '242') as is_component,
        n.year,
        n.value_text,
        case when regexp_full_match(n.value_digits, '[0-9]+(,[0-9]+)?')
             then cast(replace(n.value_digits, ',', '.') as double) end as value_mad,
        x.usd_per_unit,
        list_contains(n.partial_years, n.year) as is_partial_year,
        coalesce(n.year = n.suspected_partial_year, false) as is_suspected_partial_year,
        list_contains(n.pseudo_partners, n.partner_code)
            or coalesce(c.iso3 = n.reporter_iso3, false)
            as is_pseudo_partner
    from numbers as n
    left join ref.countries as c on c.iso2 = n.partner_code
    left join ref.exchange_rates as x
      on x.currency = n.currency and x.freq = 'A' and x.year = n.year
),

final as (
    select
        * exclude (country_iso3),
        case when not is_pseudo_partner then country_iso3 end as partner_iso3,
        not is_pseudo_partner and country_iso3 is null as is_unknown_partner,
        value_mad * usd_per_unit as value_usd,
        case
            when year >= 2022 then 'HS22' when year >= 2017 then 'HS17'
            when year >= 2012 then 'HS12' when year >= 2007 then 'HS07'
            when year >= 2002 then 'HS02' when year >= 1996 then 'HS96'
            else 'HS92'
        end as classification
    from typed
)

select * from final
