-- The best door into each market: for every market j and product k in which the home
-- country h has comparative advantage (mart.product_competitiveness at HS6, last_year, rca >= rca_threshold),
-- every tariff regime open to h's originating goods, its rate this year (year of as_of) and
-- in horizon_years ([potential] horizon_years), and which regime gives the lowest rate:
--   'MFN'      j's applied MFN rate (staging.stg_tariff_products, its tariff year), the
--              same in both years (no schedule says otherwise);
--   'AFCFTA'   j's AfCFTA schedule (its own or its customs union's), when j and h are both
--              AfCFTA State Parties (ref.countries);
--   an agreement of h's (core.tariff_schedules, beneficiary h, importer j or its customs
--              union: 'EU-MAR', 'AGADIR'...): the rate of the latest schedule year <= the
--              year, the base rate before its first year;
--   a preferential regime of j's applied tariff files for partner h (staging.stg_tariff_rates,
--              regimes other than MFN, BND and those already given by a schedule), the same
--              in both years.
-- Schedules are simple averages of the national lines under the HS6
-- (staging.stg_schedule_rates). is_best_today / is_best_horizon: the lowest rate of the
-- year (ties: a regime with an agreed rule of origin, then the regime's name). The rule of
-- origin of an agreement is its most specific rule loaded (core.rules_of_origin: HS6, else
-- heading, else chapter); MFN needs none.
create or replace table mart.best_door as
with params as (
    select home_iso3, last_year, rca_threshold, year(as_of) as this_year, horizon_years
    from ops.run_parameters
),

advantage as (
    select r.hs6
    from (select code as hs6, year, rca, home_exports_usd from mart.product_competitiveness
          where level = 'hs6') as r, params as p
    where r.year = p.last_year and r.rca >= p.rca_threshold
),

home_party as (
    select coalesce(bool_or(c.afcfta_state_party), false) as is_party
    from ref.countries as c, params as p
    where c.iso3 = p.home_iso3
),

scheduled as (
    select s.agreement, s.importer_iso3, s.hs6, s.year, s.rate_pct, s.base_rate_pct
    from staging.stg_schedule_rates as s
    cross join params as p
    cross join home_party as hp
    left join ref.countries as c on c.iso3 = s.importer_iso3
    where s.hs6 in (select hs6 from advantage)
      and s.importer_iso3 <> p.home_iso3
      and ((s.agreement = 'AFCFTA' and hp.is_party and coalesce(c.afcfta_state_party, false))
           or (s.agreement <> 'AFCFTA' and s.beneficiary_iso3 = p.home_iso3))
),

schedule_regimes as (
    select s.agreement as regime, s.importer_iso3, s.hs6,
           coalesce(max_by(s.rate_pct, s.year) filter (where s.year <= p.this_year),
                    any_value(s.base_rate_pct))                        as rate_today_pct,
           coalesce(max_by(s.rate_pct, s.year)
                        filter (where s.year <= p.this_year + p.horizon_years),
                    any_value(s.base_rate_pct))                        as rate_horizon_pct,
           'schedule'                                                  as rate_from
    from scheduled as s, params as p
    group by s.agreement, s.importer_iso3, s.hs6
),

mfn_regime as (
    select 'MFN' as regime, t.importer_iso3, t.hs6, t.mfn_pct as rate_today_pct,
           t.mfn_pct as rate_horizon_pct, 'applied tariff' as rate_from
    from staging.stg_tariff_products as t, params as p
    where t.mfn_pct is not null and t.hs6 in (select hs6 from advantage)
      and t.importer_iso3 <> p.home_iso3
),

applied_preferences as (
    select r.regime, r.importer_iso3, r.hs6, min(r.ad_valorem_pct) as rate_today_pct,
           min(r.ad_valorem_pct) as rate_horizon_pct, 'applied tariff' as rate_from
    from staging.stg_tariff_rates as r, params as p
    where r.partner_iso3 = p.home_iso3 and r.regime not in ('MFN', 'BND')
      and r.hs6 in (select hs6 from advantage)
      and not exists (select 1 from schedule_regimes as s
                      where s.regime = r.regime and s.importer_iso3 = r.importer_iso3
                        and s.hs6 = r.hs6)
    group by r.regime, r.importer_iso3, r.hs6
),

regimes as (
    select * from mfn_regime
    union all by name select * from schedule_regimes
    union all by name select * from applied_preferences
),

rules as (
    select g.regime, g.importer_iso3, g.hs6,
           arg_max(o.rule_text, o.hs_level)                  as rule_text,
           arg_max(o.rule_kinds, o.hs_level)                 as rule_kinds,
           arg_max(o.max_non_originating_pct, o.hs_level)    as max_non_originating_pct,
           arg_max(o.status, o.hs_level)                     as rule_status,
           arg_max(o.hs_code, o.hs_level)                    as rule_hs_code
    from regimes as g
    join core.rules_of_origin as o
      on o.agreement = g.regime and starts_with(g.hs6, o.hs_code)
    group by g.regime, g.importer_iso3, g.hs6
),

ranked as (
    select
        g.*,
        r.rule_hs_code, r.rule_text, r.rule_kinds, r.max_non_originating_pct, r.rule_status,
        row_number() over (partition by g.importer_iso3, g.hs6
                           order by g.rate_today_pct, (r.rule_status = 'agreed') desc nulls last,
                                    g.regime) as rank_today,
        row_number() over (partition by g.importer_iso3, g.hs6
                           order by g.rate_horizon_pct, (r.rule_status = 'agreed') desc nulls last,
                                    g.regime) as rank_horizon,
        count(*) over (partition by g.importer_iso3, g.hs6) as regimes
    from regimes as g
    left join rules as r using (regime, importer_iso3, hs6)
    where g.rate_today_pct is not null
),

final as (
    select
        k.importer_iso3,
        c.name_en                                             as importer_name_en,
        c.name_fr                                             as importer_name_fr,
        k.hs6,
        pl.description,
        k.regime,
        k.rate_from,
        p.this_year,
        k.rate_today_pct,
        p.this_year + p.horizon_years                         as horizon_year,
        k.rate_horizon_pct,
        k.rank_today,
        k.rank_horizon,
        k.rank_today = 1                                      as is_best_today,
        k.rank_horizon = 1                                    as is_best_horizon,
        m.rate_today_pct - k.rate_today_pct                   as margin_vs_mfn_today_pts,
        m.rate_horizon_pct - k.rate_horizon_pct               as margin_vs_mfn_horizon_pts,
        k.regimes,
        k.rule_hs_code,
        k.rule_text,
        k.rule_kinds,
        k.max_non_originating_pct,
        k.rule_status
    from ranked as k
    cross join params as p
    left join mfn_regime as m using (importer_iso3, hs6)
    left join ref.countries as c on c.iso3 = k.importer_iso3
    left join staging.stg_product_labels as pl on pl.hs6 = k.hs6
)

select * from final
order by importer_iso3, hs6, rank_today;
