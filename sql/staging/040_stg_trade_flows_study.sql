-- Bilateral flows in the study's HS revision: HS6 flows reported in another revision are
-- converted through ref.hs_conversion (value and quantity split by share); HS6 codes the
-- conversion does not know stay out (mart.hs_revision_conversion and mart.input_coverage
-- report them). Flows already in the study's revision pass unchanged, and so do flows
-- reported at another level (HS2, HS4 headings, CN8, totals): UNSD correlates HS6 codes
-- only, so they keep their code under the study's revision (mart.input_coverage says so).
create or replace view staging.stg_trade_flows_study as
with params as (
    select hs_revision from ops.run_parameters
),

same_revision as (
    select f.*
    from core.trade_flows as f, params as p
    where f.classification = p.hs_revision
),

other_levels as (
    select f.* replace (p.hs_revision as classification)
    from core.trade_flows as f, params as p
    where f.classification <> p.hs_revision and f.hs_level <> 6
),

converted as (
    select
        f.* replace (
            p.hs_revision as classification,
            c.target_hs6 as product_code,
            f.value_usd * c.share as value_usd,
            f.quantity_t * c.share as quantity_t
        )
    from core.trade_flows as f
    cross join params as p
    join ref.hs_conversion as c
      on c.source_revision = f.classification and c.target_revision = p.hs_revision
     and c.source_hs6 = f.product_code
    where f.classification <> p.hs_revision and f.hs_level = 6
),

final as (
    select * from same_revision
    union all
    select * from other_levels
    union all
    select * from converted
)

select * from final
