"""The stages of the nightly job as plain functions; `flows/nightly.py` wires them as tasks.

ingest → validate → transform → indicators → report → publish. Each stage opens the working
database itself, so a stage can run as a Prefect task, from a test, or by hand.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from observatory.config import Config
from observatory.errors import ConfigError, SourceError
from observatory.faults import checkpoint
from observatory.orchestration import SEQUENTIAL, Fetches, Pending
from observatory.sources.baci import client as baci_client
from observatory.sources.baci import resources as baci_resources
from observatory.sources.baci import settings as baci_settings
from observatory.text import one_line
from observatory.validation import gate, suites
from observatory.warehouse import db, ledger, partitions, publish, sql_runner
from observatory.warehouse.aftermath import settle_killed_runs
from observatory.warehouse.reference_loader import load_reference
from observatory.warehouse.transaction import transaction


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


# The working database held open for a whole run (see `run_database`), by path.
_held: dict[Path, duckdb.DuckDBPyConnection] = {}


@contextmanager
def run_database(cfg: Config) -> Iterator[duckdb.DuckDBPyConnection]:
    """Hold the working database open for a run, so that stages share it.

    Each stage used to open and close the file, and every close checkpoints: a batch landed
    in raw was written to disk only to be deleted by the merge. Held open, with a large
    checkpoint threshold, raw rows live in the write-ahead log until the run checkpoints
    once before publishing.
    """
    con = db.open_work(cfg.warehouse)
    con.execute("set checkpoint_threshold = '4GB'")
    _held[cfg.warehouse.work] = con
    try:
        yield con
    except Exception as exc:
        # A damaged block met at any stage: one line naming the recoveries, no traceback.
        damaged = db.damaged_work(cfg.warehouse, exc)
        if damaged is None:
            raise
        raise damaged from exc
    finally:
        _held.pop(cfg.warehouse.work, None)
        con.close()


@contextmanager
def work_db(cfg: Config) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the working database: a cursor of the run's held connection, or a
    connection of its own outside a run (tests, one stage by hand)."""
    held = _held.get(cfg.warehouse.work)
    if held is not None:
        cursor = held.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
        return
    con = db.open_work(cfg.warehouse)
    try:
        yield con
    finally:
        con.close()


@dataclass
class InputOutcome:
    """What happened to one input file in this run."""

    source: str
    file_name: str
    status: str  # loaded | unchanged | failed
    batch_id: str | None = None
    release: str | None = None
    hs_revision: str | None = None
    year: int | None = None
    rows_read: int = 0
    is_synthetic: bool = False
    previous_status: str | None = None
    message: str | None = None
    # What the merge did to the partitions the batch replaces (rows added, replaced,
    # deleted, per partition): `observatory.warehouse.partitions`.
    changes: dict[str, Any] | None = None


@dataclass(frozen=True)
class MergeResult:
    """What merging a validated batch did: `merged` (rows now in core), `refused` (the
    partition rule: nothing changed) or `failed` (its data cannot be merged: nothing
    changed), with a one-line message and the partition changes."""

    status: str
    rows: int
    message: str | None = None
    changes: dict[str, Any] | None = None

    def apply(self, outcome: InputOutcome) -> None:
        """Carry the merge's outcome into the input's (the run summary reads it)."""
        outcome.changes = self.changes
        if self.status != "merged":
            outcome.status, outcome.message = self.status, self.message


@dataclass
class BatchVerdict:
    batch_id: str
    file_name: str
    passed: bool
    rows_rejected: int
    failed_checks: list[dict[str, Any]] = field(default_factory=list)
    defects: list[dict[str, Any]] = field(default_factory=list)


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: Any,
                 *, replace_batch: str | None = None) -> None:
    """Insert a pandas frame into `table` by column name (after deleting the rows of
    `replace_batch`, when given, so a re-run of a batch does not add rows twice)."""
    if replace_batch is not None:
        con.execute(f"delete from {table} where batch_id = ?", [replace_batch])
    con.register("_frame", frame)
    try:
        con.execute(f"insert into {table} by name select * from _frame")
    finally:
        con.unregister("_frame")


# Merge errors caused by a batch's own data (a constraint the gate did not foresee): the
# batch fails with one line and core is left as it was. Other DuckDB errors (a full disk, a
# damaged file) stop the run.
DATA_ERRORS = (duckdb.ConstraintException, duckdb.ConversionException)
# Partitions listed in a run summary per batch (all of them are in ops.partition_changes).
SUMMARY_PARTITIONS = 20


def guard_for(cfg: Config, *, profile_allows: bool = False) -> partitions.Guard:
    """The partition rule as this run applies it."""
    return partitions.Guard(cfg.validation.max_deleted_share,
                            cfg.validation.allow_deletions or profile_allows)


def _changes(report: partitions.ChangeReport, replaced: list[str] | None = None
             ) -> dict[str, Any]:
    listed = [c.as_dict() for c in report.changes[:SUMMARY_PARTITIONS]]
    return {**report.totals(), "summary": report.summary(), "by_partition": listed,
            "batches_replaced": replaced or []}


def _clear_raw(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...], batch_id: str) -> None:
    for table in tables:
        con.execute(f"delete from {table} where batch_id = ?", [batch_id])


def merge_batch(cfg: Config, run_id: str, outcome: InputOutcome, raw_tables: tuple[str, ...],
                merge: Any) -> MergeResult:
    """Merge one validated batch with `merge(con)` → (rows, partition report), under the
    partition rule; record what it did to each partition, which earlier batches it
    replaced, and clear its raw rows. A refusal or a data error changes nothing in core."""
    assert outcome.batch_id is not None
    batch_id = outcome.batch_id
    with work_db(cfg) as con:
        try:
            rows, report = merge(con)
        except partitions.PartitionRefused as exc:
            message = one_line(str(exc))
            partitions.record(con, exc.report, batch_id, run_id, "refused")
            _clear_raw(con, raw_tables, batch_id)
            ledger.update_batch(con, batch_id, status="refused", rows_loaded=0,
                                message=message)
            return MergeResult("refused", 0, message, _changes(exc.report))
        except DATA_ERRORS as exc:
            message = one_line(f"{outcome.file_name}: cannot be merged into core: "
                               f"{str(exc).splitlines()[0]}")
            _clear_raw(con, raw_tables, batch_id)
            ledger.update_batch(con, batch_id, status="failed", message=message)
            return MergeResult("failed", 0, message)
        partitions.record(con, report, batch_id, run_id, "merged")
        replaced = partitions.settle_replaced(con, report, batch_id)
        _clear_raw(con, raw_tables, batch_id)
        ledger.update_batch(con, batch_id, status="merged", rows_loaded=rows, rows_live=rows)
        checkpoint("merged")
    return MergeResult("merged", rows, None, _changes(report, replaced))


# ---------------------------------------------------------------------------------- prepare


def prepare_warehouse(cfg: Config, run_id: str) -> dict[str, Any]:
    """Create or migrate the warehouse, refresh `ref`, settle what a killed run left."""
    with work_db(cfg) as con:
        sql_runner.apply_layers(con)
        ref_fingerprint = load_reference(con)
        sql_runner.apply_layers(con, (sql_runner.VIEW_LAYER,))
        abandoned = ledger.abandon_unfinished(con)
        recorded = publish.publication(cfg.warehouse.published)
        aftermath = settle_killed_runs(
            con, run_id=run_id, published_run=recorded.run_id if recorded else None,
            runs_dir=cfg.warehouse.runs_dir, report_dir=cfg.report.dir,
            published=cfg.warehouse.published)
        for batch_id in abandoned:
            request_id = comtrade_request_id(batch_id)
            if request_id is not None:  # its answer never reached core: fetch it again
                _reopen_request(con, request_id, "the run loading its answer ended early")
        con.execute("delete from ops.run_parameters")
        con.execute(
            "insert into ops.run_parameters by name select ? as run_id, ? as home_iso3, "
            "? as first_year, ? as last_year, ? as hs_revision, ? as rca_threshold, "
            "? as started_at, ? as mirror_band_low, ? as mirror_band_high",
            [run_id, cfg.study.home, cfg.study.first_year, cfg.study.last_year,
             cfg.study.hs_revision, cfg.thresholds.rca, ledger.now(),
             cfg.thresholds.mirror_band_low, cfg.thresholds.mirror_band_high],
        )
        con.execute(
            "insert into ops.runs (run_id, started_at, status) values (?, ?, 'running')",
            [run_id, ledger.now()],
        )
    return {"ref_fingerprint": ref_fingerprint, "abandoned_batches": abandoned,
            "abandoned_runs": aftermath.runs,
            "publications_withdrawn": aftermath.publications_withdrawn,
            "leftovers_removed": aftermath.removed}


# ----------------------------------------------------------------------------------- ingest


def discover_baci(cfg: Config) -> list[Path]:
    """The BACI archives matched by the configured globs, in a stable order."""
    return discover(cfg, cfg.baci.paths) if cfg.baci.enabled else []


