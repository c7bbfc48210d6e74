"""Load a validated batch of reported flows into core, replacing what it republishes."""

from __future__ import annotations

import duckdb

from observatory.warehouse import partitions
from observatory.warehouse.transaction import transaction

# A partition of reported flows, named for people: "ESP M A 2021" (reporter, flow, frequency,
# year), and the partner of a flow: the country at the other end from the reporter.
_PART = "p.reporter_iso3 || ' ' || p.flow || ' ' || p.freq || ' ' || p.year"
_OLD_BILATERAL = f"""
    select {_PART} as part,
           case when p.flow = 'X' then f.importer_iso3 else f.exporter_iso3 end as partner,
           hash(case when p.flow = 'X' then f.importer_iso3 else f.exporter_iso3 end,
                f.classification, f.product_code, f.month) as key, f.batch_id
    from core.trade_flows as f
    join _partitions as p
      on p.has_bilateral and f.source = ? and f.freq = p.freq and f.year = p.year
     and ((p.flow = 'X' and f.exporter_iso3 = p.reporter_iso3
           and f.reported_by in ('exporter', 'reconciled'))
       or (p.flow = 'M' and f.importer_iso3 = p.reporter_iso3 and f.reported_by = 'importer'))
"""
_OLD_TOTALS = f"""
    select {_PART} || ' World' as part, null as partner,
           hash(t.classification, t.product_code, t.month) as key, t.batch_id
    from core.trade_totals as t
    join _partitions as p
      on p.has_world and t.source = ? and t.reporter_iso3 = p.reporter_iso3
     and t.flow = p.flow and t.freq = p.freq and t.year = p.year
"""


def _new_rows(staging_view: str, world: bool) -> str:
    part = "s.reporter_iso3 || ' ' || s.flow || ' ' || s.freq || ' ' || s.year"
    if world:
        return f"""
            select {part} || ' World' as part, null as partner,
                   hash(s.classification, s.product_code, s.month) as key, s.batch_id
            from {staging_view} as s
            where s.batch_id = ? and not s.is_breakdown and s.partner_is_world
        """
    return f"""
        select {part} as part, s.partner_iso3 as partner,
               hash(s.partner_iso3, s.classification, s.product_code, s.month) as key,
               s.batch_id
        from {staging_view} as s
        where s.batch_id = ? and not s.is_breakdown and not s.partner_is_world
    """


def replace_reported_partitions(
    con: duckdb.DuckDBPyConnection, staging_view: str, batch_id: str, source: str, release: str,
    guard: partitions.Guard | None = None, what: str | None = None,
) -> tuple[dict[str, int], partitions.ChangeReport]:
    """Replace the batch's (reporter, flow, freq, year) partitions of `source` in
    core.trade_flows (bilateral rows) and core.trade_totals (World rows), in one transaction.

    The staging view must have the columns of core plus reporter_iso3, flow,
    partner_is_world and is_breakdown. Bilateral and World partitions are replaced apart: a
    file of bilateral flows must not erase the World totals another file of the same source
    brought, and vice versa. The partitions' rows before and after are compared first; a
    batch the partition rule refuses (`guard`) raises `PartitionRefused` and changes nothing.
    Returns the rows the batch now has in each table, and the comparison.
    """
    guard = guard or partitions.Guard()
    with transaction(con):
        con.execute(
            f"""
            create or replace temp table _partitions as
            select reporter_iso3, flow, freq, year,
                   bool_or(not partner_is_world) as has_bilateral,
                   bool_or(partner_is_world) as has_world
            from {staging_view} where batch_id = ? and not is_breakdown
            group by all
            """,
            [batch_id],
        )
        report = partitions.measure(con, "core.trade_flows", _OLD_BILATERAL, [source],
                                    _new_rows(staging_view, world=False), [batch_id])
        partitions.measure(con, "core.trade_totals", _OLD_TOTALS, [source],
                           _new_rows(staging_view, world=True), [batch_id], report)
        guard.check(report, what or batch_id)
        con.execute(
            """
            delete from core.trade_flows as f
            using _partitions as p
            where f.source = ? and p.has_bilateral and f.freq = p.freq and f.year = p.year
              and ((p.flow = 'X' and f.exporter_iso3 = p.reporter_iso3
                    and f.reported_by in ('exporter', 'reconciled'))
                or (p.flow = 'M' and f.importer_iso3 = p.reporter_iso3
                    and f.reported_by = 'importer'))
            """,
            [source],
        )
        con.execute(
            """
            delete from core.trade_totals as t
            using _partitions as p
            where t.source = ? and p.has_world and t.reporter_iso3 = p.reporter_iso3
              and t.flow = p.flow and t.freq = p.freq and t.year = p.year
            """,
            [source],
        )
        con.execute(
            f"""
            insert into core.trade_flows by name
            select ? as source, ? as release, batch_id, reported_by, classification,
                   hs_level, product_code, freq, year, month, exporter_iso3, importer_iso3,
                   value_usd, quantity_t
            from {staging_view}
            where batch_id = ? and not is_breakdown and not partner_is_world
            """,
            [source, release, batch_id],
        )
        con.execute(
            f"""
            insert into core.trade_totals by name
            select ? as source, ? as release, batch_id, reporter_iso3, flow, classification,
                   hs_level, product_code, freq, year, month, value_usd, quantity_t
            from {staging_view}
            where batch_id = ? and not is_breakdown and partner_is_world
            """,
            [source, release, batch_id],
        )
        counts = {}
        for table in ("trade_flows", "trade_totals"):
            row = con.execute(f"select count(*) from core.{table} where batch_id = ?",
                              [batch_id]).fetchone()
            counts[table] = int(row[0]) if row else 0
        con.execute("drop table _partitions")
    return counts, report
