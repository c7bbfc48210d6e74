"""`mart.watch_digest`: what changed since the last published run, for the digest page.

Computed by the run that is about to publish, so "since the last publication" is what this
run brings. Sections (rank 1 = first shown):
    vintage        batches merged by this run and not yet published (source, release,
                   file), value = rows loaded
    notification   ePing notifications first seen in those batches (new ones and new
                   versions), with their notifying member; value = the home country's
                   exports at stake (mart.regulatory_exposure, all markets)
    alert_raised   alerts raised since the last publication (by this run, or by quiet
                   nights that re-evaluated the date-dependent alerts), by severity
                   (value = severity)
    alert_cleared  alerts cleared since the last publication
    move           the largest moves of the home country's exports in its priority markets
                   in the latest annual period (HS6 rows of mart.watch_market_shares,
                   ranked by the absolute change in exports), value = share change (points)
"""

from __future__ import annotations

import duckdb

from observatory.warehouse import queries

MOVES = 10

# The model: sql/mart/watch_digest.sql (a named statement: it takes the run's id).
SQL = "mart/watch_digest.sql"


def build_digest(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Rewrite mart.watch_digest for this run; returns its row count."""
    queries.run(con, SQL, "digest", {"run_id": run_id, "moves": MOVES})
    return int(con.execute("select count(*) from mart.watch_digest").fetchall()[0][0])
