"""Eurostat Comext: EU members' declared trade by CN8 product, in euros, monthly or annual.

Three inputs, each one batch: saved SDMX-CSV answers of the dissemination API
(`sources.comext.files`, or `observatory ingest file PATH --profile comext`), bulk files
`full_v2_YYYYMM.7z` (`sources.comext.bulk_paths`; the same profile takes one) and, when
`sources.comext.enabled`, the API's answers fetched for each configured reporter. Each is
landed, loaded into `raw.comext_records` (a bulk file's .dat streamed by DuckDB), validated
(`comext_records` suite on `staging.stg_comext_records`: values converted to USD at their
period's EUR rate, a period without one rejected) and merged into `core.trade_flows` /
`core.trade_totals` (WORLD rows) with `replace_reported_partitions`, replacing its
(reporter, flow, freq, year, month) partitions, and per product for an API answer (an answer
for some products leaves the others alone). Aggregates and areas (EU27_2020, QS…) and
confidential products stay in raw, counted and named in the outcome; unknown country codes
go to quarantine. A bulk file also writes the HS6 sums of its CN8 rows.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
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
from observatory.sources.comext import resources, settings
from observatory.sources.comext.client import (
    BulkArchive,
    ComextClient,
    ComextQuery,
    fetch_answer,
)
from observatory.text import one_line
from observatory.validation import suites
from observatory.warehouse import ledger, partitions
from observatory.warehouse.merge import replace_reported_partitions
from observatory.warehouse.session import work_db

NAME = settings.SOURCE
# The staging columns the merge reads (`sql/core/merges/reported.sql`), and is_sum.
MERGED = ("batch_id, reporter_iso3, flow, freq, year, month, partner_iso3, partner_is_world, "
          "is_breakdown, is_sum, classification, hs_level, product_code, reported_by, "
          "exporter_iso3, importer_iso3, value_usd, quantity_t")


class ComextSource(Source):
    name = NAME
    label = "Eurostat Comext"
    group = "trade"
    order = 22
    profiles = (settings.PROFILE,)
    raw_tables = resources.RAW_TABLES
    resources = (
        Resource("core.trade_flows", ("source", "reported_by", "freq", "year", "month",
                                      "exporter_iso3", "importer_iso3", "classification",
                                      "product_code"),
                 "replace_partition",
                 ("source", "reporter", "flow", "freq", "year", "month", "product (answers)")),
        Resource("core.trade_totals", ("source", "reporter_iso3", "flow", "freq", "year",
                                       "month", "classification", "product_code"),
                 "replace_partition",
                 ("source", "reporter_iso3", "flow", "freq", "year", "month",
                  "product (answers)")),
    )
    fetchers = {"fetch_answer": "fetch_comext_answer"}

    def enabled(self, cfg: Config) -> bool:
        return cfg.comext.enabled

    def needs_fetches(self, cfg: Config) -> bool:
        return cfg.comext.enabled

    def without(self, cfg: Config) -> Config:
        return without_paths(cfg, "comext", enabled=False, files=(), bulk_paths=())

    def ingest(self, run: RunContext) -> list[InputOutcome]:
        """Saved answers and bulk files of the globs, then the API's answers (one per
        reporter, fetched through the run's fetches: in parallel in the flow)."""
        cfg = run.cfg
        outcomes = [ingest_answer(run, path)
                    for path in batches.discover(cfg, cfg.comext.files)]
        outcomes += [ingest_bulk(run, path)
                     for path in batches.discover(cfg, cfg.comext.bulk_paths)]
        if cfg.comext.enabled:
            outcomes += fetch_reporters(run)
        return outcomes

    def ingest_file(self, run: RunContext, path: Path, profile: str) -> InputOutcome:
        """`--profile comext`: an SDMX-CSV answer, or a bulk file (told by its first bytes)."""
        try:
            with open(path, "rb") as fh:
                magic = fh.read(len(settings.SEVEN_ZIP_MAGIC))
        except OSError:
            magic = b""  # the ingest says what is wrong with the path
        if magic == settings.SEVEN_ZIP_MAGIC:
            return ingest_bulk(run, path)
        return ingest_answer(run, path)

    def validate(self, run: RunContext, outcome: InputOutcome) -> BatchVerdict:
        """The `comext_records` suite; a rejected bulk batch is read again with its line
        numbers so that quarantine cites them. Rows quarantined at load (unknown codes)
        stay in quarantine whatever the verdict."""
        assert outcome.batch_id is not None
        batch_id = outcome.batch_id
        with work_db(run.cfg) as con:
            kept = con.execute("select * from ops.quarantine where batch_id = ?",
                               [batch_id]).fetchall()

        def number(con: duckdb.DuckDBPyConnection) -> bool:
            if resources.is_numbered(con, batch_id):
                return False
            resources.number_bulk(con, batch_id)
            return True

        verdict = batches.run_gate(run, outcome, suites.comext_record_suite(batch_id),
                                   "raw.comext_records", resources.RAW_RECORD,
                                   also_clear=resources.RAW_TABLES[1:], retry_numbered=number)
        if kept:
            with work_db(run.cfg) as con:
                if verdict.passed:
                    ledger.update_batch(con, batch_id, rows_rejected=len(kept))
                else:
                    con.executemany("insert into ops.quarantine values "
                                    "(?, ?, ?, ?, ?, ?, ?, ?, ?)", kept)
        return verdict

    def merge(self, run: RunContext, outcome: InputOutcome) -> MergeResult:
        """Replace the batch's partitions: a month of a reporter's flow (a bulk file), and
        one product of it (an answer); the merge reads the batch's staging rows once."""
        assert outcome.batch_id and outcome.release
        batch_id, release = outcome.batch_id, outcome.release
        guard = batches.guard_for(run.cfg)
        routing: dict[str, int] = {}

        def merge(con: duckdb.DuckDBPyConnection) -> tuple[int, partitions.ChangeReport]:
            ((kind,),) = con.execute("select format from raw.comext_batches "
                                     "where batch_id = ?", [batch_id]).fetchall()
            con.execute(f"create or replace temp table _comext_batch as select {MERGED} "
                        "from staging.stg_comext_records where batch_id = ?", [batch_id])
            try:
                routing.update(_routing(con))
                counts, report = replace_reported_partitions(
                    con, "_comext_batch", batch_id, NAME, release, guard,
                    what=outcome.file_name, by_month=True, by_product=kind == "api")
            finally:
                con.execute("drop table if exists _comext_batch")
            return counts["trade_flows"] + counts["trade_totals"], report

        result = batches.merge_batch(run, outcome, self.raw_tables, merge)
        if result.status == "merged" and result.changes is not None:
            said = routing_text(routing)
            result = MergeResult(result.status, result.rows, result.message, {
                **result.changes, "routing": routing,
                "summary": "; ".join(filter(None, [said, result.changes.get("summary")]))})
        return result


