-- The home country's national statistics against its partners' mirror figures, by partner
-- and year (every year of source 'national' but those listed in sources.national.
-- partial_years, core.national_years):
--   exports: the home country's national exports to the partner (FOB) against the
--   partner's declared imports from it (CIF: core.trade_flows reported_by 'importer',
--   importer = partner, exporter = home); imports: its national imports from the partner
--   against the partner's declared exports to it (reported_by 'exporter').
--   Each mirror figure is one dataset's sum over products at one level (TOTAL, HS2, HS4 or
--   HS6: never two levels added): the partner's declaration where one exists (TOTAL first,
--   else the largest sum), else CEPII BACI's reconciled flows; `*_mirror_source` says
--   which ('declared', 'reconciled'), `mirror_source` both sides ('mixed' when they
--   differ), `*_mirror_dataset` and `*_mirror_level` where from.
--   ratio = national / mirror; share = the partner's share of the home country's national
--   exports (imports): partner value / World total (every partner row, pseudo-partners
--   included, core.trade_totals). Values in current USD at the year's MAD rate.
create or replace table mart.national_mirror as
with params as (
    select home_iso3 from ops.run_parameters
),

years as (
    select y.year, y.year_status
    from core.national_years as y, params as p
    where y.source = 'national' and y.reporter_iso3 = p.home_iso3
      and y.year_status <> 'partial'
),

national as (
    select
        f.year,
        case when f.reported_by = 'exporter' then f.importer_iso3 else f.exporter_iso3 end
            as partner_iso3,
        sum(f.value_usd) filter (where f.reported_by = 'exporter') as exports_national_usd,
        sum(f.value_usd) filter (where f.reported_by = 'importer') as imports_national_usd
    from core.trade_flows as f, params as p
    where f.source = 'national' and f.freq = 'A' and f.hs_level = 0
      and ((f.reported_by = 'exporter' and f.exporter_iso3 = p.home_iso3)
        or (f.reported_by = 'importer' and f.importer_iso3 = p.home_iso3))
    group by all
),

world as (
    select
        t.year,
        sum(t.value_usd) filter (where t.flow = 'X') as exports_world_national_usd,
        sum(t.value_usd) filter (where t.flow = 'M') as imports_world_national_usd
    from core.trade_totals as t, params as p
    where t.source = 'national' and t.reporter_iso3 = p.home_iso3 and t.freq = 'A'
      and t.hs_level = 0
    group by all
),

mirror_candidates as (
    select
        f.year,
        case when f.exporter_iso3 = p.home_iso3 then 'X' else 'M' end as side,
        case when f.exporter_iso3 = p.home_iso3 then f.importer_iso3
             else f.exporter_iso3 end as partner_iso3,
        case when f.reported_by = 'reconciled' then 'reconciled' else 'declared' end
            as mirror_source,
        f.source as dataset,
        f.classification,
        f.hs_level,
        sum(f.value_usd) as value_usd
    from core.trade_flows as f, params as p
    where f.source <> 'national' and f.freq = 'A'
      and f.exporter_iso3 <> f.importer_iso3
      and ((f.exporter_iso3 = p.home_iso3 and f.reported_by in ('importer', 'reconciled'))
        or (f.importer_iso3 = p.home_iso3 and f.reported_by in ('exporter', 'reconciled')))
    group by all
),

mirror as (
    select *
    from mirror_candidates
    qualify row_number() over (
        partition by year, side, partner_iso3
        order by mirror_source = 'declared' desc, hs_level = 0 desc, value_usd desc,
                 dataset, classification, hs_level) = 1
),

joined as (
    select
        n.year,
        n.partner_iso3,
        y.year_status,
        n.exports_national_usd,
        mx.value_usd as exports_mirror_usd,
        mx.mirror_source as exports_mirror_source,
        mx.dataset as exports_mirror_dataset,
        mx.hs_level as exports_mirror_level,
        n.exports_national_usd / nullif(mx.value_usd, 0) as exports_ratio,
        n.exports_national_usd / nullif(w.exports_world_national_usd, 0) as exports_share,
        n.imports_national_usd,
        mm.value_usd as imports_mirror_usd,
        mm.mirror_source as imports_mirror_source,
        mm.dataset as imports_mirror_dataset,
        mm.hs_level as imports_mirror_level,
        n.imports_national_usd / nullif(mm.value_usd, 0) as imports_ratio,
        n.imports_national_usd / nullif(w.imports_world_national_usd, 0) as imports_share,
        w.exports_world_national_usd,
        w.imports_world_national_usd
    from national as n
    join years as y using (year)
    left join world as w using (year)
    left join mirror as mx
      on mx.side = 'X' and mx.year = n.year and mx.partner_iso3 = n.partner_iso3
    left join mirror as mm
      on mm.side = 'M' and mm.year = n.year and mm.partner_iso3 = n.partner_iso3
),

final as (
    select
        *,
        case
            when exports_mirror_source is null then imports_mirror_source
            when imports_mirror_source is null
                 or imports_mirror_source = exports_mirror_source then exports_mirror_source
            else 'mixed'
        end as mirror_source
    from joined
)

select * from final
order by year, partner_iso3
