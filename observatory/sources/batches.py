"""What every source does the same way with its batches: land a file, open its batch in
the ledger, run its gate and quarantine what fails, merge it under the partition rule.

Sources call these from their stages (`observatory.sources.base.Source`); no source
imports another.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb

from observatory.config import Config
from observatory.errors import SourceError
from observatory.faults import checkpoint
from observatory.sources.base import BatchVerdict, InputOutcome, MergeResult, RunContext
from observatory.text import one_line
from observatory.validation import gate
from observatory.warehouse import ledger, partitions
from observatory.warehouse.session import work_db

# Demo files carry this marker (in their first bytes, or in a README.txt beside them): what
# is read from them is labelled synthetic everywhere.
DEMO_MARKER = "observatory-demo: synthetic"

# Merge errors caused by a batch's own data (a constraint the gate did not foresee): the
# batch fails with one line and core is left as it was. Other DuckDB errors (a full disk, a
# damaged file) stop the run.
DATA_ERRORS = (duckdb.ConstraintException, duckdb.ConversionException)
# Partitions listed in a run summary per batch (all of them are in ops.partition_changes).
SUMMARY_PARTITIONS = 20

# What a path that is not a regular file is, by its stat type. Such paths are never opened:
# reading a FIFO blocks until a writer comes, and /dev/zero or /dev/urandom never end.
_NOT_REGULAR = ((stat.S_ISDIR, "is a directory"),
                (stat.S_ISFIFO, "is a named pipe (FIFO), not a regular file"),
                (stat.S_ISCHR, "is a character device, not a regular file"),
                (stat.S_ISBLK, "is a block device, not a regular file"),
                (stat.S_ISSOCK, "is a socket, not a regular file"))


# ------------------------------------------------------------------------------ files


def discover(cfg: Config, patterns: tuple[str, ...]) -> list[Path]:
    """The files matched by the configuration's globs (relative to its folder), sorted."""
    found: set[Path] = set()
    for pattern in patterns:
        found.update(Path(p) for p in glob.glob(cfg.resolve(pattern)))
    return sorted(found)


def is_synthetic(path: Path) -> bool:
    """Demo files carry the demo marker in their first bytes or in a README.txt beside them."""
    marker = DEMO_MARKER.encode()
    with path.open("rb") as fh:
        if marker in fh.read(4096):
            return True
    readme = path.parent / "README.txt"
    return readme.is_file() and marker in readme.read_bytes()


def check_regular_file(path: Path) -> None:
    """Raise SourceError unless `path` is a regular file (symbolic links followed), saying
    what it is instead, without opening it."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SourceError(f"{path}: file not found") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if stat.S_ISREG(mode):
        return
    for is_kind, text in _NOT_REGULAR:
        if is_kind(mode):
            raise SourceError(f"{path}: {text}")
    raise SourceError(f"{path}: not a regular file")


def land(path: Path, raw_dir: Path) -> tuple[Path, str]:
    """Copy the file under raw_dir/files/<sha256 prefix>/ (streamed); returns path, sha256.

    Raises SourceError naming the file when it is not a regular file (a directory, a FIFO,
    a device: never opened) or cannot be read."""
    check_regular_file(path)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    sha = digest.hexdigest()
    dest = raw_dir / "files" / sha[:16] / path.name
    if not dest.is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + f".{os.getpid()}.tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, dest)
    return dest, sha


def land_text(raw_dir: Path, folder: str, name: str, text: str) -> tuple[Path, str]:
    """Land an answer received from the network (JSON text) under raw_dir/<folder>/,
    content-addressed; returns path and sha256."""
    sha = hashlib.sha256(text.encode()).hexdigest()
    landed = raw_dir / folder / f"{sha[:16]}_{name}"
    landed.parent.mkdir(parents=True, exist_ok=True)
    tmp = landed.with_name(landed.name + f".{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, landed)
    return landed, sha


@dataclass(frozen=True)
class FileBatch:
    """A landed input file that is new (not settled under the same content)."""

    batch_id: str
    landed: Path
    sha: str


def start_file_batch(cfg: Config, con: duckdb.DuckDBPyConnection, run_id: str, source: str,
                     path: Path, *, key: str | None = None,
                     parameters: dict[str, Any] | None = None,
                     allow_deletions: bool = False, handler: str | None = None,
                     ) -> FileBatch | InputOutcome:
    """Land `path` under raw_dir (content-addressed) and open its ledger batch, or report it
    unchanged when its latest load had the same content (and `key`, e.g. the profile).
    A path that is missing, not a regular file (a directory, a FIFO, a device) or cannot be
    read is a failed input, its one-line reason in the outcome."""
    try:
        landed, sha = land(path, cfg.warehouse.raw_dir)
    except SourceError as exc:
        return InputOutcome(source, path.name, "failed", message=str(exc), handler=handler)
    fingerprint = f"{key or source}:sha256={sha}"
    synthetic = is_synthetic(path)
    settled = ledger.find_settled(
        con, source, fingerprint, path.name,
        retry_refused=cfg.validation.allow_deletions or allow_deletions)
    if settled is not None:
        return InputOutcome(source, path.name, "unchanged", settled.batch_id, sha[:12],
                            is_synthetic=synthetic, previous_status=settled.status,
                            handler=handler)
    batch_id = ledger.start_batch(
        con, batch_id=f"{source}:{sha[:12]}", run_id=run_id, source=source, release=sha[:12],
        period=None, file_name=path.name, file_path=str(landed), file_sha256=sha,
        file_fingerprint=fingerprint, parameters=parameters, is_synthetic=synthetic)
    return FileBatch(batch_id, landed, sha)


def failing_as(source: str) -> Callable[..., Any]:
    """An ingest of one file whose expected errors (an unreadable or missing file, a file of
    the wrong kind) become a failed input with the one-line reason, instead of an exception
    (a Prefect task raising it would print a traceback; the run goes on either way)."""
    def decorate(fn: Callable[..., InputOutcome]) -> Callable[..., InputOutcome]:
        @functools.wraps(fn)
        def ingest(run: RunContext, path: Path, *args: Any) -> InputOutcome:
            try:
                return fn(run, path, *args)
            except (SourceError, OSError) as exc:
                return InputOutcome(source, Path(path).name, "failed",
                                    message=one_line(str(exc)))
        return ingest
    return decorate


def padded_codes(con: duckdb.DuckDBPyConnection, table: str, column: str, batch_id: str,
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


# ------------------------------------------------------------------------------- gate


def run_gate(run: RunContext, outcome: InputOutcome, spec: gate.SuiteSpec, raw_table: str,
             raw_record_sql: str, *, also_clear: tuple[str, ...] = (),
             retry_numbered: Callable[[duckdb.DuckDBPyConnection], bool] | None = None,
             ) -> BatchVerdict:
    """Run a batch's suite and settle it: `validated`, or `rejected` with every failing row
    in `ops.quarantine` (file, line, field, reason, raw record) and the batch's raw rows
    cleared (`raw_table` and `also_clear`). `retry_numbered`: called on a rejection; when
    it returns True (it loaded the rows again with their line numbers) the suite runs again
    so that the quarantine cites file lines."""
    cfg = run.cfg
    assert outcome.batch_id is not None
    with work_db(cfg) as con:
        result = gate.run_suite(spec, con, chunk_rows=cfg.validation.chunk_rows,
                                sample_rows=cfg.validation.sample_rows)
        if not result.success and retry_numbered is not None and retry_numbered(con):
            result = gate.run_suite(spec, con, chunk_rows=cfg.validation.chunk_rows,
                                    sample_rows=cfg.validation.sample_rows)
        _record_validation(con, run.run_id, outcome.batch_id, result)
        rejected = result.rejected_lines()
        if result.success:
            ledger.update_batch(con, outcome.batch_id, status="validated", rows_rejected=0)
            checkpoint("validated")
        else:
            _quarantine(con, run.run_id, outcome, result, raw_table, raw_record_sql)
            for table in (raw_table, *also_clear):
                con.execute(f"delete from {table} where batch_id = ?", [outcome.batch_id])
            ledger.update_batch(
                con, outcome.batch_id, status="rejected", rows_rejected=rejected,
                rows_loaded=0, message=f"{len(result.failed)} check(s) failed on {rejected} "
                                       "row(s); see ops.quarantine")
    return BatchVerdict(
        outcome.batch_id, outcome.file_name, result.success, rejected,
        failed_checks=[asdict(c) for c in result.failed],
        defects=[asdict(d) for d in result.defects[: max(cfg.validation.sample_rows, 20)]],
    )


def _record_validation(con: duckdb.DuckDBPyConnection, run_id: str, batch_id: str,
                       result: gate.GateResult) -> None:
    con.execute("delete from ops.validation_results where batch_id = ?", [batch_id])
    checked_at = ledger.now()
    con.executemany(
        "insert into ops.validation_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[batch_id, run_id, c.suite, c.expectation, c.column, c.success, c.element_count,
          c.unexpected_count, json.dumps(c.sample, default=str), checked_at]
         for c in result.checks],
    )


def _quarantine(con: duckdb.DuckDBPyConnection, run_id: str, outcome: InputOutcome,
                result: gate.GateResult, raw_table: str, raw_record_sql: str) -> None:
    """Keep every failing row, with its file line, field, reason and raw record."""
    import pandas as pd

    con.execute("delete from ops.quarantine where batch_id = ?", [outcome.batch_id])
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


# ------------------------------------------------------------------------------ merge


def guard_for(cfg: Config, *, profile_allows: bool = False) -> partitions.Guard:
    """The partition rule as this run applies it."""
    return partitions.Guard(cfg.validation.max_deleted_share,
                            cfg.validation.allow_deletions or profile_allows)


def change_summary(report: partitions.ChangeReport, replaced: list[str] | None = None
                   ) -> dict[str, Any]:
    listed = [c.as_dict() for c in report.changes[:SUMMARY_PARTITIONS]]
    return {**report.totals(), "summary": report.summary(), "by_partition": listed,
            "batches_replaced": replaced or []}


def merge_batch(run: RunContext, outcome: InputOutcome, raw_tables: tuple[str, ...],
                merge: Callable[[duckdb.DuckDBPyConnection],
                                tuple[int, partitions.ChangeReport]]) -> MergeResult:
    """Merge one validated batch of partitions with `merge(con)` → (rows, partition report),
    under the partition rule; record what it did to each partition, which earlier batches
    it replaced, and clear its raw rows. A refusal or a data error changes nothing in core."""
    assert outcome.batch_id is not None
    batch_id = outcome.batch_id
    with work_db(run.cfg) as con:
        try:
            rows, report = merge(con)
        except partitions.PartitionRefused as exc:
            message = one_line(str(exc))
            partitions.record(con, exc.report, batch_id, run.run_id, "refused")
            _clear(con, raw_tables, batch_id)
            ledger.update_batch(con, batch_id, status="refused", rows_loaded=0,
                                message=message)
            return MergeResult("refused", 0, message, change_summary(exc.report))
        except DATA_ERRORS as exc:
            message = one_line(f"{outcome.file_name}: cannot be merged into core: "
                               f"{str(exc).splitlines()[0]}")
            _clear(con, raw_tables, batch_id)
            ledger.update_batch(con, batch_id, status="failed", message=message)
            return MergeResult("failed", 0, message)
        partitions.record(con, report, batch_id, run.run_id, "merged")
        replaced = partitions.settle_replaced(con, report, batch_id)
        _clear(con, raw_tables, batch_id)
        ledger.update_batch(con, batch_id, status="merged", rows_loaded=rows, rows_live=rows)
        checkpoint("merged")
    return MergeResult("merged", rows, None, change_summary(report, replaced))


def merge_history(run: RunContext, outcome: InputOutcome, raw_tables: tuple[str, ...],
                  merge: Callable[[duckdb.DuckDBPyConnection], tuple[int, int]],
                  what: str = "new", changed: str = "changed (new versions)") -> MergeResult:
    """Merge one validated batch by id with history (`merge(con)` → (new, changed)): nothing
    is deleted; a changed record is a new version, the earlier one kept."""
    assert outcome.batch_id is not None
    with work_db(run.cfg) as con:
        added, replaced = merge(con)
        _clear(con, raw_tables, outcome.batch_id)
        ledger.update_batch(con, outcome.batch_id, status="merged",
                            rows_loaded=added + replaced, rows_live=added + replaced)
    return MergeResult("merged", added + replaced, None, {
        "added": added, "replaced": replaced, "deleted": 0,
        "summary": f"{added:,} {what}, {replaced:,} {changed}, 0 deleted"})


def _clear(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...], batch_id: str) -> None:
    for table in tables:
        con.execute(f"delete from {table} where batch_id = ?", [batch_id])