def _routing(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    ((flows, sums, totals),) = con.execute(
        "select count(*) filter (where not partner_is_world), "
        "count(*) filter (where not partner_is_world and is_sum), "
        "count(*) filter (where partner_is_world) from _comext_batch").fetchall()
    return {"trade_flows": int(flows), "hs6_sums": int(sums), "trade_totals": int(totals)}


def routing_text(routing: dict[str, int]) -> str:
    """One line on where a batch's rows went: "1,234 rows to trade flows (of which 456 HS6
    sums of the CN8 rows), 78 to trade totals (WORLD)"."""
    if not routing:
        return ""
    sums = routing.get("hs6_sums", 0)
    text = f"{routing['trade_flows']:,} rows to trade flows"
    if sums:
        text += f" (of which {sums:,} HS6 sums of the CN8 rows)"
    if routing.get("trade_totals"):
        text += f", {routing['trade_totals']:,} to trade totals (WORLD)"
    return text


# ---- inputs --------------------------------------------------------------------------------


def rates_key(con: duckdb.DuckDBPyConnection, periods: list[str] | None) -> str:
    """A fingerprint of the EUR rates an input is converted with (its periods' monthly and
    annual rates; every EUR rate when its periods are not known yet): a new or revised rate
    makes the input new again, so a batch rejected for a missing rate is read again once the
    rate comes, and values in core follow revised rates."""
    rows = con.execute(
        "select freq, year, coalesce(month, 0), usd_per_unit from ref.exchange_rates "
        "where currency = 'EUR' order by all").fetchall()
    if periods is not None:
        wanted = set()
        for period in periods:
            digits = period.replace("-", "")
            if len(digits) >= 4 and digits[:4].isdigit():
                wanted.add(("A", int(digits[:4]), 0))
                month = digits[4:6]
                if month.isdigit() and month != "52":
                    wanted.add(("M", int(digits[:4]), int(month)))
        rows = [r for r in rows if (r[0], r[1], r[2]) in wanted]
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


@batches.failing_as(NAME)
def ingest_answer(run: RunContext, path: Path) -> InputOutcome:
    """Land an SDMX-CSV answer (saved, or fetched) and load it into raw as one batch."""
    cfg = run.cfg
    with work_db(cfg) as con:
        landed, sha = batches.land(path, cfg.warehouse.raw_dir)
        facts = resources.answer_facts(con, landed, path.name)
        fingerprint = f"answer:sha256={sha}:eur={rates_key(con, facts.periods)}"
        synthetic = batches.is_synthetic(path)
        settled = ledger.find_settled(con, NAME, fingerprint, path.name,
                                      retry_refused=cfg.validation.allow_deletions)
        if settled is not None:
            return InputOutcome(NAME, path.name, "unchanged", settled.batch_id,
                                facts.release or sha[:12], is_synthetic=synthetic,
                                previous_status=settled.status)
        release = facts.release or sha[:12]
        period = (f"{facts.periods[0]}..{facts.periods[-1]}" if facts.periods else None)
        batch_id = ledger.start_batch(
            con, batch_id=f"{NAME}:{sha[:12]}", run_id=run.run_id, source=NAME,
            release=release, period=period, file_name=path.name, file_path=str(landed),
            file_sha256=sha, file_fingerprint=fingerprint, parameters={"format": "api"},
            is_synthetic=synthetic)
        try:
            lines, notes = resources.load_answer(con, landed, path.name, batch_id, release)
        except SourceError as exc:
            _clear(con, batch_id)
            ledger.update_batch(con, batch_id, status="failed", message=one_line(str(exc)))
            return InputOutcome(NAME, path.name, "failed", batch_id, release,
                                is_synthetic=synthetic, message=one_line(str(exc)))
        return _loaded(run, con, batch_id, path.name, release, lines, notes, synthetic)


@batches.failing_as(NAME)
def ingest_bulk(run: RunContext, path: Path) -> InputOutcome:
    """Land a bulk file's .dat (decompressed under the raw folder) and stream it into raw as
    one batch; an archive whose member is unchanged since its last load is not read."""
    cfg = run.cfg
    batches.check_regular_file(path)
    archive = BulkArchive(path)
    synthetic = batches.is_synthetic(path)
    with work_db(cfg) as con:
        named = archive.period()
        fingerprint = (f"bulk:{archive.fingerprint}:"
                       f"eur={rates_key(con, [named] if named else None)}")
        settled = ledger.find_settled(con, NAME, fingerprint, path.name,
                                      retry_refused=cfg.validation.allow_deletions)
        if settled is not None:
            return InputOutcome(NAME, path.name, "unchanged", settled.batch_id,
                                is_synthetic=synthetic, previous_status=settled.status)
        dat, sha = archive.land(cfg.warehouse.raw_dir)
        period = named or resources.bulk_period(dat) or "unknown"
        release = f"{period}@{archive.file_date().isoformat()}"
        batch_id = ledger.start_batch(
            con, batch_id=f"{NAME}:bulk:{period}:{sha[:12]}", run_id=run.run_id,
            source=NAME, release=release, period=period, file_name=path.name,
            file_path=str(dat), file_sha256=sha, file_fingerprint=fingerprint,
            parameters={"format": "bulk", "member": archive.member.filename},
            is_synthetic=synthetic)
        try:
            rows = resources.load_bulk(con, dat, path.name, batch_id, release, numbered=False)
        except SourceError as exc:
            _clear(con, batch_id)
            ledger.update_batch(con, batch_id, status="failed", message=one_line(str(exc)))
            return InputOutcome(NAME, path.name, "failed", batch_id, release,
                                is_synthetic=synthetic, message=one_line(str(exc)))
        return _loaded(run, con, batch_id, path.name, release, rows, [], synthetic)


def _loaded(run: RunContext, con: duckdb.DuckDBPyConnection, batch_id: str, name: str,
            release: str, rows: int, notes: list[str], synthetic: bool) -> InputOutcome:
    """Count and name what core will not receive, quarantine the unknown codes (a bulk batch
    is numbered first, so that quarantine cites lines), and settle the batch as loaded."""
    aside = resources.set_aside(con, batch_id)
    unknown = 0
    if aside.rows.get("unknown"):
        if not resources.is_numbered(con, batch_id):
            resources.number_bulk(con, batch_id)
        unknown = resources.quarantine_unknown_codes(con, batch_id, run.run_id, name)
    message = "; ".join([*notes, *aside.notes(unknown)]) or None
    ledger.update_batch(con, batch_id, status="loaded", rows_read=rows,
                        rows_rejected=unknown, message=message)
    return InputOutcome(NAME, name, "loaded", batch_id, release, rows_read=rows,
                        is_synthetic=synthetic, message=message)


def _clear(con: duckdb.DuckDBPyConnection, batch_id: str) -> None:
    for table in resources.RAW_TABLES:
        con.execute(f"delete from {table} where batch_id = ?", [batch_id])


def queries(cfg: Config, today: datetime | None = None) -> list[ComextQuery]:
    """The configured query, one request per reporter, in Eurostat's codes."""
    from observatory.reference.countries import build_countries

    settings_ = cfg.comext
    countries = build_countries()
    iso2 = dict(zip(countries["iso3"], countries["iso2"], strict=True))
    start = settings_.start_period or (
        f"{(today or datetime.now(UTC)).year - 2}-01" if settings_.freq == "M"
        else str(cfg.study.first_year))
    partners = tuple(settings.WORLD if p == "WORLD" else iso2[p] for p in settings_.partners)
    flows = tuple(settings.FLOW_CODES[f] for f in settings_.flows)
    return [ComextQuery(iso2[r], partners, settings_.products, flows, settings_.freq, start)
            for r in settings_.reporters]


def fetch_reporters(run: RunContext) -> list[InputOutcome]:
    """Fetch each configured reporter's answer (through `run.fetches`: in parallel in the
    flow), save it under the raw folder, then ingest it like a saved answer, in order."""
    cfg = run.cfg
    client = ComextClient(cfg.comext.base_url, max_retries=cfg.comext.max_retries,
                          http=cfg.http)
    planned = queries(cfg)
    pending = [run.fetches.submit(fetch_answer, client, query) for query in planned]
    outcomes = []
    for query, handle in zip(planned, pending, strict=True):
        try:
            text = handle.result()
        except SourceError as exc:
            outcomes.append(InputOutcome(NAME, query.file_name, "failed",
                                         message=one_line(str(exc))))
            continue
        dest = cfg.warehouse.raw_dir / NAME / "api" / query.file_name
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, dest)
        outcomes.append(ingest_answer(run, dest))
    return outcomes


SOURCE = ComextSource()
