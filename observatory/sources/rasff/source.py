"""EU RASFF: food and feed notifications, from the portal's exports (CSV or XLSX).

Each export matched by `sources.rasff.paths` (or given to `observatory ingest file
--profile rasff`) is a batch: landed, normalised by the connector into
`raw.rasff_notifications`, `raw.rasff_origins` and `raw.rasff_hs`, validated
(`rasff_notifications` suite) and merged by reference with history
(`sql/core/merges/rasff.sql`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from observatory.config import Config
from observatory.errors import SourceError
from observatory.sources import batches
from observatory.sources.base import (
    BatchVerdict,
    InputOutcome,
    MergeResult,
    Resource,
    RunContext,
    Source,
    without_paths,
)
from observatory.sources.rasff.resources import map_to_hs, read_notifications
from observatory.validation import suites
from observatory.warehouse import ledger, queries
from observatory.warehouse.session import insert_frame, work_db
from observatory.warehouse.transaction import transaction

SQL = "core/merges/rasff.sql"
PROFILE = "rasff"  # `observatory ingest file PATH --profile rasff`


class RasffSource(Source):
    name = "rasff"
    label = "EU RASFF"
    group = "regulatory"
    feeds_trade_marts = False
    order = 40
    profiles = (PROFILE,)
    raw_tables = ("raw.rasff_notifications", "raw.rasff_origins", "raw.rasff_hs")
    resources = (
        Resource("core.rasff_notifications", ("reference", "version"), "merge_history"),
        Resource("core.rasff_origins", ("reference", "origin_name"), "replace_by_key",
                 ("reference",)),
        Resource("core.rasff_hs", ("reference", "hs_prefix"), "replace_by_key",
                 ("reference",)),
    )

    def without(self, cfg: Config) -> Config:
        return without_paths(cfg, "rasff", paths=())

    def ingest(self, run: RunContext) -> list[InputOutcome]:
        return [ingest_export(run, path)
                for path in batches.discover(run.cfg, run.cfg.rasff.paths)]

    def ingest_file(self, run: RunContext, path: Path, profile: str) -> InputOutcome:
        return ingest_export(run, path)

    def validate(self, run: RunContext, outcome: InputOutcome) -> BatchVerdict:
        assert outcome.batch_id is not None
        return batches.run_gate(
            run, outcome, suites.rasff_suite(outcome.batch_id), "raw.rasff_notifications",
            "concat_ws(' | ', r.reference, r.notification_date, r.classification, r.subject)",
            also_clear=self.raw_tables[1:])

    def merge(self, run: RunContext, outcome: InputOutcome) -> MergeResult:
        """Merge by reference, with history: a changed notification gets version + 1 and
        the previous version is kept (is_current false); an unchanged one is left as it is."""
        assert outcome.batch_id and outcome.release
        params = {"batch_id": outcome.batch_id, "release": outcome.release}

        def merge(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
            with transaction(con):
                for name in ("incoming", "retire_changed", "insert_versions"):
                    queries.run(con, SQL, name, params)
                for table in ("rasff_origins", "rasff_hs"):
                    queries.run(con, SQL, "delete_links", params, table=table)
                    queries.run(con, SQL, "insert_links", params, table=table)
                ((added, changed),) = queries.run(con, SQL, "counts", params)
                queries.run(con, SQL, "done", params)
            return int(added), int(changed)

        return batches.merge_history(run, outcome, self.raw_tables, merge)


@batches.failing_as("rasff")
def ingest_export(run: RunContext, path: Path) -> InputOutcome:
    """Land a RASFF export, normalise it (connector) and load the batch into raw."""
    with work_db(run.cfg) as con:
        started = batches.start_file_batch(run.cfg, con, run.run_id, "rasff", path)
        if isinstance(started, InputOutcome):
            return started
        batch_id, landed, sha = started.batch_id, started.landed, started.sha
        try:
            batch = read_notifications(landed)
        except SourceError as exc:
            ledger.update_batch(con, batch_id, status="failed", message=str(exc))
            return InputOutcome("rasff", path.name, "failed", batch_id, sha[:12],
                                message=str(exc))
        frames = {"rasff_notifications": batch.notifications, "rasff_origins": batch.origins,
                  "rasff_hs": map_to_hs(batch.notifications)}
        for table, frame in frames.items():
            insert_frame(con, f"raw.{table}", frame.assign(batch_id=batch_id),
                         replace_batch=batch_id)
        # rows_read counts rows; the message says how many notifications they hold.
        notes = [batch.counts(), *batch.notes]
        if batch.unmapped_origins:
            notes.append("origins without ISO3: " + ", ".join(batch.unmapped_origins[:10]))
        message = "; ".join(notes) or None
        ledger.update_batch(con, batch_id, status="loaded", rows_read=batch.rows_read,
                            message=message)
    return InputOutcome("rasff", path.name, "loaded", batch_id, sha[:12],
                        is_synthetic=batches.is_synthetic(path), rows_read=batch.rows_read,
                        message=message)


SOURCE = RasffSource()
