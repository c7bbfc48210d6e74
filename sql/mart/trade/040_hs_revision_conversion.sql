-- How flows reported in another HS revision reached the study's: by source, revision and
-- year, the HS6 value in, the part of it whose code split over several study codes
-- (one-to-many, allocated by ref.hs_conversion's shares), and the HS6 value left out (codes
-- the correlation tables do not cover); rows at another level (HS2, HS4, CN8, totals) keep
-- their code under the study's revision (kept_as_reported_value_usd; UNSD correlates HS6
-- codes only).
create or replace table mart.hs_revision_conversion as
with params as (
    select hs_revision from ops.run_parameters
),

targets as (
    select source_revision, source_hs6, count(*) as n_targets
    from ref.hs_conversion, params
    where target_revision = params.hs_revision
    group by all
),

flows as (
    select f.source, f.classification, f.year, f.hs_level, f.value_usd, t.n_targets
    from core.trade_flows as f
    cross join params as p
    left join targets as t
      on t.source_revision = f.classification and t.source_hs6 = f.product_code
    where f.classification <> p.hs_revision
),

final as (
    select
        source,
        classification as reported_revision,
        (select hs_revision from params) as study_revision,
        year,
        coalesce(sum(value_usd) filter (where hs_level = 6), 0) as value_usd,
        sum(value_usd) filter (where n_targets > 1 and hs_level = 6) as split_value_usd,
        sum(value_usd) filter (where n_targets > 1 and hs_level = 6)
            / nullif(sum(value_usd) filter (where hs_level = 6), 0) as split_value_share,
        coalesce(sum(value_usd) filter (where n_targets is null and hs_level = 6), 0)
            as unconverted_value_usd,
        coalesce(sum(value_usd) filter (where hs_level <> 6), 0) as kept_as_reported_value_usd
    from flows
    group by all
)

select * from final
order by source, reported_revision, year
