"""Exporter-level files: customs exports by exporter, the exporter registry, the export
program's file. Confidential: every firm-level row stays in the restricted database.

Each file matched by `[fabric] exports_paths`, `registry_paths` or `program_paths` (or given
to `observatory ingest file PATH --profile exporter_exports|exporter_registry|
exporter_program`) is a batch: landed under the restricted folder (never under
`warehouse.raw_dir`), read into the restricted raw table of its kind, validated by its suite
(`exporter_exports`, `exporter_registry`, `exporter_program`) and merged into the restricted
core tables. The ledger, the validation results, the quarantine and the run summary in the
working database say what happened with files, lines, fields and counts only: the reasons
published there name no identifier and no value (the restricted quarantine keeps them, with
the raw record). Files are read in the order exports, registry, program: a registry row
needs exports, a program row a registered exporter.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from observatory.errors import SourceError
from observatory.fabric import restricted
from observatory.sources import batches
from observatory.sources.base import (
    BatchVerdict,
    InputOutcome,
    MergeResult,
    Resource,
    RunContext,
    Source,
)
from observatory.sources.exporters import client, resources, settings
from observatory.validation import gate, suites
from observatory.warehouse import ledger
from observatory.warehouse.session import work_db

DB = restricted.ALIAS


class ExportersSource(Source):
    name = settings.SOURCE
    label = "exporter-level files"
    group = "trade"
    order = 26
    profiles = tuple(settings.PROFILES)
    raw_tables = tuple(settings.RAW_TABLE.values())  # in the restricted database
    resources = (
        Resource("core.fabric_exports", ("exporter_id", "year", "month", "product_code",
                                         "destination_iso3"), "replace_partition", ("year",)),
        Resource("core.fabric_registry", ("exporter_id",), "replace_by_key"),
        Resource("core.fabric_program", ("exporter_id", "cohort"), "replace_by_key"),
    )
    # Its batches feed the fabric marts only (`observatory.fabric.refresh`).
    feeds_trade_marts = False

    def enabled(self, cfg: object) -> bool:
        fab = restricted.settings(cfg)  # type: ignore[arg-type]
        return bool(fab.exports_paths or fab.registry_paths or fab.program_paths)

    def without(self, cfg):  # type: ignore[no-untyped-def]
        from dataclasses import replace

        fab = restricted.settings(cfg)
        return replace(cfg, fabric=replace(fab, exports_paths=(), registry_paths=(),
                                           program_paths=()))

    def ingest(self, run: RunContext) -> list[InputOutcome]:
        fab = restricted.settings(run.cfg)
        outcomes: list[InputOutcome] = []
        for kind, patterns in ((settings.EXPORTS, fab.exports_paths),
                               (settings.REGISTRY, fab.registry_paths),
                               (settings.PROGRAM, fab.program_paths)):
            outcomes += [ingest_exporter_file(run, path, kind)
                         for path in batches.discover(run.cfg, patterns)]
        return outcomes

    def ingest_file(self, run: RunContext, path: Path, profile: str) -> InputOutcome:
        return ingest_exporter_file(run, path, settings.PROFILES[profile])

    def validate(self, run: RunContext, outcome: InputOutcome) -> BatchVerdict:
        return validate_batch(run, outcome)

    def merge(self, run: RunContext, outcome: InputOutcome) -> MergeResult:
        return merge_batch(run, outcome)


def _reading_key(con: duckdb.DuckDBPyConnection, cfg: object, kind: str) -> str:
    """What a file's rows depend on besides its bytes: its kind, the identifier format, the
    currency, its rates and the fallback rate."""
    fab = restricted.settings(cfg)  # type: ignore[arg-type]
    rates = con.execute(
        "select string_agg(freq || year || '-' || coalesce(month, 0) || '=' || usd_per_unit, "
        "';' order by freq, year, month) from ref.exchange_rates where currency = ?",
        [fab.currency]).fetchall()[0][0] or ""
    digest = hashlib.sha256(
        f"{fab.id_format}|{fab.currency}|{fab.fallback_usd_per_unit}|{rates}".encode()
    ).hexdigest()[:16]
    return f"{settings.SOURCE}:{kind}:{digest}"


@batches.failing_as(settings.SOURCE)
def ingest_exporter_file(run: RunContext, path: Path, kind: str) -> InputOutcome:
    """Land one exporter file in the restricted folder and load it into its raw table."""
    cfg = run.cfg
    with work_db(cfg) as con:
        started = batches.start_file_batch(
            restricted.landing_config(cfg), con, run.run_id, settings.SOURCE, path,
            key=_reading_key(con, cfg, kind), parameters={"kind": kind})
        if isinstance(started, InputOutcome):
            return started
        batch_id, sha = started.batch_id, started.sha
        try:
            with restricted.attached(con, cfg):
                found = client.file_kind(con, started.landed)
                if found != kind:
                    raise SourceError(f"{path.name}: line 1: the header is an exporter "
                                      f"{found} file's, not an exporter {kind} file's")
                table = f"{DB}.{settings.RAW_TABLE[kind]}"
                con.execute(f"delete from {table} where batch_id = ?", [batch_id])
                rows = client.load_raw(con, started.landed, kind, batch_id, table)
        except SourceError as exc:
            ledger.update_batch(con, batch_id, status="failed", message=str(exc))
            return InputOutcome(settings.SOURCE, path.name, "failed", batch_id, sha[:12],
                                message=str(exc))
        if rows == 0:
            message = f"{path.name}: no data rows"
            ledger.update_batch(con, batch_id, status="refused", message=message)
            return InputOutcome(settings.SOURCE, path.name, "refused", batch_id, sha[:12],
                                message=message)
        ledger.update_batch(con, batch_id, status="loaded", rows_read=rows)
    return InputOutcome(settings.SOURCE, path.name, "loaded", batch_id, sha[:12],
                        is_synthetic=batches.is_synthetic(path), rows_read=rows)


def batch_kind(con: duckdb.DuckDBPyConnection, batch_id: str) -> str:
    for kind, table in settings.RAW_TABLE.items():
        found = con.execute(f"select count(*) from {DB}.{table} where batch_id = ?",
                            [batch_id]).fetchall()[0][0]
        if found:
            return kind
    raise SourceError(f"batch {batch_id}: no raw rows (was it loaded in this run?)")


def suite_for(con: duckdb.DuckDBPyConnection, cfg: object, kind: str, batch_id: str
              ) -> gate.SuiteSpec:
    fab = restricted.settings(cfg)  # type: ignore[arg-type]
    query, params = resources.typed_query(kind, batch_id, currency=fab.currency,
                                          fallback=fab.fallback_usd_per_unit)
    if kind == settings.EXPORTS:
        known_hs6 = [r[0] for r in con.execute(
            "select hs_code from ref.hs_nomenclature where level = 6 "
            "and section <> 'TOTAL' order by 1").fetchall()]
        destinations = [r[0] for r in con.execute(
            "select iso3 from ref.countries where iso3 <> ? order by 1",
            [cfg.study.home]).fetchall()]  # type: ignore[attr-defined]
        return suites.exporter_export_suite(query, params, id_format=fab.id_format,
                                            known_hs6=known_hs6, destinations=destinations)
    if kind == settings.REGISTRY:
        return suites.exporter_registry_suite(
            query, params, id_format=fab.id_format, legal_forms=list(settings.LEGAL_FORMS),
            size_classes=list(settings.SIZE_CLASSES))
    return suites.exporter_program_suite(query, params, id_format=fab.id_format,
                                         statuses=list(settings.STATUSES))


def public_reason(defect: gate.RowDefect) -> str:
    """A defect's reason as the working database and the run summary keep it: the field and
    the kind of defect, never the value (it may be an identifier)."""
    reason, field = defect.reason, defect.field
    if "duplicate" in reason or "registered" in reason or "registry" in reason \
            or "exchange rate" in reason or "not a date" in reason:
        return reason  # the source's own reasons name lines and keys, never values
    for marker, text in (("does not match", "does not match the expected format"),
                         ("is not a known code", "is not a known code"),
                         ("missing or unreadable", "is missing or unreadable"),
                         ("outside", "is out of range"),
                         ("not a finite number", "is not a finite number")):
        if marker in reason:
            return f"{field} {text}"
    return f"{field} is not valid"


def validate_batch(run: RunContext, outcome: InputOutcome) -> BatchVerdict:
    """The batch's suite on its typed rows; failing rows to the restricted quarantine (with
    the raw record) and, without values, to ops.quarantine."""
    cfg = run.cfg
    batch_id = outcome.batch_id
    assert batch_id is not None
    with work_db(cfg) as con, restricted.attached(con, cfg):
        kind = batch_kind(con, batch_id)
        spec = suite_for(con, cfg, kind, batch_id)
        result = gate.run_suite(spec, con, chunk_rows=cfg.validation.chunk_rows,
                                sample_rows=cfg.validation.sample_rows)
        now = ledger.now()
        con.execute("delete from ops.validation_results where batch_id = ?", [batch_id])
        con.executemany(
            "insert into ops.validation_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[batch_id, run.run_id, c.suite, c.expectation, c.column, c.success,
              c.element_count, c.unexpected_count, "[]", now] for c in result.checks])
        rejected = result.rejected_lines()
        if result.success:
            ledger.update_batch(con, batch_id, status="validated", rows_rejected=0)
        else:
            _quarantine(con, run.run_id, outcome, kind, result.defects, now)
            con.execute(f"delete from {DB}.{settings.RAW_TABLE[kind]} where batch_id = ?",
                        [batch_id])
            ledger.update_batch(con, batch_id, status="rejected", rows_rejected=rejected,
                                rows_loaded=0,
                                message=f"{len(result.failed)} check(s) failed on {rejected} "
                                        "row(s); see ops.quarantine")
    return BatchVerdict(
        batch_id, outcome.file_name, result.success, rejected,
        failed_checks=[{"suite": c.suite, "expectation": c.expectation, "column": c.column,
                        "success": c.success, "element_count": c.element_count,
                        "unexpected_count": c.unexpected_count, "sample": []}
                       for c in result.failed],
        defects=[{"line_number": d.line_number, "field": d.field,
                  "reason": public_reason(d)}
                 for d in result.defects[: max(cfg.validation.sample_rows, 20)]])


def _quarantine(con: duckdb.DuckDBPyConnection, run_id: str, outcome: InputOutcome,
                kind: str, defects: list[gate.RowDefect], now: object) -> None:
    import pandas as pd

    assert outcome.batch_id is not None
    frame = pd.DataFrame({
        "line_number": pd.array([d.line_number for d in defects], dtype="Int64"),
        "field": [d.field for d in defects],
        "reason": [d.reason for d in defects],
        "public_reason": [public_reason(d) for d in defects],
    })
    columns = settings.COLUMNS[kind]
    record = "concat_ws(' | ', " + ", ".join(f"coalesce(r.{c}, '')" for c in columns) + ")"
    con.register("_defects", frame)
    try:
        con.execute(f"delete from {DB}.ops.fabric_quarantine where batch_id = ?",
                    [outcome.batch_id])
        con.execute(
            f"""insert into {DB}.ops.fabric_quarantine
                select ?, ?, ?, d.line_number, d.field, d.reason, {record}, ?
                from _defects as d
                left join {DB}.{settings.RAW_TABLE[kind]} as r
                  on r.batch_id = ? and r.line_number = d.line_number
                order by d.line_number""",
            [outcome.batch_id, run_id, outcome.file_name, now, outcome.batch_id])
        con.execute("delete from ops.quarantine where batch_id = ?", [outcome.batch_id])
        con.execute(
            """insert into ops.quarantine
               select ?, ?, ?, ?, line_number, field, public_reason,
                      '(restricted: see the restricted database)', ?
               from _defects order by line_number""",
            [outcome.batch_id, run_id, outcome.source, outcome.file_name, now])
    finally:
        con.unregister("_defects")


def merge_batch(run: RunContext, outcome: InputOutcome) -> MergeResult:
    """Into the restricted core tables, in one transaction of the restricted database."""
    cfg = run.cfg
    fab = restricted.settings(cfg)
    batch_id = outcome.batch_id
    assert batch_id is not None
    with work_db(cfg) as con, restricted.attached(con, cfg):
        kind = batch_kind(con, batch_id)
        con.execute("begin transaction")
        try:
            if kind == settings.EXPORTS:
                counts = resources.merge_exports(
                    con, batch_id, currency=fab.currency, fallback=fab.fallback_usd_per_unit,
                    max_deleted_share=cfg.validation.max_deleted_share,
                    allow_deletions=cfg.validation.allow_deletions)
            else:
                counts = resources.merge_by_key(con, kind, batch_id)
            con.execute(f"delete from {DB}.{settings.RAW_TABLE[kind]} where batch_id = ?",
                        [batch_id])
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        if counts.refused:
            message = f"REFUSED: {outcome.file_name}: {counts.refused}"
            ledger.update_batch(con, batch_id, status="refused", rows_loaded=0,
                                message=message)
            return MergeResult("refused", 0, message, {"summary": message})
        rows = counts.added + counts.replaced
        ledger.update_batch(con, batch_id, status="merged", rows_loaded=rows, rows_live=rows)
    return MergeResult("merged", rows, None, {
        "added": counts.added, "replaced": counts.replaced, "deleted": counts.deleted,
        "summary": counts.summary(), "kind": kind})


SOURCE = ExportersSource()
