"""AfCFTA schedules of tariff concessions, rules of origin and the home country's other
agreements, from analysts' files (the AfCFTA e-Tariff Book has no API).

Each file of `sources.afcfta.schedules` (e-Tariff Book exports), `agreement_tariffs` (other
agreements' tariff schedules) and `rules_of_origin` (Annex 2 Appendix IV, other agreements'
lists), or given to `observatory ingest file --profile afcfta_schedule | agreement_tariffs
| rules_of_origin`, is one batch: landed, read into `raw.tariff_schedule_lines` and
`raw.tariff_schedule_rates` (paths derived from the modalities where a line gives no year
rates) or `raw.rules_of_origin`, validated (`tariff_schedules`, `rules_of_origin` suites)
and merged into `core.tariff_schedules` (replacing the batch's (agreement, party)
partitions) or `core.rules_of_origin` (its agreements), `sql/core/merges/afcfta.sql`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from observatory.config import Config
from observatory.errors import SourceError
from observatory.sources import batches
from observatory.sources.afcfta import settings
from observatory.sources.afcfta.client import read_table
from observatory.sources.afcfta.resources import RULES, SCHEDULES, rule_rows, schedule_rows
from observatory.sources.base import (
    BatchVerdict,
    InputOutcome,
    MergeResult,
    RunContext,
    Source,
    without_paths,
)
from observatory.validation import suites
from observatory.warehouse import ledger, partitions, queries
from observatory.warehouse.session import insert_frame, work_db
from observatory.warehouse.transaction import transaction

SQL = "core/merges/afcfta.sql"
NAME = "afcfta"
# `observatory ingest file PATH --profile <profile>` -> the kind of file.
PROFILES = {"afcfta_schedule": "afcfta", "agreement_tariffs": "agreement",
            "rules_of_origin": "rules"}
SCHEDULE_RAW = ("raw.tariff_schedule_lines", "raw.tariff_schedule_rates")
RULE_RAW = ("raw.rules_of_origin",)


class AfcftaSource(Source):
    name = NAME
    label = "trade-agreement schedules (AfCFTA)"
    group = "regulatory"
    order = 55
    profiles = tuple(PROFILES)
    raw_tables = (*SCHEDULE_RAW, *RULE_RAW)
    resources = (SCHEDULES, RULES)

    def without(self, cfg: Config) -> Config:
        return without_paths(cfg, "afcfta", schedules=(), rules_of_origin=(),
                             agreement_tariffs=())

    def ingest(self, run: RunContext) -> list[InputOutcome]:
        settings_ = run.cfg.afcfta
        outcomes = []
        for kind, patterns in (("afcfta", settings_.schedules),
                               ("agreement", settings_.agreement_tariffs),
                               ("rules", settings_.rules_of_origin)):
            outcomes += [ingest_schedule_file(run, path, kind)
                         for path in batches.discover(run.cfg, patterns)]
        return outcomes

    def ingest_file(self, run: RunContext, path: Path, profile: str) -> InputOutcome:
        return ingest_schedule_file(run, path, PROFILES[profile])

    def validate(self, run: RunContext, outcome: InputOutcome) -> BatchVerdict:
        assert outcome.batch_id is not None
        if _is_rules(run, outcome):
            return batches.run_gate(run, outcome, suites.rules_of_origin_suite(
                outcome.batch_id), "raw.rules_of_origin", suites.RULE_RECORD)
        return batches.run_gate(run, outcome, suites.schedule_suite(outcome.batch_id),
                                "raw.tariff_schedule_lines", suites.SCHEDULE_RECORD,
                                also_clear=SCHEDULE_RAW[1:])

    def merge(self, run: RunContext, outcome: InputOutcome) -> MergeResult:
        """Replace the (agreement, party) partitions of the schedules, or the agreements'
        rules, the batch brings, under the partition rule."""
        assert outcome.batch_id and outcome.release
        rules = _is_rules(run, outcome)
        params = {"source": NAME, "release": outcome.release, "batch_id": outcome.batch_id,
                  "file_name": outcome.file_name}
        guard = batches.guard_for(run.cfg)
        table, what = (("core.rules_of_origin", "rules") if rules
                       else ("core.tariff_schedules", "schedules"))
        stem = "rule" if rules else "schedule"

        def merge(con: duckdb.DuckDBPyConnection) -> tuple[int, partitions.ChangeReport]:
            with transaction(con):
                queries.run(con, SQL, f"{stem}_partitions", params)
                report = partitions.measure(con, table,
                                            queries.statement(SQL, f"old_{what}"),
                                            queries.statement(SQL, f"new_{what}"), params)
                guard.check(report, outcome.file_name)
                queries.run(con, SQL, f"delete_{what}", params)
                queries.run(con, SQL, f"insert_{what}", params)
                ((rows,),) = queries.run(con, SQL, f"count_{what}", params)
                queries.run(con, SQL, f"done_{what}", params)
            return int(rows), report

        return batches.merge_batch(run, outcome, RULE_RAW if rules else SCHEDULE_RAW, merge)


def _is_rules(run: RunContext, outcome: InputOutcome) -> bool:
    """Whether the batch is a rules-of-origin file (its ledger parameters say the kind)."""
    with work_db(run.cfg) as con:
        rows = con.execute("select parameters from ops.load_ledger where batch_id = ?",
                           [outcome.batch_id]).fetchall()
    return bool(rows) and '"rules"' in str(rows[0][0] or "")


@batches.failing_as(NAME)
def ingest_schedule_file(run: RunContext, path: Path, kind: str) -> InputOutcome:
    """Land one file of `kind` (afcfta, agreement, rules), read it and load it into raw."""
    with work_db(run.cfg) as con:
        started = batches.start_file_batch(run.cfg, con, run.run_id, NAME, path,
                                           key=f"{NAME}:{kind}",
                                           parameters={"kind": kind})
        if isinstance(started, InputOutcome):
            return started
        batch_id, landed, sha = started.batch_id, started.landed, started.sha
        try:
            notes = _load(con, run.cfg, landed, batch_id, kind, path.name)
        except SourceError as exc:
            ledger.update_batch(con, batch_id, status="failed", message=str(exc))
            return InputOutcome(NAME, path.name, "failed", batch_id, sha[:12],
                                message=str(exc))
        rows = notes.pop(0)
        message = "; ".join(notes) or None
        ledger.update_batch(con, batch_id, status="loaded", rows_read=int(rows),
                            message=message)
    return InputOutcome(NAME, path.name, "loaded", batch_id, sha[:12],
                        is_synthetic=batches.is_synthetic(path), rows_read=int(rows),
                        message=message)


def _load(con: duckdb.DuckDBPyConnection, cfg: Config, landed: Path, batch_id: str,
          kind: str, file_name: str) -> list[str | int]:
    """Read the landed file into raw; returns [rows read, notes...]."""
    if kind == "rules":
        table = read_table(landed, settings.RULE_COLUMNS, settings.RULE_REQUIRED)
        frame = rule_rows(table, settings.AFCFTA)
        insert_frame(con, "raw.rules_of_origin", frame.assign(batch_id=batch_id),
                     replace_batch=batch_id)
        pending = int((frame["status"] == "under_negotiation").sum())
        return [len(frame), f"{len(frame):,} rules"
                + (f" ({pending:,} under negotiation)" if pending else "")]
    required = settings.SCHEDULE_REQUIRED if kind == "afcfta" else settings.AGREEMENT_REQUIRED
    table = read_table(landed, settings.SCHEDULE_COLUMNS, required, settings.YEAR_HEADER)
    batch = schedule_rows(table, file_name, kind, cfg.afcfta.start_year)
    insert_frame(con, "raw.tariff_schedule_lines", batch.lines.assign(batch_id=batch_id),
                 replace_batch=batch_id)
    insert_frame(con, "raw.tariff_schedule_rates", batch.rates.assign(batch_id=batch_id),
                 replace_batch=batch_id)
    derived = int((batch.lines["path_from"] == "modalities").sum())
    notes: list[str | int] = [len(batch.lines), f"{len(batch.lines):,} tariff lines"
                              + (f" ({derived:,} paths derived from the modalities)"
                                 if derived else "")]
    return notes + list(batch.notes)


SOURCE = AfcftaSource()