def ingest_baci_archive(cfg: Config, run_id: str, archive_path: Path) -> list[InputOutcome]:
    """Land and load into raw every yearly file of an archive that is new or changed; an
    archive that cannot be read is a failed input (returned, not raised: a Prefect task
    that raised an expected error would print its traceback)."""
    try:
        archive = baci_client.BaciArchive(archive_path)
        year_files = [f for f in archive.year_files() if f.year in cfg.study.years]
        synthetic = archive.is_synthetic()
    except (SourceError, OSError) as exc:
        return [InputOutcome(baci_settings.SOURCE, archive_path.name, "failed",
                             message=one_line(str(exc)))]
    outcomes: list[InputOutcome] = []
    with work_db(cfg) as con:
        dictionaries_loaded = False
        for year_file in year_files:
            settled = ledger.find_settled(con, baci_settings.SOURCE, year_file.fingerprint,
                                          _baci_input(archive, year_file),
                                          retry_refused=cfg.validation.allow_deletions)
            if settled is not None:
                outcomes.append(InputOutcome(
                    baci_settings.SOURCE, year_file.name, "unchanged", settled.batch_id,
                    year_file.release, year_file.hs_revision, year_file.year,
                    is_synthetic=synthetic, previous_status=settled.status,
                ))
                continue
            if not dictionaries_loaded:
                notes = baci_resources.load_dictionaries(con, archive, year_file.release)
                dictionaries_loaded = True
            else:
                notes = []
            outcomes.append(_load_year(cfg, con, run_id, archive, year_file, synthetic, notes))
    return outcomes


def _padded_codes(con: duckdb.DuckDBPyConnection, table: str, column: str, batch_id: str,
                  lengths: tuple[int, ...], *, dotted: bool = False) -> int:
    """Rows of a batch whose product code staging pads with leading zeros (a repair the run
    summary must state, as the dictionary repairs are): digits only once dots and spaces
    are removed (`dotted`: analysts' files; BACI's codes have none), of `lengths` digits."""
    code = (f"regexp_replace(trim({column}), '[.\\s]', '', 'g')" if dotted
            else f"trim({column})")
    row = con.execute(
        f"select count(*) from {table} where batch_id = ? "
        f"and length({code}) in (select unnest(?::integer[])) "
        f"and ltrim({code}, '0123456789') = ''", [batch_id, list(lengths)]).fetchall()
    return int(row[0][0])


def _baci_input(archive: baci_client.BaciArchive, year_file: baci_client.YearFile) -> str:
    """A BACI input is a year file of an archive (two archives may hold files of one name)."""
    return f"{archive.path.name}/{year_file.name}"


def _load_year(
    cfg: Config,
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    archive: baci_client.BaciArchive,
    year_file: baci_client.YearFile,
    synthetic: bool,
    notes: list[str],
) -> InputOutcome:
    landed, sha256 = archive.land(year_file, cfg.warehouse.raw_dir)
    batch_id = f"baci:{year_file.release}:{year_file.year}:{sha256[:12]}"
    batch_id = ledger.start_batch(
        con, batch_id=batch_id, run_id=run_id, source=baci_settings.SOURCE,
        release=year_file.release, period=str(year_file.year), file_name=year_file.name,
        file_path=str(landed), file_sha256=sha256, file_fingerprint=year_file.fingerprint,
        parameters={"archive": archive.path.name, "hs_revision": year_file.hs_revision},
        is_synthetic=synthetic, input_key=_baci_input(archive, year_file),
    )
    checkpoint("landed")
    con.execute("delete from raw.baci_flows where batch_id = ?", [batch_id])
    try:
        rows = baci_resources.load_raw_flows(con, landed, batch_id, numbered=False)
    except SourceError as exc:
        con.execute("delete from raw.baci_flows where batch_id = ?", [batch_id])
        ledger.update_batch(con, batch_id, status="failed", message=str(exc))
        return InputOutcome(baci_settings.SOURCE, year_file.name, "failed", batch_id,
                            year_file.release, year_file.hs_revision, year_file.year,
                            is_synthetic=synthetic, message=str(exc))
    padded = _padded_codes(con, "raw.baci_flows", "k", batch_id, lengths=(1, 2, 3, 4, 5))
    if padded:
        notes = [*notes, f"{padded:,} product code(s) of fewer than six digits padded with "
                         "leading zeros (BACI writes codes as numbers: 10121 is 010121)"]
    ledger.update_batch(con, batch_id, status="loaded", rows_read=rows,
                        message="; ".join(notes) or None)
    checkpoint("raw_loaded")
    return InputOutcome(baci_settings.SOURCE, year_file.name, "loaded", batch_id,
                        year_file.release, year_file.hs_revision, year_file.year, rows,
                        is_synthetic=synthetic, message="; ".join(notes) or None)


# --------------------------------------------------------------------------------- validate


def validate_baci_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> BatchVerdict:
    """The gate for one loaded BACI year: GX suite on bounded chunks, SQL checks, and
    quarantine of every failing row with its file line, field and reason."""
    assert outcome.batch_id is not None and outcome.year is not None
    batch_id = outcome.batch_id
    with work_db(cfg) as con:
        codes = [r[0] for r in con.execute(
            "select baci_code from ref.countries where baci_code is not null "
            "union select baci_code from ref.baci_special_codes"
        ).fetchall()]
        products = [r[0] for r in con.execute(
            "select distinct code from raw.baci_product_codes where release = ? "
            "and hs_revision = ?", [outcome.release, outcome.hs_revision],
        ).fetchall()]
        spec = suites.trade_flow_suite(batch_id, year=outcome.year, country_codes=codes,
                                       product_codes=products or None)
        result = gate.run_suite(spec, con, chunk_rows=cfg.validation.chunk_rows,
                                sample_rows=cfg.validation.sample_rows)
        if not result.success and not baci_resources.is_numbered(con, batch_id):
            # Rejected: load the file again with its line numbers, so that every failing
            # row is reported and quarantined with its line (a passing batch never needs
            # them).
            (landed,) = con.execute("select file_path from ops.load_ledger "
                                    "where batch_id = ?", [batch_id]).fetchall()[0]
            baci_resources.number_raw_flows(con, Path(landed), batch_id)
            result = gate.run_suite(spec, con, chunk_rows=cfg.validation.chunk_rows,
                                    sample_rows=cfg.validation.sample_rows)
        return _settle_verdict(cfg, con, run_id, outcome, result, "raw.baci_flows",
                               "concat_ws(',', r.t, r.i, r.j, r.k, r.v, r.q)")


def _record_validation(
    con: duckdb.DuckDBPyConnection, run_id: str, batch_id: str, result: gate.GateResult
) -> None:
    con.execute("delete from ops.validation_results where batch_id = ?", [batch_id])
    checked_at = ledger.now()
    con.executemany(
        "insert into ops.validation_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[batch_id, run_id, c.suite, c.expectation, c.column, c.success, c.element_count,
          c.unexpected_count, json.dumps(c.sample, default=str), checked_at]
         for c in result.checks],
    )


def _quarantine(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    outcome: InputOutcome,
    result: gate.GateResult,
    raw_table: str,
    raw_record_sql: str,
) -> None:
    """Keep every failing row, with its file line, field, reason and raw record."""
    con.execute("delete from ops.quarantine where batch_id = ?", [outcome.batch_id])
    import pandas as pd

    defects = pd.DataFrame({
        "line_number": pd.array([d.line_number for d in result.defects], dtype="Int64"),
        "field": [d.field for d in result.defects],
        "reason": [d.reason for d in result.defects],
    })
    con.register("_defects", defects)
    try:
        con.execute(
            f"""
            insert into ops.quarantine
            select ?, ?, ?, ?, d.line_number, d.field, d.reason, {raw_record_sql}, ?
            from _defects as d
            left join {raw_table} as r
              on r.batch_id = ? and r.line_number = d.line_number
            order by d.line_number
            """,
            [outcome.batch_id, run_id, outcome.source, outcome.file_name, ledger.now(),
             outcome.batch_id],
        )
    finally:
        con.unregister("_defects")


def _run_gate(
    cfg: Config,
    run_id: str,
    outcome: InputOutcome,
    suite: Any,
    raw_table: str,
    raw_record_sql: str,
    *,
    also_clear: tuple[str, ...] = (),
) -> BatchVerdict:
    """Run a batch's suite and settle it; a rejected batch's other raw tables are cleared
    too (its failing rows are in quarantine)."""
    assert outcome.batch_id is not None
    with work_db(cfg) as con:
        result = gate.run_suite(suite(outcome.batch_id), con,
                                chunk_rows=cfg.validation.chunk_rows,
                                sample_rows=cfg.validation.sample_rows)
        verdict = _settle_verdict(cfg, con, run_id, outcome, result, raw_table,
                                  raw_record_sql)
        if not result.success:
            for table in also_clear:
                con.execute(f"delete from {table} where batch_id = ?", [outcome.batch_id])
    return verdict


def _settle_verdict(
    cfg: Config,
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    outcome: InputOutcome,
    result: gate.GateResult,
    raw_table: str,
    raw_record_sql: str,
) -> BatchVerdict:
    assert outcome.batch_id is not None
    _record_validation(con, run_id, outcome.batch_id, result)
    rejected = result.rejected_lines()
    if result.success:
        ledger.update_batch(con, outcome.batch_id, status="validated", rows_rejected=0)
        checkpoint("validated")
    else:
        _quarantine(con, run_id, outcome, result, raw_table, raw_record_sql)
        con.execute(f"delete from {raw_table} where batch_id = ?", [outcome.batch_id])
        ledger.update_batch(
            con, outcome.batch_id, status="rejected", rows_rejected=rejected, rows_loaded=0,
            message=f"{len(result.failed)} check(s) failed on {rejected} row(s); "
                    "see ops.quarantine",
        )
    return BatchVerdict(
        outcome.batch_id, outcome.file_name, result.success, rejected,
        failed_checks=[asdict(c) for c in result.failed],
        defects=[asdict(d) for d in result.defects[: max(cfg.validation.sample_rows, 20)]],
    )


def ingest_file(cfg: Config, run_id: str, path: Path, profile_name: str) -> InputOutcome:
    """Land an analyst's file and load it into raw through its profile."""
    from observatory.sources.files import resources as file_resources

    profile = cfg.profiles.get(profile_name)
    if profile is None:
        raise ConfigError(f"--profile: unknown profile {profile_name!r} (known: "
                          f"{', '.join(sorted(cfg.profiles))})")
    source = file_resources.source_name(profile)
    with work_db(cfg) as con:
        started = start_file_batch(cfg, con, run_id, source, path, key=profile.name,
                                   parameters={"profile": profile.name},
                                   allow_deletions=profile.allow_deletions)
        if isinstance(started, InputOutcome):
            return started
        batch_id, landed, sha = started.batch_id, started.landed, started.sha
        try:
            rows, breakdown, notes = file_resources.load_raw(con, landed, profile, batch_id)
        except SourceError as exc:
            for table in ("file_records", "file_batches", "file_code_map"):
                con.execute(f"delete from raw.{table} where batch_id = ?", [batch_id])
            ledger.update_batch(con, batch_id, status="failed", message=str(exc))
            return InputOutcome(source, path.name, "failed", batch_id, sha[:12],
                                message=str(exc))
        padded = _padded_codes(con, "raw.file_records", "product", batch_id, lengths=(1, 3, 5),
                               dotted=True)
        if padded:
            notes.append(f"{padded:,} product code(s) of an odd number of digits padded with "
                         "a leading zero (a code read as a number loses it: 10121 is 010121)")
        message = "; ".join(notes) or None
        ledger.update_batch(con, batch_id, status="loaded", rows_read=rows, message=message)
    return InputOutcome(source, path.name, "loaded", batch_id, sha[:12], rows_read=rows,
                        message=message)


def validate_file_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> BatchVerdict:
    """The gate for an analyst's file: the file_records suite, then SQL checks."""
    return _run_gate(cfg, run_id, outcome, suites.file_record_suite, "raw.file_records",
                     "concat_ws(' | ', r.reporter, r.partner, r.product, r.year, r.month, "
                     "r.flow, r.value, r.quantity)",
                     also_clear=("raw.file_batches", "raw.file_code_map"))

def merge_file_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> MergeResult:
    """Replace the file's (reporter, flow, frequency, year) partitions in core, under the
    partition rule (the profile's `allow_deletions` or the run's flag lets deletions through)."""
    from observatory.warehouse.merge import replace_reported_partitions

    assert outcome.batch_id and outcome.release
    profile = cfg.profiles.get(outcome.source.removeprefix("file:"))
    guard = guard_for(cfg, profile_allows=bool(profile and profile.allow_deletions))

    def merge(con: duckdb.DuckDBPyConnection) -> tuple[int, partitions.ChangeReport]:
        assert outcome.batch_id and outcome.release
        counts, report = replace_reported_partitions(
            con, "staging.stg_file_records", outcome.batch_id, outcome.source,
            outcome.release, guard, what=outcome.file_name)
        return counts["trade_flows"] + counts["trade_totals"], report

    return merge_batch(cfg, run_id, outcome,
                       ("raw.file_records", "raw.file_batches", "raw.file_code_map"), merge)


def failing_as(source: str) -> Any:
    """An ingest of one file whose expected errors (an unreadable or missing file, a file of
    the wrong kind) become a failed input with the one-line reason, instead of an exception
    (a Prefect task raising it would print a traceback; the run goes on either way)."""
    def decorate(fn: Any) -> Any:
        @functools.wraps(fn)
        def ingest(cfg: Config, run_id: str, path: Path, *args: Any) -> InputOutcome:
            try:
                return fn(cfg, run_id, path, *args)
            except (SourceError, OSError) as exc:
                return InputOutcome(source, Path(path).name, "failed",
                                    message=one_line(str(exc)))
        return ingest
    return decorate


def is_synthetic(path: Path) -> bool:
    """Demo files carry the demo marker in their first bytes or in a README.txt beside them."""
    from observatory.sources.baci.settings import DEMO_MARKER

    marker = DEMO_MARKER.encode()
    with path.open("rb") as fh:
        if marker in fh.read(4096):
            return True
    readme = path.parent / "README.txt"
    return readme.is_file() and marker in readme.read_bytes()


def discover(cfg: Config, patterns: tuple[str, ...]) -> list[Path]:
    found: set[Path] = set()
    for pattern in patterns:
        found.update(Path(p) for p in glob.glob(cfg.resolve(pattern)))
    return sorted(found)


def comtrade_crosswalk() -> dict[int, str]:
    """Comtrade numeric codes → ISO3, plus its non-country partner areas (S19, _X…)."""
    from observatory.reference.codes import comtrade_special_codes
    from observatory.reference.countries import comtrade_code_to_iso3

    specials = comtrade_special_codes()
    areas = {int(c): str(label) for c, label, world in zip(
        specials["comtrade_code"], specials["label"], specials["is_world"], strict=True)
        if not world}
    return comtrade_code_to_iso3() | areas


def ingest_comtrade(cfg: Config, run_id: str,
                    fetches: Fetches = SEQUENTIAL) -> list[InputOutcome]:
    """Fetch the configured Comtrade queries (and what an earlier run left pending), land each
    answer as Parquet and load it into raw; one batch per request. The requests are fetched
    through `fetches` (in parallel in the flow) and loaded here, in plan order."""
    from observatory.sources.comtrade import state
    from observatory.sources.comtrade.client import ComtradeClient
    from observatory.sources.comtrade.resources import QuerySpec, RequestRunner, plan_requests

    settings = cfg.comtrade
    if not settings.enabled:
        return []
    periods = [str(y) for y in cfg.study.years] if settings.freq == "A" else [
        f"{y}{m:02d}" for y in cfg.study.years for m in range(1, 13)]
    spec = QuerySpec(
        reporters=list(settings.reporters), periods=periods, partners=list(settings.partners),
        cmd_codes=list(settings.commodities), flows=list(settings.flows), freq=settings.freq,
        endpoint=settings.endpoint, row_cap=settings.row_cap or None,
    )
    crosswalk = comtrade_crosswalk()
    client = ComtradeClient.from_env(base_url=settings.base_url,
                                     max_retries=settings.max_retries, http=cfg.http)
    outcomes: list[InputOutcome] = []
    with work_db(cfg) as con:
        state.ensure_tables(con)
        requests = plan_requests(spec, crosswalk, base_url=settings.base_url)
        # Incremental: datasets republished since they were fetched (their availability
        # fingerprint changed) are planned again, reporter by reporter, and fetched anew.
        changes: list[Any] = []
        try:
            changes, refetch = _republished(client, con, spec, crosswalk, settings.base_url)
        except SourceError as exc:
            refetch = []
            outcomes.append(InputOutcome("comtrade", "availability", "failed",
                                         message=str(exc)))
        if refetch:
            state.register(con, refetch)
            state.reset(con, [r.request_id for r in refetch])
        runner = RequestRunner(client, con, crosswalk)
        completed = True
        try:
            for batch in runner.run([*requests, *refetch], fetches):
                outcomes.append(_load_comtrade_batch(cfg, con, run_id, batch))
        except SourceError as exc:
            completed = False
            outcomes.append(InputOutcome("comtrade", "requests", "failed", message=str(exc)))
        if runner.quota_message:
            completed = False
            pending = state.counts(con).get("pending", 0)
            outcomes.append(InputOutcome(
                "comtrade", "requests", "failed",
                message=f"stopped by the call quota; {pending} request(s) resume next run: "
                        f"{runner.quota_message}"))
        if completed and changes:
            state.save_fingerprints(con, "C", settings.freq, "HS", changes)
    return outcomes


def _republished(client: Any, con: duckdb.DuckDBPyConnection, spec: Any,
                 crosswalk: dict[int, str], base_url: str) -> tuple[list[Any], list[Any]]:
    """Availability changes of the configured reporters and periods, and the requests that
    fetch those (reporter, period) pairs again."""
    from observatory.sources.comtrade.resources import (
        availability_changes,
        changed_pairs,
        plan_refetch,
    )

    codes = {iso3: code for code, iso3 in crosswalk.items()}
    reporter_codes = [codes[r] for r in spec.reporters if r in codes]
    answer = client.availability("C", spec.freq, "HS", reporter_codes=reporter_codes,
                                 periods=[str(p) for p in spec.periods])
    changes = availability_changes(con, answer.records, type_code="C", freq=spec.freq,
                                   classification="HS")
    stored_before = any(c.previous_fingerprint for c in changes)
    # On the first run every dataset is new: the plan itself fetches them.
    refetch = plan_refetch(spec, changed_pairs(changes), crosswalk, base_url=base_url) \
        if stored_before else []
    return changes, refetch


def _load_comtrade_batch(cfg: Config, con: duckdb.DuckDBPyConnection, run_id: str,
                         batch: Any) -> InputOutcome:
    request_id = batch.request_id
    frame = batch.records.copy()
    landed = cfg.warehouse.raw_dir / "comtrade" / f"{request_id}.parquet"
    landed.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(landed, index=False)
    sha = hashlib.sha256(landed.read_bytes()).hexdigest()
    batch_id = f"comtrade:{request_id}:{sha[:8]}"
    name = f"{batch.request.path}#{request_id}"
    batch_id = ledger.start_batch(
        con, batch_id=batch_id, run_id=run_id, source="comtrade", release=sha[:12],
        period=",".join(batch.request.values("period")), file_name=name,
        file_path=str(landed), file_sha256=sha, file_fingerprint=f"request:{request_id}:{sha}",
        parameters=batch.request.params_dict,
    )
    frame["line_number"] = frame.pop("record_index").astype("Int64") + 1
    frame.insert(0, "batch_id", batch_id)
    insert_frame(con, "raw.comtrade_records", frame, replace_batch=batch_id)
    if batch.unknown_codes:
        con.executemany(
            "insert into ops.quarantine values (?, ?, 'comtrade', ?, ?, ?, ?, ?, ?)",
            [[batch_id, run_id, name, u.record_index + 1, u.field, u.reason, u.raw_record,
              ledger.now()] for u in batch.unknown_codes],
        )
    notes = [f"{batch.breakdown_rows_dropped} breakdown rows dropped"] if \
        batch.breakdown_rows_dropped else []
    if batch.unknown_codes:
        notes.append(f"{len(batch.unknown_codes)} record(s) with unknown country codes "
                     "quarantined")
    message = "; ".join(notes) or None
    ledger.update_batch(con, batch_id, status="loaded", rows_read=batch.rows_received,
                        rows_rejected=len(batch.unknown_codes), message=message)
    return InputOutcome("comtrade", name, "loaded", batch_id, sha[:12],
                        rows_read=batch.rows_received, message=message)


def validate_comtrade_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> BatchVerdict:
    return _run_gate(
        cfg, run_id, outcome,
        lambda batch: suites.file_record_suite(batch, view="staging.stg_comtrade_records",
                                               name="comtrade_records", allow_total=True),
        "raw.comtrade_records",
        "concat_ws(' | ', r.reporter_iso3, r.partner_iso3, r.flow_code, r.cmd_code, "
        "r.period, r.primary_value_usd)")

def merge_comtrade_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> MergeResult:
    """Replace the answer's partitions in core; its request is `done` once merged, and back
    to `pending` (fetched again next run) when the answer was refused or failed."""
    from observatory.warehouse.merge import replace_reported_partitions

    assert outcome.batch_id and outcome.release

    def merge(con: duckdb.DuckDBPyConnection) -> tuple[int, partitions.ChangeReport]:
        assert outcome.batch_id and outcome.release
        counts, report = replace_reported_partitions(
            con, "staging.stg_comtrade_records", outcome.batch_id, "comtrade",
            outcome.release, guard_for(cfg), what=outcome.file_name)
        return counts["trade_flows"] + counts["trade_totals"], report

    result = merge_batch(cfg, run_id, outcome, ("raw.comtrade_records",), merge)
    if result.status != "merged":
        reopen_comtrade_request(cfg, outcome.batch_id, result.message)
    return result


def comtrade_request_id(batch_id: str) -> str | None:
    """The request a Comtrade batch answers (`comtrade:<request_id>:<sha>`)."""
    parts = batch_id.split(":")
    return parts[1] if len(parts) == 3 and parts[0] == "comtrade" else None


def reopen_comtrade_request(cfg: Config, batch_id: str, reason: str | None) -> None:
    """A request whose answer was not loaded into core stays to do: `pending`, with why."""
    request_id = comtrade_request_id(batch_id)
    if request_id is None:
        return
    with work_db(cfg) as con:
        _reopen_request(con, request_id, reason or "see the run summary")


def _reopen_request(con: duckdb.DuckDBPyConnection, request_id: str, reason: str) -> None:
    from observatory.sources.comtrade import state

    state.ensure_tables(con)
    state.mark(con, request_id, "pending", message=one_line(f"answer not loaded: {reason}"))


@dataclass(frozen=True)
class FileBatch:
    """A landed input file that is new (not settled under the same content)."""

    batch_id: str
    landed: Path
    sha: str


def start_file_batch(cfg: Config, con: duckdb.DuckDBPyConnection, run_id: str, source: str,
                     path: Path, *, key: str | None = None,
                     parameters: dict[str, Any] | None = None,
                     allow_deletions: bool = False,
                     ) -> FileBatch | InputOutcome:
    """Land `path` under raw_dir (content-addressed) and open its ledger batch, or report it
    unchanged when a batch with the same content (and `key`, e.g. the profile) settled.
    A path that is missing, not a regular file (a directory, a FIFO, a device) or cannot be
    read is a failed input, its one-line reason in the outcome."""
    from observatory.sources.files import resources as file_resources

    try:
        landed, sha = file_resources.land(path, cfg.warehouse.raw_dir)
    except SourceError as exc:
        return InputOutcome(source, path.name, "failed", message=str(exc))
    fingerprint = f"{key or source}:sha256={sha}"
    synthetic = is_synthetic(path)
    settled = ledger.find_settled(
        con, source, fingerprint, path.name,
        retry_refused=cfg.validation.allow_deletions or allow_deletions)
    if settled is not None:
        return InputOutcome(source, path.name, "unchanged", settled.batch_id, sha[:12],
                            is_synthetic=synthetic, previous_status=settled.status)
    batch_id = f"{source}:{sha[:12]}"
    batch_id = ledger.start_batch(
        con, batch_id=batch_id, run_id=run_id, source=source, release=sha[:12], period=None,
        file_name=path.name, file_path=str(landed), file_sha256=sha,
        file_fingerprint=fingerprint, parameters=parameters, is_synthetic=synthetic)
    return FileBatch(batch_id, landed, sha)


@failing_as("wits")
def ingest_tariff_file(cfg: Config, run_id: str, path: Path) -> InputOutcome:
    """Land a WITS SDMX-JSON tariff answer saved as a file and load it into raw."""
    from observatory.sources.wits.resources import parse_tariffs

    with work_db(cfg) as con:
        started = start_file_batch(cfg, con, run_id, "wits", path)
        if isinstance(started, InputOutcome):
            return started
        batch_id, landed, sha = started.batch_id, started.landed, started.sha
        try:
            frame = parse_tariffs(landed.read_text(encoding="utf-8"), path.name)
        except (SourceError, UnicodeDecodeError) as exc:
            ledger.update_batch(con, batch_id, status="failed", message=str(exc))
            return InputOutcome("wits", path.name, "failed", batch_id, sha[:12],
                                message=str(exc))
        frame.insert(0, "line_number", range(1, len(frame) + 1))
        frame.insert(0, "batch_id", batch_id)
        insert_frame(con, "raw.tariff_records", frame, replace_batch=batch_id)
        ledger.update_batch(con, batch_id, status="loaded", rows_read=len(frame))
    return InputOutcome("wits", path.name, "loaded", batch_id, sha[:12],
                        is_synthetic=is_synthetic(path), rows_read=len(frame))


def parse_rate(text: str | None, decimal: str = ".") -> tuple[float | None, bool, str | None]:
    """A tariff cell as (ad valorem % or None, is ad valorem, duty text): "5", "5 %", "5,5%"
    and "free"/"exempt"/"exonéré" are ad valorem; anything else ("12% + 0.5 EUR/kg", "2 USD/t")
    is a non-ad-valorem duty kept as text."""
    import re

    if text is None or not str(text).strip():
        return None, True, None
    raw = str(text).strip()
    if raw.lower() in ("free", "exempt", "exonéré", "exonere", "ex", "0"):
        return 0.0, True, None
    number = raw.replace(",", ".") if decimal == "," else raw
    found = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*%?", number)
    if found:
        return float(found.group(1)), True, None
    return None, False, raw


def ingest_tariff_profile_file(cfg: Config, run_id: str, path: Path,
                               profile_name: str) -> InputOutcome:
    """An analyst's tariff file (e.g. a Market Access Map or AfCFTA e-Tariff Book export)
    through a profile of kind "tariffs" into raw.tariff_records."""
    import pandas as pd

    from observatory.reference.codes import map_codes
    from observatory.sources.files import client as file_client
    from observatory.sources.files import resources as file_resources

    profile = cfg.profiles[profile_name]
    source = file_resources.source_name(profile)
    with work_db(cfg) as con:
        started = start_file_batch(cfg, con, run_id, source, path, key=profile.name,
                                   parameters={"profile": profile.name},
                                   allow_deletions=profile.allow_deletions)
        if isinstance(started, InputOutcome):
            return started
        batch_id, landed, sha = started.batch_id, started.landed, started.sha
        try:
            chunks = [c for c, _ in file_client.read_chunks(landed, profile)]
        except SourceError as exc:
            ledger.update_batch(con, batch_id, status="failed", message=str(exc))
            return InputOutcome(source, path.name, "failed", batch_id, sha[:12],
                                message=str(exc))
        frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()
        importers = map_codes(frame["reporter"].dropna(), profile.reporter_codes)
        partners = map_codes(frame["partner"].dropna(), profile.partner_codes)
        rows = []
        for rec in frame.itertuples(index=False):
            importer = profile.reporter or (importers[str(rec.reporter)].label
                                            if pd.notna(rec.reporter) else None)
            partner = "W00" if not profile.partner_column else (
                partners[str(rec.partner)].label if pd.notna(rec.partner) else None)
            rate, ad_valorem, duty = parse_rate(None if pd.isna(rec.value) else rec.value,
                                                profile.decimal)
            product = "".join(ch for ch in str(rec.product) if ch.isdigit()) \
                if pd.notna(rec.product) else None
            if product and len(product) % 2:
                product = "0" + product
            year = str(rec.year).strip()[:4] if pd.notna(rec.year) else None
            rows.append({
                "line_number": rec.line_number, "importer_iso3": importer,
                "partner_iso3": partner,
                "regime": profile.regime or ("MFN" if partner == "W00" else "PRF"),
                "year": int(year) if year and year.isdigit() else None,
                "classification": profile.classification,
                "hs_level": len(product) if product else None, "product_code": product,
                "ad_valorem_pct": rate, "is_ad_valorem": ad_valorem, "duty_text": duty,
                "datatype": "file",
            })
        records = pd.DataFrame(rows).assign(batch_id=batch_id)
        insert_frame(con, "raw.tariff_records", records, replace_batch=batch_id)
        non_ad_valorem = int((~records["is_ad_valorem"]).sum()) if len(records) else 0
        message = (f"{non_ad_valorem} non-ad-valorem duties kept as text"
                   if non_ad_valorem else None)
        ledger.update_batch(con, batch_id, status="loaded", rows_read=len(records),
                            message=message)
    return InputOutcome(source, path.name, "loaded", batch_id, sha[:12],
                        rows_read=len(records), message=message)


def fetch_wits_tariffs(cfg: Config, run_id: str,
                       fetches: Fetches = SEQUENTIAL) -> list[InputOutcome]:
    """Download each configured reporter's applied tariffs (all products, all partners) for
    the configured year (through `fetches`: in parallel in the flow), save each answer, then
    ingest it like any WITS file, in the configured order."""
    settings = cfg.tariffs
    if not settings.wits_enabled:
        return []
    from observatory.reference.countries import build_countries
    from observatory.sources.wits.client import WitsClient, fetch_tariffs

    numeric = build_countries().set_index("iso3")["iso_numeric"]
    client = WitsClient(settings.wits_base_url, http=cfg.http)
    reporters = [(iso3, f"{int(numeric[iso3]):03d}") for iso3 in settings.wits_reporters]
    pending = [fetches.submit(fetch_tariffs, client, reporter, "all", "all", settings.wits_year)
               for _, reporter in reporters]
    outcomes = []
    for (iso3, _), handle in zip(reporters, pending, strict=True):
        dest = (cfg.warehouse.raw_dir / "wits" / str(settings.wits_year)
                / f"tariffs_{iso3}_{settings.wits_year}.json")
        try:
            body = handle.result()
        except SourceError as exc:
            outcomes.append(InputOutcome("wits", dest.name, "failed", message=str(exc)))
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".tmp")
        tmp.write_text(json.dumps(body), encoding="utf-8")
        tmp.replace(dest)
        outcomes.append(ingest_tariff_file(cfg, run_id, dest))
    return outcomes


def validate_tariff_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> BatchVerdict:
    return _run_gate(cfg, run_id, outcome, suites.tariff_suite, "raw.tariff_records",
                     "concat_ws(' | ', r.importer_iso3, r.partner_iso3, r.regime, r.year, "
                     "r.product_code, r.ad_valorem_pct)")

def merge_tariff_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> MergeResult:
    """Replace the (source, importer, year) partitions the batch brings, in one transaction,
    under the partition rule."""
    assert outcome.batch_id and outcome.release
    batch_id, source, release = outcome.batch_id, outcome.source, outcome.release
    profile = cfg.profiles.get(source.removeprefix("file:"))
    guard = guard_for(cfg, profile_allows=bool(profile and profile.allow_deletions))

    def merge(con: duckdb.DuckDBPyConnection) -> tuple[int, partitions.ChangeReport]:
        with transaction(con):
            con.execute(
                "create or replace temp table _tariff_partitions as select distinct "
                "importer_iso3, year from raw.tariff_records where batch_id = ?", [batch_id])
            report = partitions.measure(
                con, "core.tariffs",
                "select t.importer_iso3 || ' ' || t.year as part, t.partner_iso3 as partner, "
                "hash(t.partner_iso3, t.regime, t.classification, t.product_code) as key, "
                "t.batch_id from core.tariffs as t join _tariff_partitions as p "
                "on t.source = ? and t.importer_iso3 = p.importer_iso3 and t.year = p.year",
                [source],
                "select importer_iso3 || ' ' || year as part, partner_iso3 as partner, "
                "hash(partner_iso3, regime, classification, product_code) as key, batch_id "
                "from raw.tariff_records where batch_id = ?",
                [batch_id])
            guard.check(report, outcome.file_name)
            con.execute(
                """
                delete from core.tariffs as t
                using _tariff_partitions as p
                where t.source = ? and t.importer_iso3 = p.importer_iso3 and t.year = p.year
                """,
                [source],
            )
            con.execute(
                """
                insert into core.tariffs by name
                select ? as source, ? as release, batch_id, importer_iso3, partner_iso3,
                       regime, year, classification, hs_level, product_code, ad_valorem_pct,
                       coalesce(is_ad_valorem, true) as is_ad_valorem, duty_text, tariff_lines
                from raw.tariff_records where batch_id = ?
                """,
                [source, release, batch_id],
            )
            row = con.execute("select count(*) from core.tariffs where batch_id = ?",
                              [batch_id]).fetchall()
            con.execute("drop table _tariff_partitions")
        return int(row[0][0]), report

    return merge_batch(cfg, run_id, outcome, ("raw.tariff_records",), merge)


RASFF_TABLES = ("rasff_notifications", "rasff_origins", "rasff_hs")


@failing_as("rasff")
def ingest_rasff_file(cfg: Config, run_id: str, path: Path) -> InputOutcome:
    """Land a RASFF export, normalise it (connector) and load the batch into raw."""
    from observatory.sources.rasff.resources import map_to_hs, read_notifications

    with work_db(cfg) as con:
        started = start_file_batch(cfg, con, run_id, "rasff", path)
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
                        is_synthetic=is_synthetic(path),
                        rows_read=batch.rows_read, message=message)


def validate_rasff_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> BatchVerdict:
    return _run_gate(cfg, run_id, outcome, suites.rasff_suite, "raw.rasff_notifications",
                     "concat_ws(' | ', r.reference, r.notification_date, r.classification, "
                     "r.subject)",
                     also_clear=tuple(f"raw.{t}" for t in RASFF_TABLES[1:]))

def merge_rasff_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> MergeResult:
    """Merge by reference, with history: a changed notification gets version + 1 and the
    previous version is kept (is_current false); an unchanged one is left as it is."""
    assert outcome.batch_id and outcome.release
    batch = outcome.batch_id
    with work_db(cfg) as con:
        with transaction(con):
            con.execute(
                """
                create or replace temp table _incoming as
                select r.*, md5(concat_ws('|', r.notification_date, r.category,
                    r.product_type, r.subject, r.classification, r.risk_decision,
                    r.notifying_country, r.hazards, array_to_string(r.operator, ';'),
                    array_to_string(r.distribution, ';'))) as content_hash,
                    c.version as current_version, c.content_hash as current_hash
                from raw.rasff_notifications as r
                left join core.rasff_notifications as c
                  on c.reference = r.reference and c.is_current
                where r.batch_id = ?
                """,
                [batch],
            )
            con.execute(
                """
                update core.rasff_notifications as c set is_current = false
                from _incoming as i
                where c.reference = i.reference and c.is_current
                  and i.content_hash <> i.current_hash
                """
            )
            con.execute(
                """
                insert into core.rasff_notifications by name
                select reference, coalesce(current_version, 0) + 1 as version,
                       true as is_current, content_hash, notification_date, year, week,
                       category, product_type, subject, classification, risk_decision,
                       notifying_country, notifying_iso3, hazards, operator, distribution,
                       for_attention, for_follow_up, 'rasff' as source, ? as release,
                       batch_id
                from _incoming
                where current_hash is null or content_hash <> current_hash
                """,
                [outcome.release],
            )
            for table in ("rasff_origins", "rasff_hs"):
                con.execute(
                    f"""
                    delete from core.{table} where reference in (
                        select reference from _incoming
                        where current_hash is null or content_hash <> current_hash)
                    """
                )
                con.execute(
                    f"""
                    insert into core.{table} by name
                    select t.* from raw.{table} as t
                    join _incoming as i using (reference)
                    where t.batch_id = ? and (i.current_hash is null
                                              or i.content_hash <> i.current_hash)
                    """,
                    [batch],
                )
            row = con.execute(
                "select count(*) filter (where current_hash is null), count(*) filter "
                "(where content_hash <> current_hash) from _incoming").fetchall()
            con.execute("drop table _incoming")
            for table in RASFF_TABLES:
                con.execute(f"delete from raw.{table} where batch_id = ?", [batch])
        added, replaced = int(row[0][0]), int(row[0][1])
        ledger.update_batch(con, batch, status="merged", rows_loaded=added + replaced,
                            rows_live=added + replaced)
    # Merged by id with history: nothing is deleted; a changed notification is a new version.
    return MergeResult("merged", added + replaced, None, {
        "added": added, "replaced": replaced, "deleted": 0,
        "summary": f"{added:,} new, {replaced:,} changed (new versions), 0 deleted"})


def ingest_eping(cfg: Config, run_id: str, fetches: Fetches = SEQUENTIAL) -> list[InputOutcome]:
    """Fetch the notifications distributed since the last ones loaded (minus an overlap),
    land the answer as JSON and load it into raw as one batch. The search (all its pages,
    one request at a time within the shared limits) is one fetch of `fetches`: it runs
    beside the other sources' fetches in the flow."""
    if not cfg.eping.enabled:
        return []
    from observatory.reference.countries import build_countries
    from observatory.sources.eping import resources as eping
    from observatory.sources.eping.client import EpingClient

    settings = cfg.eping
    eu = set(build_countries().query("eu_member")["iso3"])
    members = [m for m in settings.members if m != "EUR"]
    with_eu = "EUR" in settings.members or any(m in eu for m in members)
    country_ids = eping.eping_member_ids(members) + (["U918"] if with_eu else [])
    # The API's own progress: the end of the last window fetched from it and loaded (saved
    # answers read from files say nothing of what the API has been asked).
    with work_db(cfg) as con:
        row = con.execute(
            "select max(try_cast(json_extract_string(parameters, '$.window[1]') as date)) "
            "from ops.load_ledger where source = 'eping' "
            "and status in ('merged', 'published')").fetchall()
    window = eping.plan_window(row[0][0], datetime.now(UTC).date(),
                               overlap_days=settings.overlap_days,
                               initial_days=settings.initial_days)
    client = EpingClient.from_env(base_url=settings.base_url,
                                  max_retries=settings.max_retries, http=cfg.http)
    try:
        items = fetches.submit(eping.fetch_since, client, window[0], window[1],
                               country_ids).result()
    except SourceError as exc:
        return [InputOutcome("eping", "notifications/search", "failed", message=str(exc))]
    text = json.dumps(items, sort_keys=True, default=str)
    sha = hashlib.sha256(text.encode()).hexdigest()
    name = f"notifications_{window[0]}_{window[1]}.json"
    landed = cfg.warehouse.raw_dir / "eping" / f"{sha[:16]}_{name}"
    landed.parent.mkdir(parents=True, exist_ok=True)
    landed.write_text(text, encoding="utf-8")
    return [_load_eping_items(cfg, run_id, items, name, landed, sha,
                              {"countryIds": country_ids,
                               "window": [window[0].isoformat(), window[1].isoformat()]},
                              synthetic=False, from_api=True)]


@failing_as("eping")
def ingest_eping_file(cfg: Config, run_id: str, path: Path) -> InputOutcome:
    """A saved answer of the ePing search API (`{"items": [...]}`), read offline."""
    from observatory.sources.files import resources as file_resources

    landed, sha = file_resources.land(path, cfg.warehouse.raw_dir)
    try:
        body = json.loads(landed.read_text(encoding="utf-8"))
        items = next(body[k] for k in ("items", "notifications", "data", "results")
                     if isinstance(body, dict) and isinstance(body.get(k), list))
    except (json.JSONDecodeError, UnicodeDecodeError, StopIteration) as exc:
        return InputOutcome("eping", path.name, "failed",
                            message=f"{path.name}: not an ePing search answer ({exc})")
    return _load_eping_items(cfg, run_id, items, path.name, landed, sha, {"file": path.name},
                             synthetic=is_synthetic(path))


def _load_eping_items(cfg: Config, run_id: str, items: list[Any], name: str, landed: Path,
                      sha: str, parameters: dict[str, Any], *, synthetic: bool,
                      from_api: bool = False
                      ) -> InputOutcome:
    from observatory.sources.eping import resources as eping

    try:
        notifications, products = eping.to_frames(items)
    except SourceError as exc:
        return InputOutcome("eping", name, "failed", message=str(exc))
    with work_db(cfg) as con:
        fingerprint = f"eping:sha256={sha}"
        # A saved answer is the file of its name; the API's answers are one stream, each
        # window named after its dates: an answer equal to one already loaded is unchanged.
        settled = ledger.find_settled(con, "eping", fingerprint,
                                      None if from_api else name)
        if settled is not None:
            return InputOutcome("eping", name, "unchanged", settled.batch_id, sha[:12],
                                is_synthetic=synthetic, previous_status=settled.status)
        batch_id = f"eping:{sha[:12]}"
        batch_id = ledger.start_batch(con, batch_id=batch_id, run_id=run_id, source="eping",
                           release=sha[:12], period=None, file_name=name,
                           file_path=str(landed), file_sha256=sha,
                           file_fingerprint=fingerprint, parameters=parameters,
                           is_synthetic=synthetic)
        notifications = notifications.assign(
            batch_id=batch_id, line_number=range(1, len(notifications) + 1))
        for table, frame in (("eping_notifications", notifications),
                             ("eping_notification_products", products.assign(
                                 batch_id=batch_id))):
            insert_frame(con, f"raw.{table}", frame, replace_batch=batch_id)
        unknown = notifications.attrs.get("unknown_members") or []
        message = ("members without ISO3: " + ", ".join(unknown)) if unknown else None
        ledger.update_batch(con, batch_id, status="loaded", rows_read=len(notifications),
                            message=message)
    return InputOutcome("eping", name, "loaded", batch_id, sha[:12],
                        rows_read=len(notifications), is_synthetic=synthetic, message=message)


def validate_eping_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> BatchVerdict:
    return _run_gate(cfg, run_id, outcome, suites.eping_suite, "raw.eping_notifications",
                     "concat_ws(' | ', r.notification_id, r.symbol, r.distribution_date, "
                     "r.title)", also_clear=("raw.eping_notification_products",))

