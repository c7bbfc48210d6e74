-- The home country's monthly national series (core.national_series: seasonally and
-- working-day ADJUSTED, CVS-CJO; not raw trade statistics) in USD, at the month's average
-- MAD rate of ref.exchange_rates; a month without a rate has value_usd null (has_rate
-- false), never a guessed rate.
create or replace view staging.stg_national_series_usd as
with series as (
    select * from core.national_series
),

final as (
    select
        s.*,
        x.usd_per_unit,
        s.value_mad * x.usd_per_unit as value_usd,
        x.usd_per_unit is not null as has_rate
    from series as s
    left join ref.exchange_rates as x
      on x.currency = 'MAD' and x.freq = 'M' and x.year = s.year and x.month = s.month
)

select * from final
