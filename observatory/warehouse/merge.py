"""Load a validated batch of reported flows into core, replacing what it republishes."""

from __future__ import annotations

import duckdb


def replace_reported_partitions(
    con: duckdb.DuckDBPyConnection, staging_view: str, batch_id: str, source: str, release: str
) -> dict[str, int]:
    """Replace the batch's (reporter, flow, freq, year) partitions of `source` in
    core.trade_flows (bilateral rows) and core.trade_totals (World rows), in one transaction.

    The staging view must have the columns of core plus reporter_iso3, flow,
    partner_is_world and is_breakdown. Bilateral and World partitions are replaced apart: a
    file of bilateral flows must not erase the World totals another file of the same source
    brought, and vice versa.
    """
    con.execute("begin transaction")
    try:
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
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts
