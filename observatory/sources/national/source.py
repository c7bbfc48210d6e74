"""The home country's national statistics, in the Office des Changes' formats.

Each file matched by `sources.national.paths` (or given to `observatory ingest file PATH
--profile national`) is a batch: landed, read by the client (`.csv`: the annual table by
partner and flow; `.xlsx`: the monthly CVS-CJO workbook) into raw, validated
(`national_records` / `national_series` suites: unknown partner codes and years without a
MAD rate are quarantined with their reason, and the batch rejected), and merged:

- annual table: the reporter's bilateral totals into `core.trade_flows` (hs_level 0,
  product 'TOTAL'), the World totals per flow and year (every partner row of flows 14 and
  24, pseudo-partners included) into `core.trade_totals`, replacing the (reporter, flow,
  freq, year) partitions of source `national` (`sql/core/merges/reported.sql`); each year's
  status into `core.national_years`. Components (141/142/241/242) and pseudo-partners stay
  out of the bilateral flows, counted and said in the run summary; so are components above
  their total, and a suspected partial last year;
- monthly workbook: the adjusted series into `core.national_series`, never into the trade
  flows (`sql/core/merges/national.sql`).

What a file's rows become depends on the MAD rates, the home country and the configured
partial years too: a change of any of them reads an unchanged file again.
"""

from __future__ import annotations

import hashlib
import json
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
from observatory.sources.national import client, resources, settings
from observatory.validation import suites
from observatory.warehouse import ledger, partitions
from observatory.warehouse.session import work_db


class NationalSource(Source):
    name = settings.SOURCE
    label = "national statistics"
    group = "trade"
    order = 24
    profiles = (settings.PROFILE,)
    raw_tables = resources.RAW_TABLES
    resources = (
        Resource("core.trade_flows", ("source", "reported_by", "freq", "year", "month",
                                      "exporter_iso3", "importer_iso3", "classification",
                                      "product_code"),
                 "replace_partition", ("source", "reporter", "flow", "freq", "year")),
        Resource("core.trade_totals", ("source", "reporter_iso3", "flow", "freq", "year",
                                       "month", "classification", "product_code"),
                 "replace_partition", ("source", "reporter_iso3", "flow", "freq", "year")),
        Resource("core.national_years", ("source", "reporter_iso3", "year"),
                 "replace_partition", ("source", "reporter_iso3", "year")),
        Resource("core.national_series", ("source", "reporter_iso3", "series", "flow",
                                          "groupement", "freq", "year", "month"),
                 "replace_partition", ("source", "reporter_iso3", "series", "year")),
    )

    def enabled(self, cfg: Config) -> bool:
        return bool(cfg.national.paths)

    def without(self, cfg: Config) -> Config:
        return without_paths(cfg, "national", paths=())

    def ingest(self, run: RunContext) -> list[InputOutcome]:
        return [ingest_national_file(run, path)
                for path in batches.discover(run.cfg, run.cfg.national.paths)]

    def ingest_file(self, run: RunContext, path: Path, profile: str) -> InputOutcome:
        return ingest_national_file(run, path)

    def validate(self, run: RunContext, outcome: InputOutcome) -> BatchVerdict:
        assert outcome.batch_id is not None
        with work_db(run.cfg) as con:
            kind = _kind(con, outcome.batch_id)
        spec = (suites.national_record_suite(outcome.batch_id) if kind == "annual"
                else suites.national_series_suite(outcome.batch_id))
        return batches.run_gate(run, outcome, spec, "raw.national_lines", "r.record",
                                also_clear=self.raw_tables[1:])

    def merge(self, run: RunContext, outcome: InputOutcome) -> MergeResult:
        """The annual table into the trade flows, totals and years; the monthly workbook
        into the national series; under the partition rule either way."""
        assert outcome.batch_id and outcome.release
        batch_id, release = outcome.batch_id, outcome.release
        guard = batches.guard_for(run.cfg)
        facts: dict[str, object] = {}

        def merge(con: duckdb.DuckDBPyConnection) -> tuple[int, partitions.ChangeReport]:
            kind = _kind(con, batch_id)
            facts.update(_facts(con, batch_id))  # before the merge clears raw
            if kind == "annual":
                return resources.merge_annual(con, batch_id, release, guard,
                                              outcome.file_name)
            return resources.merge_series(con, batch_id, release, guard, outcome.file_name)

        result = batches.merge_batch(run, outcome, self.raw_tables, merge)
        if result.status == "merged" and result.changes is not None:
            result = MergeResult(result.status, result.rows, result.message,
                                 {**result.changes, **facts})
        return result


def _kind(con: duckdb.DuckDBPyConnection, batch_id: str) -> str:
    rows = con.execute("select kind from raw.national_batches where batch_id = ?",
                       [batch_id]).fetchall()
    if not rows:
        raise SourceError(f"batch {batch_id}: no raw rows (was it loaded in this run?)")
    return str(rows[0][0])


def _facts(con: duckdb.DuckDBPyConnection, batch_id: str) -> dict[str, object]:
    """The batch's reading settings and years, kept in the run summary's changes."""
    ((kind, partial, counts),) = con.execute(
        "select kind, partial_years, counts from raw.national_batches where batch_id = ?",
        [batch_id]).fetchall()
    return {"kind": kind, "partial_years": list(partial or []),
            **(json.loads(counts) if counts else {})}


def _reading_key(con: duckdb.DuckDBPyConnection, cfg: Config) -> str:
    """What the rows of an annual file depend on besides its bytes: the home country, the
    configured partial years and the annual MAD rates."""
    rates = con.execute(
        "select string_agg(year || '=' || usd_per_unit, ';' order by year) "
        "from ref.exchange_rates where currency = ? and freq = 'A'",
        [settings.CURRENCY]).fetchall()[0][0] or ""
    digest = hashlib.sha256(rates.encode()).hexdigest()[:16]
    partial = ",".join(map(str, cfg.national.partial_years))
    return (f"{settings.SOURCE}:home={cfg.study.home}:partial={partial}:"
            f"{settings.CURRENCY}={digest}")


@batches.failing_as(settings.SOURCE)
def ingest_national_file(run: RunContext, path: Path) -> InputOutcome:
    """Land one Office des Changes file, read it and load it into raw as one batch."""
    cfg = run.cfg
    kind = client.file_kind(path)
    with work_db(cfg) as con:
        key = _reading_key(con, cfg) if kind == "annual" else \
            f"{settings.SOURCE}:home={cfg.study.home}"
        started = batches.start_file_batch(cfg, con, run.run_id, settings.SOURCE, path,
                                           key=key, parameters={"kind": kind})
        if isinstance(started, InputOutcome):
            return started
        batch_id, sha = started.batch_id, started.sha
        try:
            read = client.read(started.landed)
        except SourceError as exc:  # the landed copy keeps the file's name
            message = str(exc)
            ledger.update_batch(con, batch_id, status="failed", message=message)
            return InputOutcome(settings.SOURCE, path.name, "failed", batch_id, sha[:12],
                                message=message)
        partial = cfg.national.partial_years
        resources.load_raw(con, batch_id, read, reporter=cfg.study.home,
                           partial_years=partial)
        if read.kind == "annual":
            counts = resources.annual_counts(con, batch_id, partial)
            notes = resources.annual_notes(read, counts, partial)
        else:
            notes = resources.series_notes(read) if len(read.records) else read.notes
        message = "; ".join(notes) or None
        ledger.update_batch(con, batch_id, status="loaded", rows_read=read.data_lines,
                            message=message)
    return InputOutcome(settings.SOURCE, path.name, "loaded", batch_id, sha[:12],
                        is_synthetic=batches.is_synthetic(path), rows_read=read.data_lines,
                        message=message)


SOURCE = NationalSource()
