"""Exporter dynamics by cell, before any disclosure control (firm-level input, aggregate
output; the output is still confidential until `observatory.fabric.disclosure` has run).

Definitions follow the World Bank's Exporter Dynamics Database (Fernandes, Freund and
Pierola 2016, "Exporter behavior, country size and stage of development", JDE 119; the
database's methodology note, Cebeci et al. 2012). For a cell c (all exporters, a sector, a
region or province, a legal form, a size class, an HS section, a destination, the priority
markets, an HS6) and a year t, with N_t the exporters with exports in the cell in t:

- entrants_t: exporters in the cell in t and not in t−1; entry rate = entrants_t / N_t;
- exiters_t: exporters in the cell in t−1 and not in t; exit rate = exiters_t / N_{t−1}
  (both undefined in the first year of data);
- survival after k years (k = 1, 2, 3): the share of the entrants of t still in the cell in
  each of t+1 … t+k (undefined when t+k is beyond the data);
- exports per exporter: mean V_t / N_t and median over exporters;
- top 1 % and top 5 % shares: the value of the ⌈0.01·N⌉ (⌈0.05·N⌉) largest exporters over
  V_t; HHI over exporters: Σ_i s_i², s_i = v_i / V_t;
- products and destinations per exporter: the mean number of HS6 codes and of destinations
  of an exporter in the cell;
- new exporter–product–destination relationships: triples (exporter, HS6, destination) of t
  the exporter did not have in t−1 (undefined in the first year).

A firm belongs to the cell of its registry attribute ('unknown' without one); for HS
sections, HS6 and destinations, its exports to that cell count. The cells keep, for
disclosure control, the largest exporter's value (`largest_usd`).
"""

from __future__ import annotations

import duckdb
import pandas as pd

DB = "fabric_db"

# dimension -> (cell expression, parent expression, filter) over `_fab_rows`
DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "total": ("'all'", "''", "true"),
    "sector": ("sector", "''", "true"),
    "region": ("region", "''", "true"),
    "province": ("province", "region", "true"),
    "legal_form": ("legal_form", "''", "true"),
    "size_class": ("size_class", "''", "true"),
    "hs_section": ("section", "''", "true"),
    "destination": ("destination_iso3", "''", "true"),
    "priority_markets": ("'priority'", "''", "is_priority"),
    "hs6": ("hs6", "section", "true"),
}
MEASURES = ("n_exporters", "exports_usd", "largest_usd", "mean_usd", "median_usd",
            "top1_share", "top1_group", "top5_share", "top5_group", "hhi",
            "products_per_exporter", "destinations_per_exporter", "new_relationships",
            "entry_rate", "exit_rate", "survival_1y", "survival_2y", "survival_3y")


def build_rows(con: duckdb.DuckDBPyConnection, priority: list[str]) -> None:
    """`_fab_rows` (temp): each exporter's exports by year, HS6 and destination, with its
    registry attributes, the HS section and whether the triple is new."""
    con.execute(f"""
        create or replace temp table _fab_rows as
        with flows as (
            select exporter_id, year, hs6, destination_iso3, sum(value_usd) as value_usd
            from {DB}.core.fabric_exports group by all
        ),
        bounds as (select min(year) as first_year from flows),
        final as (
            select f.exporter_id, f.year, f.hs6, f.destination_iso3, f.value_usd,
                   coalesce(h.section, 'unknown') as section,
                   coalesce(r.sector, 'unknown') as sector,
                   coalesce(r.region, 'unknown') as region,
                   coalesce(r.province, 'unknown') as province,
                   coalesce(r.legal_form, 'unknown') as legal_form,
                   coalesce(r.size_class, 'unknown') as size_class,
                   list_contains(?::varchar[], f.destination_iso3) as is_priority,
                   case when f.year = (select first_year from bounds) then null
                        else not exists (
                            select 1 from flows as p
                            where p.exporter_id = f.exporter_id and p.year = f.year - 1
                              and p.hs6 = f.hs6
                              and p.destination_iso3 = f.destination_iso3) end as is_new
            from flows as f
            left join ref.hs_nomenclature as h on h.level = 6 and h.hs_code = f.hs6
            left join {DB}.core.fabric_registry as r using (exporter_id)
        )
        select * from final
    """, [priority])


def _members_sql() -> str:
    parts = []
    for name, (cell, parent, where) in DIMENSIONS.items():
        parts.append(f"""
            select '{name}' as dimension, {cell} as cell, {parent} as parent, exporter_id,
                   year, sum(value_usd) as value_usd, count(distinct hs6) as n_products,
                   count(distinct destination_iso3) as n_destinations,
                   count(*) filter (where is_new) as new_rel,
                   bool_or(is_new is not null) as has_previous
            from _fab_rows where {where} group by all""")
    return " union all ".join(parts)


def build_cells(con: duckdb.DuckDBPyConnection, priority: list[str]) -> pd.DataFrame:
    """Every (dimension, cell, parent, year) with its measures (confidential until
    disclosure control)."""
    build_rows(con, priority)
    con.execute(f"create or replace temp table _fab_members as {_members_sql()}")
    frame = con.execute("""
        with m as (select * from _fab_members),
        years as (select min(year) as first_year, max(year) as last_year from m),
        ranked as (
            select *, row_number() over w as rk, count(*) over w as n
            from m
            window w as (partition by dimension, cell, parent, year
                         order by value_usd desc, exporter_id)
        ),
        stats as (
            select dimension, cell, parent, year,
                   count(*) as n_exporters, sum(value_usd) as exports_usd,
                   max(value_usd) as largest_usd, avg(value_usd) as mean_usd,
                   median(value_usd) as median_usd,
                   sum(value_usd) filter (where rk <= ceil(0.01 * n)) as top1_usd,
                   max(ceil(0.01 * n))::integer as top1_group,
                   sum(value_usd) filter (where rk <= ceil(0.05 * n)) as top5_usd,
                   max(ceil(0.05 * n))::integer as top5_group,
                   sum(value_usd * value_usd) as sum_squares,
                   avg(n_products) as products_per_exporter,
                   avg(n_destinations) as destinations_per_exporter,
                   case when bool_or(has_previous) then sum(new_rel) end as new_relationships
            from ranked group by all
        ),
        islands as (
            select *,
                   year - row_number() over f as grp,
                   lag(year) over f as prev_year, lead(year) over f as next_year
            from m
            window f as (partition by dimension, cell, parent, exporter_id order by year)
        ),
        flagged as (
            select *, coalesce(prev_year = year - 1, false) as was_in,
                   max(year) over (partition by dimension, cell, parent, exporter_id, grp)
                       - year as run_ahead
            from islands
        ),
        dynamics as (
            select dimension, cell, parent, year,
                   count(*) filter (where not was_in) as entrants,
                   count(*) filter (where not was_in and run_ahead >= 1) as survivors_1,
                   count(*) filter (where not was_in and run_ahead >= 2) as survivors_2,
                   count(*) filter (where not was_in and run_ahead >= 3) as survivors_3
            from flagged group by all
        ),
        exits as (
            select dimension, cell, parent, year + 1 as year, count(*) as exiters
            from islands
            where year < (select last_year from years)
              and next_year is distinct from year + 1
            group by all
        ),
        previous as (
            select dimension, cell, parent, year + 1 as year, n_exporters as n_previous
            from stats
        ),
        final as (
            select s.dimension, s.cell, s.parent, s.year, s.n_exporters, s.exports_usd,
                   s.largest_usd, s.mean_usd, s.median_usd,
                   s.top1_usd / nullif(s.exports_usd, 0) as top1_share, s.top1_group,
                   s.top5_usd / nullif(s.exports_usd, 0) as top5_share, s.top5_group,
                   s.sum_squares / nullif(s.exports_usd * s.exports_usd, 0) as hhi,
                   s.products_per_exporter, s.destinations_per_exporter,
                   s.new_relationships,
                   case when s.year > y.first_year
                        then d.entrants / s.n_exporters end as entry_rate,
                   case when s.year > y.first_year then coalesce(e.exiters, 0)
                        / nullif(coalesce(p.n_previous, 0), 0) end as exit_rate,
                   case when s.year > y.first_year and s.year + 1 <= y.last_year
                        then d.survivors_1 / nullif(d.entrants, 0) end as survival_1y,
                   case when s.year > y.first_year and s.year + 2 <= y.last_year
                        then d.survivors_2 / nullif(d.entrants, 0) end as survival_2y,
                   case when s.year > y.first_year and s.year + 3 <= y.last_year
                        then d.survivors_3 / nullif(d.entrants, 0) end as survival_3y,
                   coalesce(p.n_previous, 0) as n_previous
            from stats as s
            cross join years as y
            join dynamics as d using (dimension, cell, parent, year)
            left join exits as e using (dimension, cell, parent, year)
            left join previous as p using (dimension, cell, parent, year)
        )
        select * from final order by year, dimension, cell
    """).df()
    return frame

