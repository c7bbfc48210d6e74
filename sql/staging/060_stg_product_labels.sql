-- Every HS6 code's label, for the marts: the HS nomenclature's (ref.hs_nomenclature), else
-- the one a BACI release's own dictionary gives (codes the nomenclature lacks, e.g. those
-- of another HS revision). The marts read labels here, never raw.baci_product_codes.
create or replace view staging.stg_product_labels as
with nomenclature as (
    select hs_code as hs6, description
    from ref.hs_nomenclature
    where level = 6
),

baci as (
    select lpad(code, 6, '0') as hs6, any_value(description) as description
    from raw.baci_product_codes
    group by 1
),

final as (
    select coalesce(n.hs6, b.hs6) as hs6,
           coalesce(n.description, b.description) as description
    from nomenclature as n
    full join baci as b using (hs6)
)

select * from final
