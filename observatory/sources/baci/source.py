"""CEPII BACI: reconciled bilateral flows by HS6, one yearly CSV per year in a zip archive.

Each yearly file of each archive matched by `sources.baci.paths` is a batch: landed, streamed
by DuckDB into `raw.baci_flows`, validated (`trade_flows` suite), and merged into
`core.trade_flows`, replacing its (source, year) partition (`sql/core/merges/baci.sql`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from observatory.config import Config
from observatory.errors import SourceError
from observatory.faults import checkpoint
from observatory.sources import batches
from observatory.sources.baci import client, resources, settings
from observatory.sources.base import (
    BatchVerdict,
    InputOutcome,
    MergeResult,
    Resource,
    RunContext,
    Source,
    without_paths,
)
from observatory.text import one_line
from observatory.validation import suites
from observatory.warehouse import ledger, partitions, queries
from observatory.warehouse.session import work_db
from observatory.warehouse.transaction import transaction

SQL = "core/merges/baci.sql"


class BaciSource(Source):
    name = settings.SOURCE
    label = "CEPII BACI"
    group = "trade"
    order = 10
    raw_tables = ("raw.baci_flows",)
    resources = (Resource(
        table="core.trade_flows",
        primary_key=("source", "reported_by", "freq", "year", "month", "exporter_iso3",
                     "importer_iso3", "classification", "product_code"),
        load_mode="replace_partition", partition=("source", "year")),)

    def enabled(self, cfg: Config) -> bool:
        return cfg.baci.enabled

    def without(self, cfg: Config) -> Config:
        return without_paths(cfg, "baci", enabled=False)

    def ingest(self, run: RunContext) -> list[InputOutcome]:
        """Every yearly file of the study years in every archive matched by the globs."""
        cfg = run.cfg
        if not cfg.baci.enabled:
            return []
        archives = batches.discover(cfg, cfg.baci.paths)
        if not archives:
            return [InputOutcome(self.name, ", ".join(cfg.baci.paths), "failed",
                                 message="no BACI archive matches sources.baci.paths")]
        return [outcome for archive in archives for outcome in ingest_archive(run, archive)]

    def validate(self, run: RunContext, outcome: InputOutcome) -> BatchVerdict:
        """GX suite on bounded chunks, SQL checks; a rejected year is loaded again with its
        line numbers so that quarantine cites them (a passing year never needs them)."""
        assert outcome.batch_id is not None and outcome.year is not None
        batch_id = outcome.batch_id
        with work_db(run.cfg) as con:
            codes = [r[0] for r in con.execute(
                "select baci_code from ref.countries where baci_code is not null "
                "union select baci_code from ref.baci_special_codes").fetchall()]
            products = [r[0] for r in con.execute(
                "select distinct code from raw.baci_product_codes where release = ? "
                "and hs_revision = ?", [outcome.release, outcome.hs_revision]).fetchall()]
        spec = suites.trade_flow_suite(batch_id, year=outcome.year, country_codes=codes,
                                       product_codes=products or None)

        def number(con: duckdb.DuckDBPyConnection) -> bool:
            if resources.is_numbered(con, batch_id):
                return False
            (landed,) = con.execute("select file_path from ops.load_ledger where batch_id = ?",
                                    [batch_id]).fetchall()[0]
            resources.number_raw_flows(con, Path(landed), batch_id)
            return True

        return batches.run_gate(run, outcome, spec, "raw.baci_flows",
                                "concat_ws(',', r.t, r.i, r.j, r.k, r.v, r.q)",
                                retry_numbered=number)

    def merge(self, run: RunContext, outcome: InputOutcome) -> MergeResult:
        """Replace the year in core (under the partition rule) and clear it from raw."""
        assert outcome.batch_id and outcome.release and outcome.hs_revision and outcome.year
        params = {"source": self.name, "year": outcome.year, "release": outcome.release,
                  "hs_revision": outcome.hs_revision, "batch_id": outcome.batch_id}
        guard = batches.guard_for(run.cfg)
        what = f"BACI {outcome.year} ({outcome.release})"
        return batches.merge_batch(run, outcome, self.raw_tables,
                                   lambda con: merge_year(con, params, guard, what))


def ingest_archive(run: RunContext, archive_path: Path) -> list[InputOutcome]:
    """Land and load into raw every yearly file of an archive that is new or changed; an
    archive that cannot be read is a failed input (returned, not raised: a Prefect task
    that raised an expected error would print its traceback)."""
    cfg = run.cfg
    try:
        archive = client.BaciArchive(archive_path)
        year_files = [f for f in archive.year_files() if f.year in cfg.study.years]
        synthetic = archive.is_synthetic()
    except (SourceError, OSError) as exc:
        return [InputOutcome(settings.SOURCE, archive_path.name, "failed",
                             message=one_line(str(exc)))]
    outcomes: list[InputOutcome] = []
    with work_db(cfg) as con:
        dictionaries_loaded = False
        for year_file in year_files:
            settled = ledger.find_settled(con, settings.SOURCE, year_file.fingerprint,
                                          input_key(archive, year_file),
                                          retry_refused=cfg.validation.allow_deletions)
            if settled is not None:
                outcomes.append(InputOutcome(
                    settings.SOURCE, year_file.name, "unchanged", settled.batch_id,
                    year_file.release, year_file.hs_revision, year_file.year,
                    is_synthetic=synthetic, previous_status=settled.status))
                continue
            notes = [] if dictionaries_loaded else resources.load_dictionaries(
                con, archive, year_file.release)
            dictionaries_loaded = True
            outcomes.append(_load_year(run, con, archive, year_file, synthetic, notes))
    return outcomes


def input_key(archive: client.BaciArchive, year_file: client.YearFile) -> str:
    """A BACI input is a year file of an archive (two archives may hold files of one name)."""
    return f"{archive.path.name}/{year_file.name}"


def _load_year(run: RunContext, con: duckdb.DuckDBPyConnection, archive: client.BaciArchive,
               year_file: client.YearFile, synthetic: bool, notes: list[str]) -> InputOutcome:
    landed, sha256 = archive.land(year_file, run.cfg.warehouse.raw_dir)
    batch_id = ledger.start_batch(
        con, batch_id=f"baci:{year_file.release}:{year_file.year}:{sha256[:12]}",
        run_id=run.run_id, source=settings.SOURCE, release=year_file.release,
        period=str(year_file.year), file_name=year_file.name, file_path=str(landed),
        file_sha256=sha256, file_fingerprint=year_file.fingerprint,
        parameters={"archive": archive.path.name, "hs_revision": year_file.hs_revision},
        is_synthetic=synthetic, input_key=input_key(archive, year_file))
    checkpoint("landed")
    con.execute("delete from raw.baci_flows where batch_id = ?", [batch_id])
    try:
        rows = resources.load_raw_flows(con, landed, batch_id, numbered=False)
    except SourceError as exc:
        con.execute("delete from raw.baci_flows where batch_id = ?", [batch_id])
        ledger.update_batch(con, batch_id, status="failed", message=str(exc))
        return InputOutcome(settings.SOURCE, year_file.name, "failed", batch_id,
                            year_file.release, year_file.hs_revision, year_file.year,
                            is_synthetic=synthetic, message=str(exc))
    padded = batches.padded_codes(con, "raw.baci_flows", "k", batch_id,
                                  lengths=(1, 2, 3, 4, 5))
    if padded:
        notes = [*notes, f"{padded:,} product code(s) of fewer than six digits padded with "
                         "leading zeros (BACI writes codes as numbers: 10121 is 010121)"]
    message = "; ".join(notes) or None
    ledger.update_batch(con, batch_id, status="loaded", rows_read=rows, message=message)
    checkpoint("raw_loaded")
    return InputOutcome(settings.SOURCE, year_file.name, "loaded", batch_id,
                        year_file.release, year_file.hs_revision, year_file.year, rows,
                        is_synthetic=synthetic, message=message)


def merge_year(con: duckdb.DuckDBPyConnection, params: dict[str, object],
               guard: partitions.Guard, what: str) -> tuple[int, partitions.ChangeReport]:
    """Replace the (source, year) partition of core.trade_flows with a validated batch, in
    one transaction (readers of the working database see the old year or the new one, never
    a mix). The year's rows before and after are compared first; a batch the partition rule
    refuses raises `PartitionRefused` and changes nothing. Returns the rows now in the
    partition and the comparison."""
    with transaction(con):
        report = partitions.measure(con, "core.trade_flows",
                                    queries.statement(SQL, "old_rows"),
                                    queries.statement(SQL, "new_rows"), dict(params))
        if not report.changes:  # an empty file for a year core does not hold yet
            report.changes.append(partitions.PartitionChange(
                "core.trade_flows", f"year {params['year']}", 0, 0, 0, 0, 0))
        guard.check(report, what)
        queries.run(con, SQL, "delete_year", params)
        queries.run(con, SQL, "insert_year", params)
        ((rows,),) = queries.run(con, SQL, "count_year", params)
    return int(rows), report


SOURCE = BaciSource()
