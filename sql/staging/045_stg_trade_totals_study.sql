-- Reporters' trade with the World (core.trade_totals: Comtrade and Comext World rows,
-- OTS-style tables, national statistics) in the study's HS revision, as
-- staging.stg_trade_flows_study does for bilateral flows: HS6 rows of another revision are
-- converted through ref.hs_conversion (codes it does not know stay out); rows at another
-- level keep their code under the study's revision.
create or replace view staging.stg_trade_totals_study as
with params as (
    select hs_revision from ops.run_parameters
),

same_revision as (
    select t.*
    from core.trade_totals as t, params as p
    where t.classification = p.hs_revision
),

other_levels as (
    select t.* replace (p.hs_revision as classification)
    from core.trade_totals as t, params as p
    where t.classification <> p.hs_revision and t.hs_level <> 6
),

converted as (
    select
        t.* replace (
            p.hs_revision as classification,
            c.target_hs6 as product_code,
            t.value_usd * c.share as value_usd,
            t.quantity_t * c.share as quantity_t
        )
    from core.trade_totals as t
    cross join params as p
    join ref.hs_conversion as c
      on c.source_revision = t.classification and c.target_revision = p.hs_revision
     and c.source_hs6 = t.product_code
    where t.classification <> p.hs_revision and t.hs_level = 6
),

final as (
    select * from same_revision
    union all
    select * from other_levels
    union all
    select * from converted
)

select * from final
