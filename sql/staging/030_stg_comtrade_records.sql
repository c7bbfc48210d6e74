-- Comtrade records in the shape of core: the reporter's flow gives the orientation (X: the
-- reporter exports, M: it imports, so the exporter is the partner), H0..H6 become HS92..HS22,
-- cmd_code TOTAL is level 0, weights become metric tons. Flows other than X and M
-- (re-exports, re-imports) are flagged and not loaded.
create or replace view staging.stg_comtrade_records as
with source as (
    select * from raw.comtrade_records
),

final as (
    select
        batch_id,
        line_number,
        reporter_iso3,
        case when is_world_partner then 'W00' else partner_iso3 end as partner_iso3,
        coalesce(is_world_partner, false) as partner_is_world,
        (flow_code not in ('X', 'M')) as is_breakdown,
        flow_code as flow,
        case upper(coalesce(classification_code, ''))
            when 'H0' then 'HS92' when 'H1' then 'HS96' when 'H2' then 'HS02'
            when 'H3' then 'HS07' when 'H4' then 'HS12' when 'H5' then 'HS17'
            when 'H6' then 'HS22' else upper(classification_code)
        end as classification,
        case when upper(cmd_code) = 'TOTAL' then 0 else length(cmd_code) end as hs_level,
        cmd_code as product_code,
        freq,
        ref_year as year,
        ref_month as month,
        case when flow_code = 'X' then 'exporter' else 'importer' end as reported_by,
        case when flow_code = 'X' then reporter_iso3
             when is_world_partner then 'W00' else partner_iso3 end as exporter_iso3,
        case when flow_code = 'X' then
                 (case when is_world_partner then 'W00' else partner_iso3 end)
             else reporter_iso3 end as importer_iso3,
        primary_value_usd as value_usd,
        net_weight_kg / 1000 as quantity_t,
        false as quantity_unreadable
    from source
)

select * from final
