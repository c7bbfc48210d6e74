"""The exporter source's rows: typed queries over the raw tables of the restricted database
(attached as `fabric_db`, beside the warehouse's reference tables), and the merges into its
core tables.

- exports: replace the years a batch brings (partition = year), under the partition rule;
- registry: replace by exporter; program: replace by (exporter, cohort).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from observatory.sources.exporters import settings

DB = "fabric_db"

# The period: YYYY, YYYY-MM, YYYYMM or MM/YYYY; digits only once separators are dropped.
_DIGITS = "regexp_replace(coalesce(period, ''), '[^0-9]', '', 'g')"

EXPORTS_TYPED = f"""
with lines as (
    select * from {DB}.raw.fabric_export_lines where batch_id = $batch
),
parsed as (
    select line_number, exporter_id, period,
           case when length({_DIGITS}) = 4 then try_cast({_DIGITS} as integer)
                when length({_DIGITS}) = 6 and regexp_matches(period, '^[0-9]{{1,2}}/')
                     then try_cast(right({_DIGITS}, 4) as integer)
                when length({_DIGITS}) = 6 then try_cast(left({_DIGITS}, 4) as integer)
           end as year,
           case when length({_DIGITS}) = 6 and regexp_matches(period, '^[0-9]{{1,2}}/')
                     then try_cast(left({_DIGITS}, 2) as integer)
                when length({_DIGITS}) = 6 then try_cast(right({_DIGITS}, 2) as integer)
           end as month,
           regexp_replace(coalesce(product_code, ''), '[.\\s]', '', 'g') as product_code,
           upper(trim(destination)) as destination,
           try_cast(replace(replace(value_national, ' ', ''), ',', '.') as double)
               as value_national,
           try_cast(replace(replace(net_mass_kg, ' ', ''), ',', '.') as double) as net_mass_kg
    from lines
),
coded as (
    select p.*, nullif(p.product_code, '') as product_code_or_null,
           left(p.product_code, 6) as hs6,
           coalesce(c3.iso3, c2.iso3, p.destination) as destination_iso3
    from parsed as p
    left join ref.countries as c3 on c3.iso3 = p.destination
    left join ref.countries as c2 on c2.iso2 = p.destination
),
rated as (
    select c.*,
           coalesce(m.usd_per_unit, a.usd_per_unit, nullif($fallback::double, 0))
               as usd_per_unit,
           case when m.usd_per_unit is not null then 'M'
                when a.usd_per_unit is not null then 'A'
                when nullif($fallback::double, 0) is not null then 'fallback' end as rate_from
    from coded as c
    left join ref.exchange_rates as m
      on m.currency = $currency and m.freq = 'M' and m.year = c.year and m.month = c.month
    left join ref.exchange_rates as a
      on a.currency = $currency and a.freq = 'A' and a.year = c.year
),
final as (
    select line_number, exporter_id, year, month, product_code_or_null as product_code, hs6,
           destination_iso3, value_national, usd_per_unit, rate_from,
           value_national * usd_per_unit as value_usd, net_mass_kg
    from rated
)
select * from final
"""

REGISTRY_TYPED = f"""
with lines as (
    select * from {DB}.raw.fabric_registry_lines where batch_id = $batch
),
final as (
    select l.line_number, l.exporter_id,
           case lower(strip_accents(trim(l.legal_form)))
               when 'societe' then 'company' when 'entreprise' then 'company'
               when 'sarl' then 'company' when 'sa' then 'company'
               when 'personne physique' then 'individual'
               when 'etablissement public' then 'public' when 'autre' then 'other'
               else lower(strip_accents(trim(l.legal_form))) end as legal_form,
           trim(l.region) as region, trim(l.province) as province, trim(l.sector) as sector,
           case lower(strip_accents(trim(l.size_class)))
               when 'tpe' then 'micro' when 'petite' then 'small'
               when 'moyenne' then 'medium' when 'grande' then 'large'
               else lower(strip_accents(trim(l.size_class))) end as size_class,
           try_cast(l.creation_year as integer) as creation_year,
           exists (select 1 from {DB}.core.fabric_exports as e
                   where e.exporter_id = l.exporter_id) as has_exports
    from lines as l
)
select * from final
"""

PROGRAM_TYPED = f"""
with lines as (
    select * from {DB}.raw.fabric_program_lines where batch_id = $batch
),
final as (
    select l.line_number, l.exporter_id,
           l.application_date as application_date_text,
           coalesce(try_cast(l.application_date as date),
                    try_strptime(l.application_date, '%d/%m/%Y')::date) as application_date,
           case lower(strip_accents(trim(l.status)))
               when 'candidat' then 'applicant' when 'beneficiaire' then 'beneficiary'
               when 'rejete' then 'rejected' when 'desiste' then 'withdrawn'
               else lower(strip_accents(trim(l.status))) end as status,
           try_cast(l.cohort as integer) as cohort,
           trim(l.support_kind) as support_kind,
           try_cast(replace(replace(l.support_amount, ' ', ''), ',', '.') as double)
               as support_amount,
           exists (select 1 from {DB}.core.fabric_registry as r
                   where r.exporter_id = l.exporter_id) as registered
    from lines as l
)
select * from final
"""

TYPED = {settings.EXPORTS: EXPORTS_TYPED, settings.REGISTRY: REGISTRY_TYPED,
         settings.PROGRAM: PROGRAM_TYPED}


def typed_query(kind: str, batch_id: str, *, currency: str = "MAD",
                fallback: float = 0.0) -> tuple[str, tuple[object, ...]]:
    """The batch's typed rows as a query with positional parameters (what the gate runs)."""
    sql = TYPED[kind]
    names = ["batch", "currency", "fallback"] if kind == settings.EXPORTS else ["batch"]
    values = {"batch": batch_id, "currency": currency, "fallback": fallback}
    order = sorted(names, key=lambda n: sql.index(f"${n}"))
    for i, name in enumerate(order, start=1):
        sql = sql.replace(f"${name}", f"${i}")
    return sql, tuple(values[n] for n in order)