def merge_eping_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> MergeResult:
    """Merge by notification id with history (a changed notification gets version + 1, the
    old version kept); its HS codes follow the current version."""
    assert outcome.batch_id and outcome.release
    batch = outcome.batch_id
    with work_db(cfg) as con:
        with transaction(con):
            con.execute(
                """
                create or replace temp table _incoming as
                select r.*, md5(concat_ws('|', r.symbol, r.area, r.notifying_member,
                    r.distribution_date, r.comment_deadline, r.entry_into_force, r.title,
                    r.description, r.products_text, array_to_string(r.hs_codes, ';'),
                    r.is_open_for_comments)) as content_hash,
                    c.version as current_version, c.content_hash as current_hash
                from raw.eping_notifications as r
                left join core.notifications as c
                  on c.source = 'eping' and c.notification_id = r.notification_id
                 and c.is_current
                where r.batch_id = ?
                """,
                [batch],
            )
            con.execute(
                """
                update core.notifications as c set is_current = false
                from _incoming as i
                where c.source = 'eping' and c.notification_id = i.notification_id
                  and c.is_current and i.content_hash <> i.current_hash
                """
            )
            con.execute(
                """
                insert into core.notifications by name
                select 'eping' as source, notification_id,
                       coalesce(current_version, 0) + 1 as version, true as is_current,
                       content_hash, symbol, base_symbol, parent_symbol, revision_kind,
                       revision_number, area, notification_type, notifying_member,
                       notifying_iso3, distribution_date, comment_deadline, entry_into_force,
                       title, description, products_text, objectives, keywords,
                       document_links, link, is_open_for_comments, ? as release, batch_id
                from _incoming
                where current_hash is null or content_hash <> current_hash
                """,
                [outcome.release],
            )
            con.execute(
                """
                delete from core.notification_products
                where source = 'eping' and notification_id in (
                    select notification_id from _incoming
                    where current_hash is null or content_hash <> current_hash)
                """
            )
            con.execute(
                """
                insert into core.notification_products by name
                select 'eping' as source, p.notification_id, p.symbol, p.hs_code,
                       p.hs_level, p.batch_id
                from raw.eping_notification_products as p
                join _incoming as i using (notification_id)
                where p.batch_id = ? and (i.current_hash is null
                                          or i.content_hash <> i.current_hash)
                """,
                [batch],
            )
            row = con.execute("select count(*) filter (where current_hash is null), count(*) "
                              "filter (where content_hash <> current_hash) from _incoming"
                              ).fetchall()
            con.execute("drop table _incoming")
            for table in ("eping_notifications", "eping_notification_products"):
                con.execute(f"delete from raw.{table} where batch_id = ?", [batch])
        added, replaced = int(row[0][0]), int(row[0][1])
        ledger.update_batch(con, batch, status="merged", rows_loaded=added + replaced,
                            rows_live=added + replaced)
    # Merged by id with history: nothing is deleted; a changed notification is a new version.
    return MergeResult("merged", added + replaced, None, {
        "added": added, "replaced": replaced, "deleted": 0,
        "summary": f"{added:,} new, {replaced:,} changed (new versions), 0 deleted"})


def ingest_feeds(cfg: Config, run_id: str, fetches: Fetches = SEQUENTIAL) -> list[InputOutcome]:
    """Every configured feed: remote ones read through `fetches` (in parallel in the flow),
    local files here (a fetch worker on another machine does not have them); loaded in the
    configured order."""
    from observatory.sources.feeds.client import is_remote
    from observatory.sources.feeds.resources import read_feed

    pending = [(fetches if is_remote(feed.url) else SEQUENTIAL).submit(read_feed, feed, None,
                                                                     cfg.http)
               for feed in cfg.feeds]
    return [ingest_feed(cfg, run_id, feed, handle)
            for feed, handle in zip(cfg.feeds, pending, strict=True)]


def ingest_feed(cfg: Config, run_id: str, feed: Any, read: Pending[Any] | None = None
                ) -> InputOutcome:
    """Read one configured feed (size limits, no entity expansion), land its items as JSON
    and load them into raw; a refused feed is a failed input with its one-line reason.
    `read`: the feed already submitted for reading (`ingest_feeds`)."""
    from observatory.sources.feeds.client import is_remote, local_path
    from observatory.sources.feeds.resources import read_feed

    try:
        batch, items, matches = (read or SEQUENTIAL.submit(read_feed, feed, None,
                                                           cfg.http)).result()
    except SourceError as exc:
        return InputOutcome("feeds", feed.name, "failed", message=str(exc))
    text = items.to_json(orient="records", date_format="iso", force_ascii=False)
    sha = hashlib.sha256(text.encode()).hexdigest()
    # A local feed is demo data when it carries the demo marker (or its README.txt does).
    synthetic = not is_remote(feed.url) and is_synthetic(local_path(feed.url))
    landed = cfg.warehouse.raw_dir / "feeds" / feed.name / f"{sha[:16]}.json"
    landed.parent.mkdir(parents=True, exist_ok=True)
    landed.write_text(text, encoding="utf-8")
    source = "feeds"
    with work_db(cfg) as con:
        fingerprint = f"feed:{feed.name}:sha256={sha}"
        settled = ledger.find_settled(con, source, fingerprint, feed.name)
        if settled is not None:
            return InputOutcome(source, feed.name, "unchanged", settled.batch_id, sha[:12],
                                is_synthetic=synthetic, previous_status=settled.status)
        batch_id = f"feed:{feed.name}:{sha[:12]}"
        batch_id = ledger.start_batch(con, batch_id=batch_id, run_id=run_id, source=source,
                           release=sha[:12], period=None, file_name=feed.name,
                           file_path=str(landed), file_sha256=sha,
                           file_fingerprint=fingerprint, parameters={"url": str(feed.url)},
                           is_synthetic=synthetic)
        frames = (("feed_items", items.assign(batch_id=batch_id,
                                              line_number=range(1, len(items) + 1))),
                  ("feed_item_hs", matches.assign(batch_id=batch_id)))
        for table, frame in frames:
            insert_frame(con, f"raw.{table}", frame, replace_batch=batch_id)
        message = "; ".join(batch.notes) or None
        ledger.update_batch(con, batch_id, status="loaded", rows_read=len(items),
                            message=message)
    return InputOutcome(source, feed.name, "loaded", batch_id, sha[:12],
                        rows_read=len(items), is_synthetic=synthetic, message=message)


def validate_feed_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> BatchVerdict:
    return _run_gate(cfg, run_id, outcome, suites.feed_suite, "raw.feed_items",
                     "concat_ws(' | ', r.feed, r.item_id, r.title)",
                     also_clear=("raw.feed_item_hs",))

def merge_feed_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> MergeResult:
    """Replace the batch's items (by feed and item id) and their HS matches; refresh the
    feeds' markets from the configuration."""
    from observatory.sources.feeds.resources import markets_frame

    assert outcome.batch_id
    batch = outcome.batch_id
    with work_db(cfg) as con:
        with transaction(con):
            for table in ("feed_items", "feed_item_hs"):
                con.execute(
                    f"""
                    delete from core.{table} where (feed, item_id) in (
                        select (feed, item_id) from raw.feed_items where batch_id = ?)
                    """,
                    [batch],
                )
            con.execute(
                "insert into core.feed_items by name select feed, item_id, title, summary, "
                "link, published_at, categories, batch_id from raw.feed_items "
                "where batch_id = ?", [batch])
            con.execute(
                "insert into core.feed_item_hs by name select feed, item_id, hs_prefix, "
                "keyword, batch_id from raw.feed_item_hs where batch_id = ?", [batch])
            con.execute("delete from core.feed_markets")
            insert_frame(con, "core.feed_markets", markets_frame(cfg.feeds))
            row = con.execute("select count(*) from raw.feed_items where batch_id = ?",
                              [batch]).fetchall()
            for table in ("feed_items", "feed_item_hs"):
                con.execute(f"delete from raw.{table} where batch_id = ?", [batch])
        rows = int(row[0][0])
        ledger.update_batch(con, batch, status="merged", rows_loaded=rows, rows_live=rows)
    return MergeResult("merged", rows, None, {
        "added": rows, "replaced": 0, "deleted": 0,
        "summary": f"{rows:,} item(s) stored, each replacing its earlier copy (feed, item id)"})


# -------------------------------------------------------------------------------- transform


def merge_baci_batch(cfg: Config, run_id: str, outcome: InputOutcome) -> MergeResult:
    """Move a validated batch into core (replacing its year, under the partition rule) and
    clear it from raw."""
    assert outcome.batch_id and outcome.release and outcome.hs_revision and outcome.year
    batch_id, release, revision, year = (outcome.batch_id, outcome.release,
                                         outcome.hs_revision, outcome.year)
    return merge_batch(cfg, run_id, outcome, ("raw.baci_flows",),
                       lambda con: baci_resources.merge_flows(con, batch_id, release, revision,
                                                              year, guard_for(cfg)))


# ------------------------------------------------------------------------------- indicators


# Sources whose batches feed only the regulatory side of the watch (not the trade marts,
# the study or the watch's trade marts).
REGULATORY_SOURCES = ("eping", "rasff", "feeds")


def trade_fingerprint(cfg: Config, ref_fingerprint: str) -> str:
    """What the trade step (SQL marts, study, the watch's trade marts) is computed from:
    the trade and tariff batches, reference data, models and the study's parameters."""
    return _inputs_fingerprint(cfg, ref_fingerprint, skip_sources=REGULATORY_SOURCES,
                               thresholds=asdict(cfg.thresholds))


def _inputs_fingerprint(cfg: Config, ref_fingerprint: str, *,
                        skip_sources: tuple[str, ...] = (), **parts: Any) -> str:
    """A hash of the merged or published batches (less those of `skip_sources`), the study's
    parameters, the HS conversion, the SQL models, the reference data and `parts`."""
    skip = " and source not in (select unnest(?::varchar[]))" if skip_sources else ""
    with work_db(cfg) as con:
        batches = [r[0] for r in con.execute(
            "select batch_id from ops.load_ledger where status in ('merged', 'published')"
            f"{skip} order by batch_id", [list(skip_sources)] if skip_sources else []
        ).fetchall()]
    payload = {
        "batches": batches, "study": asdict(cfg.study), "analysis": asdict(cfg.analysis),
        "potential": asdict(cfg.potential),
        "hs_concordance": [str(p) for p in cfg.hs_concordance.tables]
                          + [cfg.hs_concordance.weights],
        "sql": sql_runner.sql_fingerprint(), "ref": ref_fingerprint, **parts,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def refresh_state(cfg: Config, step: str) -> str | None:
    """The fingerprint the step was last computed from (None: never)."""
    with work_db(cfg) as con:
        rows = con.execute("select fingerprint from ops.refresh_state where step = ?",
                           [step]).fetchall()
    return rows[0][0] if rows else None


def record_refresh_state(cfg: Config, step: str, fingerprint: str, run_id: str) -> None:
    with work_db(cfg) as con:
        con.execute("insert or replace into ops.refresh_state values (?, ?, ?, ?)",
                    [step, fingerprint, run_id, ledger.now()])


def publication_fingerprint(cfg: Config, ref_fingerprint: str) -> str:
    """What the published database would hold: merged batches, parameters, models, ref.
    (The watch's date is not in it: a quiet night re-evaluates the date-dependent alerts
    and republishes only when they change.)"""
    return _inputs_fingerprint(
        cfg, ref_fingerprint, rca_threshold=cfg.thresholds.rca, watch=asdict(cfg.watch),
        mirror_band=[cfg.thresholds.mirror_band_low, cfg.thresholds.mirror_band_high])


def build_hs_conversion(cfg: Config, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Fill ref.hs_conversion for every HS revision core holds at HS6 besides the study's;
    returns the revisions converted. Weights: world trade in each study code."""
    con.execute("delete from ref.hs_conversion")
    study = cfg.study.hs_revision
    revisions = [r[0] for r in con.execute(
        "select distinct classification from core.trade_flows "
        "where hs_level = 6 and classification <> ? order by 1", [study]).fetchall()]
    if not revisions or not cfg.hs_concordance.tables:
        return []
    from observatory.reference.concordance import build_conversion, load_correlation

    correlations = [load_correlation(path) for path in cfg.hs_concordance.tables]
    weights = None
    if cfg.hs_concordance.weights == "trade":
        weights = con.execute(
            "select product_code as target_hs6, sum(value_usd) as weight "
            "from core.trade_flows where classification = ? and hs_level = 6 group by 1",
            [study]).df()
    for revision in revisions:
        conversion = build_conversion(correlations, revision, study, weights=weights)
        conversion = conversion.assign(source_revision=revision, target_revision=study)
        con.register("_conversion", conversion)
        try:
            con.execute("insert into ref.hs_conversion by name select source_revision, "
                        "target_revision, source_hs6, target_hs6, share from _conversion")
        finally:
            con.unregister("_conversion")
    return revisions


def build_marts(cfg: Config) -> dict[str, int]:
    """Bring other HS revisions into the study's, then rebuild every mart; returns the row
    count of each."""
    counts: dict[str, int] = {}
    with work_db(cfg) as con:
        build_hs_conversion(cfg, con)
        for path in sql_runner.sql_files(sql_runner.MART_LAYER):
            sql_runner.apply_file(con, path)
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'mart' "
            "order by table_name"
        ).fetchall():
            row = con.execute(f'select count(*) from mart."{name}"').fetchone()
            counts[f"mart.{name}"] = int(row[0]) if row else 0
    return counts


def refresh_study(cfg: Config, run_id: str) -> dict[str, Any]:
    """The exportable-offer study refresh (observatory.study.refresh) on the working
    database: complexity, the study marts, CMS, the study version and its changes."""
    checkpoint("study")
    from observatory.study.refresh import refresh_study as refresh

    with work_db(cfg) as con:
        return refresh(con, cfg, run_id)


def refresh_watch(cfg: Config, run_id: str, as_of: date, *, trade: bool = True
                  ) -> dict[str, Any]:
    """The watch refresh (observatory.watch.refresh) on the working database: watch marts
    (without `trade`, only the regulatory ones), alerts, digest. The study's parameters are
    (re)written first: the watch reads them."""
    checkpoint("watch")
    from observatory.study.refresh import write_study_parameters
    from observatory.watch.refresh import refresh_watch as refresh

    with work_db(cfg) as con:
        write_study_parameters(con, cfg, run_id)
        return refresh(con, cfg, run_id, as_of, trade=trade)


# ---------------------------------------------------------------------------------- publish


def stage_publication(cfg: Config, run_id: str, fingerprint: str) -> Path:
    """Mark merged batches published, record the publication, and write the snapshot copy."""
    with work_db(cfg) as con:
        con.execute(
            "update ops.load_ledger set status = 'published', published_run = ? "
            "where status = 'merged'", [run_id]
        )
        # seq orders publications; published_at follows the clock, which can step back.
        con.execute("insert into ops.publications (run_id, fingerprint, published_at, seq) "
                    "select ?, ?, ?, coalesce(max(seq), 0) + 1 from ops.publications",
                    [run_id, fingerprint, ledger.now()])
        con.execute("checkpoint")
    return publish.snapshot(cfg.warehouse.work, cfg.warehouse.published, run_id)


def render_published_reports(cfg: Config, langs: tuple[str, ...],
                             markets: list[str] | None = None) -> list[Path]:
    """`observatory report`: render the reports again from the published database, into
    report.dir (every report; with `markets`, only those markets' watch pages)."""
    from observatory.errors import ConfigError

    for market in markets or ():
        if market not in cfg.study.priority_markets:
            raise ConfigError(f"--market {market}: not one of study.priority_markets "
                              f"({', '.join(cfg.study.priority_markets)})")
    cfg.report.dir.mkdir(parents=True, exist_ok=True)
    db.open_published(cfg.warehouse.published).close()  # a clear error when there is none
    paths = render_reports(cfg, cfg.warehouse.published, langs, markets=markets)
    recorded = publish.publication(cfg.warehouse.published)
    if recorded is not None:
        from observatory.report import manifest

        manifest.write(cfg.report.dir, recorded.run_id, paths, langs)
    return paths


def render_reports(cfg: Config, snapshot_path: Path, langs: tuple[str, ...],
                   markets: list[str] | None = None) -> list[Path]:
    """Render the reports from a (read-only) published snapshot: the index, the study report
    and workbook, the watch pages (with `markets`: only those markets' watch pages)."""
    from observatory.report.render import render_report
    from observatory.report.study_report import render_study_report
    from observatory.report.workbook import STUDY_WORKBOOK_FILES, write_study_workbook

    con = duckdb.connect(str(snapshot_path), read_only=True)
    try:
        db.configure(con, cfg.warehouse)
        paths = []
        has_study = con.execute(
            "select count(*) from ops.study_parameters").fetchall()[0][0] > 0
        if markets:
            from observatory.report.watch_report import render_watch_reports

            for lang in langs:
                paths += render_watch_reports(con, cfg.report.dir, lang, markets=markets)
            return paths
        for lang in langs:
            paths.append(render_report(con, cfg.report.dir, lang=lang,
                                       top_n=cfg.thresholds.top_products,
                                       top_markets=cfg.thresholds.top_markets))
            if has_study:
                book = STUDY_WORKBOOK_FILES[lang]
                paths.append(write_study_workbook(con, cfg.report.dir / book, lang))
                paths.append(render_study_report(con, cfg.report.dir, lang,
                                                 top_n=cfg.analysis.top_opportunities,
                                                 workbook_name=book))
            if _has_watch(con):
                from observatory.report.watch_report import render_watch_reports

                paths += render_watch_reports(con, cfg.report.dir, lang)
        return paths
    finally:
        con.close()


def _has_watch(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database holds a watch refresh (its parameters row)."""
    return bool(con.execute("select count(*) from ops.watch_parameters").fetchall()[0][0])


def finish_run(cfg: Config, run_id: str, status: str, summary: dict[str, Any]) -> Path:
    """Record the run in `ops.runs` and write its JSON summary for `observatory status`."""
    text = json.dumps(summary, indent=2, default=str, ensure_ascii=False)
    with work_db(cfg) as con:
        con.execute(
            "update ops.runs set ended_at = ?, status = ?, summary = ? where run_id = ?",
            [ledger.now(), status, text, run_id],
        )
    return write_run_summary(cfg, run_id, text)


def write_run_summary(cfg: Config, run_id: str, text: str) -> Path:
    cfg.warehouse.runs_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.warehouse.runs_dir / f"{run_id}.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def check_writable_places(cfg: Config) -> None:
    """Before any work: the folders a run writes (the published database's, the reports',
    the raw landings', the run summaries') can be created and written, and the published
    path is not a folder. One line naming the key otherwise."""
    places = (("warehouse.published", cfg.warehouse.published.parent),
              ("report.dir", cfg.report.dir), ("warehouse.raw_dir", cfg.warehouse.raw_dir),
              ("warehouse.runs_dir", cfg.warehouse.runs_dir))
    if cfg.warehouse.published.is_dir():
        raise ConfigError(f"warehouse.published: {cfg.warehouse.published} is a folder, not a "
                          "database file")
    for key, folder in places:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".write-test-{secrets.token_hex(4)}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(f"{key}: cannot write in {folder} "
                              f"({exc.strerror or type(exc).__name__})") from exc
