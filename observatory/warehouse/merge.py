"""Load a validated batch of reported flows into core, replacing what it republishes.

Analysts' files and Comtrade answers are both a reporter's declarations; their batches
replace the same kind of partitions, with the statements of `sql/core/merges/reported.sql`;
tariff rows (WITS answers, analysts' tariff files) those of `sql/core/merges/tariffs.sql`.
"""

from __future__ import annotations

import duckdb

from observatory.warehouse import partitions, queries
from observatory.warehouse.transaction import transaction

SQL = "core/merges/reported.sql"


def replace_reported_partitions(
    con: duckdb.DuckDBPyConnection, staging_view: str, batch_id: str, source: str, release: str,
    guard: partitions.Guard | None = None, what: str | None = None, *,
    by_month: bool = False, by_product: bool = False,
) -> tuple[dict[str, int], partitions.ChangeReport]:
    """Replace the batch's (reporter, flow, freq, year) partitions of `source` in
    core.trade_flows (bilateral rows) and core.trade_totals (World rows), in one transaction.
    `by_month`: a partition is one month of the year (a file of one month must not delete
    the other months); `by_product`: one product too (an answer to a query naming its
    products must not delete the products it was not asked for).

    The staging view must have the columns of core plus reporter_iso3, flow,
    partner_is_world and is_breakdown. The partitions' rows before and after are compared
    first; a batch the partition rule refuses (`guard`) raises `PartitionRefused` and
    changes nothing. Returns the rows the batch now has in each table, and the comparison.
    """
    guard = guard or partitions.Guard()
    params = {"source": source, "release": release, "batch_id": batch_id,
              "by_month": by_month, "by_product": by_product}

    def statement(name: str) -> str:
        return queries.statement(SQL, name, view=staging_view)

    def run(name: str) -> list[tuple[object, ...]]:
        return queries.run(con, SQL, name, params, view=staging_view)

    with transaction(con):
        run("partitions")
        report = partitions.measure(con, "core.trade_flows", statement("old_flows"),
                                    statement("new_flows"), params)
        partitions.measure(con, "core.trade_totals", statement("old_totals"),
                           statement("new_totals"), params, report)
        guard.check(report, what or batch_id)
        for name in ("delete_flows", "delete_totals", "insert_flows", "insert_totals"):
            run(name)
        ((flows, totals),) = run("counts")
        run("done")
    return {"trade_flows": int(flows), "trade_totals": int(totals)}, report


TARIFFS_SQL = "core/merges/tariffs.sql"


def replace_tariff_partitions(
    con: duckdb.DuckDBPyConnection, batch_id: str, source: str, release: str,
    guard: partitions.Guard | None = None, what: str | None = None,
) -> tuple[int, partitions.ChangeReport]:
    """Replace the (source, importer, year) partitions a batch of `raw.tariff_records` brings
    in core.tariffs, in one transaction, under the partition rule (WITS answers and
    analysts' tariff files alike). Returns the batch's rows in core and the comparison."""
    guard = guard or partitions.Guard()
    params = {"source": source, "release": release, "batch_id": batch_id}
    with transaction(con):
        queries.run(con, TARIFFS_SQL, "partitions", params)
        report = partitions.measure(con, "core.tariffs",
                                    queries.statement(TARIFFS_SQL, "old_rows"),
                                    queries.statement(TARIFFS_SQL, "new_rows"), params)
        guard.check(report, what or batch_id)
        queries.run(con, TARIFFS_SQL, "delete_partitions", params)
        queries.run(con, TARIFFS_SQL, "insert_rows", params)
        ((rows,),) = queries.run(con, TARIFFS_SQL, "count_rows", params)
        queries.run(con, TARIFFS_SQL, "done", params)
    return int(rows), report