@dataclass(frozen=True)
class MergeCounts:
    """What a merge did, in rows: no identifier, no value (they reach the run summary)."""

    added: int
    replaced: int
    deleted: int
    partitions: int
    refused: str | None = None

    def summary(self) -> str:
        return (f"{self.added:,} added, {self.replaced:,} replaced, {self.deleted:,} deleted "
                f"in {self.partitions} partition(s)")


def merge_exports(con: duckdb.DuckDBPyConnection, batch_id: str, *, currency: str,
                  fallback: float, max_deleted_share: float, allow_deletions: bool
                  ) -> MergeCounts:
    """The batch replaces the years it brings; refused (nothing changed) when it would delete
    more than `max_deleted_share` of a year's rows."""
    sql, params = typed_query(settings.EXPORTS, batch_id, currency=currency,
                              fallback=fallback)
    con.execute(f"create or replace temp table _fabric_batch as {sql}", list(params))
    try:
        stats = con.execute(f"""
            with years as (select distinct year from _fabric_batch),
            old as (select e.* from {DB}.core.fabric_exports as e join years using (year)),
            matched as (
                select count(*) as n from old as o
                where exists (select 1 from _fabric_batch as b
                              where b.exporter_id = o.exporter_id and b.year = o.year
                                and b.month is not distinct from o.month
                                and b.product_code = o.product_code
                                and b.destination_iso3 = o.destination_iso3)
            )
            select (select count(*) from years), (select count(*) from old),
                   (select n from matched), (select count(*) from _fabric_batch),
                   (select max(d) from (select count(*) filter (where not kept) * 1.0
                                               / count(*) as d
                                        from (select o.year, exists (
                                                select 1 from _fabric_batch as b
                                                where b.exporter_id = o.exporter_id
                                                  and b.year = o.year
                                                  and b.month is not distinct from o.month
                                                  and b.product_code = o.product_code
                                                  and b.destination_iso3
                                                      = o.destination_iso3) as kept
                                              from old as o)
                                        group by year))
        """).fetchall()[0]
        years, old, matched, new, worst = stats
        deleted = int(old) - int(matched)
        if worst is not None and worst > max_deleted_share and not allow_deletions:
            return MergeCounts(0, 0, 0, int(years), refused=(
                f"would delete {worst:.0%} of the rows of a year of "
                f"{DB}.core.fabric_exports (more than validation.max_deleted_share "
                f"{max_deleted_share:g}); run with --allow-deletions to replace it"))
        con.execute(f"delete from {DB}.core.fabric_exports where year in "
                    "(select distinct year from _fabric_batch)")
        con.execute(f"""
            insert into {DB}.core.fabric_exports
            select exporter_id, year, month, product_code, hs6, destination_iso3,
                   value_national, ?, usd_per_unit, rate_from, value_usd, net_mass_kg, ?
            from _fabric_batch""", [currency, batch_id])
        return MergeCounts(int(new) - int(matched), int(matched), deleted, int(years))
    finally:
        con.execute("drop table if exists _fabric_batch")


def merge_by_key(con: duckdb.DuckDBPyConnection, kind: str, batch_id: str) -> MergeCounts:
    """Registry (by exporter) and program (by exporter and cohort): the batch's keys replace
    the rows of the same keys."""
    sql, params = typed_query(kind, batch_id)
    if kind == settings.REGISTRY:
        table, keys = f"{DB}.core.fabric_registry", ("exporter_id",)
        columns = ("exporter_id, legal_form, region, province, sector, size_class, "
                   "creation_year")
    else:
        table, keys = f"{DB}.core.fabric_program", ("exporter_id", "cohort")
        columns = ("exporter_id, cohort, application_date, status, support_kind, "
                   "support_amount")
    con.execute(f"create or replace temp table _fabric_batch as {sql}", list(params))
    try:
        on = " and ".join(f"t.{k} = b.{k}" for k in keys)
        replaced = int(con.execute(
            f"select count(*) from {table} as t where exists "
            f"(select 1 from _fabric_batch as b where {on})").fetchall()[0][0])
        total = int(con.execute("select count(*) from _fabric_batch").fetchall()[0][0])
        con.execute(f"delete from {table} as t where exists "
                    f"(select 1 from _fabric_batch as b where {on})")
        con.execute(f"insert into {table} ({columns}, batch_id) "
                    f"select {columns}, ? from _fabric_batch", [batch_id])
        return MergeCounts(total - replaced, replaced, 0, 1)
    finally:
        con.execute("drop table if exists _fabric_batch")
