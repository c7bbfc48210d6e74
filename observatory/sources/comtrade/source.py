"""UN Comtrade API v1: reporters' declared trade, totals only, one batch per request.

The configured query is planned into requests within the API's limits (`resources`); the
requests are fetched through the run's fetches (in parallel in the Prefect flow), each
answer landed as Parquet and loaded into `raw.comtrade_records`; validated with the
`comtrade_records` suite; merged into `core.trade_flows` / `core.trade_totals`, replacing
the reporter's (flow, frequency, year) partitions (`sql/core/merges/reported.sql`). A
request is `done` once its answer is in core, and `pending` (fetched again next run) while
it is not.
"""

from __future__ import annotations

import hashlib
from typing import Any

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
from observatory.sources.comtrade import state
from observatory.sources.comtrade.client import ComtradeClient
from observatory.sources.comtrade.resources import (
    FetchedBatch,
    QuerySpec,
    RequestRunner,
    availability_changes,
    changed_pairs,
    plan_refetch,
    plan_requests,
)
from observatory.text import one_line
from observatory.validation import suites
from observatory.warehouse import ledger
from observatory.warehouse.merge import replace_reported_partitions
from observatory.warehouse.session import insert_frame, work_db


class ComtradeSource(Source):
    name = "comtrade"
    label = "UN Comtrade"
    group = "trade"
    order = 20
    raw_tables = ("raw.comtrade_records",)
    resources = (
        Resource("core.trade_flows", ("source", "reported_by", "freq", "year", "month",
                                      "exporter_iso3", "importer_iso3", "classification",
                                      "product_code"),
                 "replace_partition", ("source", "reporter", "flow", "freq", "year")),
        Resource("core.trade_totals", ("source", "reporter_iso3", "flow", "freq", "year",
                                       "month", "classification", "product_code"),
                 "replace_partition", ("source", "reporter_iso3", "flow", "freq", "year")),
    )
    fetchers = {"fetch_request": "fetch_comtrade_request"}

    def enabled(self, cfg: Config) -> bool:
        return cfg.comtrade.enabled

    def needs_fetches(self, cfg: Config) -> bool:
        return cfg.comtrade.enabled

    def without(self, cfg: Config) -> Config:
        return without_paths(cfg, "comtrade", enabled=False)

    def ingest(self, run: RunContext) -> list[InputOutcome]:
        """Fetch the configured queries (and what an earlier run left pending), land each
        answer as Parquet and load it into raw; one batch per request, loaded here in plan
        order (this process is the warehouse's only writer)."""
        cfg, settings = run.cfg, run.cfg.comtrade
        if not settings.enabled:
            return []
        periods = [str(y) for y in cfg.study.years] if settings.freq == "A" else [
            f"{y}{m:02d}" for y in cfg.study.years for m in range(1, 13)]
        spec = QuerySpec(
            reporters=list(settings.reporters), periods=periods,
            partners=list(settings.partners), cmd_codes=list(settings.commodities),
            flows=list(settings.flows), freq=settings.freq, endpoint=settings.endpoint,
            row_cap=settings.row_cap or None)
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
                changes, refetch = _republished(client, con, spec, crosswalk,
                                                settings.base_url)
            except SourceError as exc:
                refetch = []
                outcomes.append(InputOutcome(self.name, "availability", "failed",
                                             message=str(exc)))
            if refetch:
                state.register(con, refetch)
                state.reset(con, [r.request_id for r in refetch])
            runner = RequestRunner(client, con, crosswalk)
            completed = True
            try:
                for batch in runner.run([*requests, *refetch], run.fetches):
                    outcomes.append(_load_batch(run, con, batch))
            except SourceError as exc:
                completed = False
                outcomes.append(InputOutcome(self.name, "requests", "failed",
                                             message=str(exc)))
            if runner.quota_message:
                completed = False
                pending = state.counts(con).get("pending", 0)
                outcomes.append(InputOutcome(
                    self.name, "requests", "failed",
                    message=f"stopped by the call quota; {pending} request(s) resume next "
                            f"run: {runner.quota_message}"))
            if completed and changes:
                state.save_fingerprints(con, "C", settings.freq, "HS", changes)
        return outcomes

    def settle_abandoned(self, con: duckdb.DuckDBPyConnection, batch_ids: list[str]) -> None:
        """A request whose answer a killed run never merged is fetched again."""
        for batch_id in batch_ids:
            request_id = request_of(batch_id)
            if request_id is not None:
                reopen(con, request_id, "the run loading its answer ended early")

    def validate(self, run: RunContext, outcome: InputOutcome) -> BatchVerdict:
        assert outcome.batch_id is not None
        spec = suites.file_record_suite(outcome.batch_id, view="staging.stg_comtrade_records",
                                        name="comtrade_records", allow_total=True)
        verdict = batches.run_gate(
            run, outcome, spec, "raw.comtrade_records",
            "concat_ws(' | ', r.reporter_iso3, r.partner_iso3, r.flow_code, r.cmd_code, "
            "r.period, r.primary_value_usd)")
        if not verdict.passed:
            reopen_request(run.cfg, outcome.batch_id,
                           f"rejected by validation ({verdict.rows_rejected} row(s) "
                           "quarantined)")
        return verdict

    def merge(self, run: RunContext, outcome: InputOutcome) -> MergeResult:
        """Replace the answer's partitions in core; its request is `done` once merged, and
        back to `pending` when the answer was refused or failed."""
        assert outcome.batch_id and outcome.release
        batch_id, release = outcome.batch_id, outcome.release
        guard = batches.guard_for(run.cfg)

        def merge(con: duckdb.DuckDBPyConnection) -> tuple[int, Any]:
            counts, report = replace_reported_partitions(
                con, "staging.stg_comtrade_records", batch_id, self.name, release, guard,
                what=outcome.file_name)
            return counts["trade_flows"] + counts["trade_totals"], report

        result = batches.merge_batch(run, outcome, self.raw_tables, merge)
        request_id = request_of(batch_id)
        if result.status != "merged":
            reopen_request(run.cfg, batch_id, result.message)
        elif request_id is not None:
            with work_db(run.cfg) as con:
                state.mark(con, request_id, "done", rows=result.rows,
                           message=f"answer merged ({result.rows} rows in core)")
        return result


def comtrade_crosswalk() -> dict[int, str]:
    """Comtrade numeric codes → ISO3, plus its non-country partner areas (S19, _X…)."""
    from observatory.reference.codes import comtrade_special_codes
    from observatory.reference.countries import comtrade_code_to_iso3

    specials = comtrade_special_codes()
    areas = {int(c): str(label) for c, label, world in zip(
        specials["comtrade_code"], specials["label"], specials["is_world"], strict=True)
        if not world}
    return comtrade_code_to_iso3() | areas


def request_of(batch_id: str) -> str | None:
    """The request a Comtrade batch answers (`comtrade:<request_id>:<sha>`)."""
    parts = batch_id.split(":")
    return parts[1] if len(parts) == 3 and parts[0] == "comtrade" else None


def reopen_request(cfg: Config, batch_id: str, reason: str | None) -> None:
    """A request whose answer was not loaded into core stays to do: `pending`, with why."""
    request_id = request_of(batch_id)
    if request_id is None:
        return
    with work_db(cfg) as con:
        reopen(con, request_id, reason or "see the run summary")


def reopen(con: duckdb.DuckDBPyConnection, request_id: str, reason: str) -> None:
    state.ensure_tables(con)
    state.mark(con, request_id, "pending", message=one_line(f"answer not loaded: {reason}"))


def _republished(client: ComtradeClient, con: duckdb.DuckDBPyConnection, spec: QuerySpec,
                 crosswalk: dict[int, str], base_url: str) -> tuple[list[Any], list[Any]]:
    """Availability changes of the configured reporters and periods, and the requests that
    fetch those (reporter, period) pairs again."""
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


def _load_batch(run: RunContext, con: duckdb.DuckDBPyConnection,
                batch: FetchedBatch) -> InputOutcome:
    request_id = batch.request_id
    frame = batch.records.copy()
    landed = run.cfg.warehouse.raw_dir / "comtrade" / f"{request_id}.parquet"
    landed.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(landed, index=False)
    sha = hashlib.sha256(landed.read_bytes()).hexdigest()
    name = f"{batch.request.path}#{request_id}"
    batch_id = ledger.start_batch(
        con, batch_id=f"comtrade:{request_id}:{sha[:8]}", run_id=run.run_id,
        source="comtrade", release=sha[:12], period=",".join(batch.request.values("period")),
        file_name=name, file_path=str(landed), file_sha256=sha,
        file_fingerprint=f"request:{request_id}:{sha}", parameters=batch.request.params_dict)
    frame["line_number"] = frame.pop("record_index").astype("Int64") + 1
    frame.insert(0, "batch_id", batch_id)
    insert_frame(con, "raw.comtrade_records", frame, replace_batch=batch_id)
    if batch.unknown_codes:
        con.executemany(
            "insert into ops.quarantine values (?, ?, 'comtrade', ?, ?, ?, ?, ?, ?)",
            [[batch_id, run.run_id, name, u.record_index + 1, u.field, u.reason, u.raw_record,
              ledger.now()] for u in batch.unknown_codes])
    notes = ([f"{batch.breakdown_rows_dropped} breakdown rows dropped"]
             if batch.breakdown_rows_dropped else [])
    if batch.unknown_codes:
        notes.append(f"{len(batch.unknown_codes)} record(s) with unknown country codes "
                     "quarantined")
    message = "; ".join(notes) or None
    ledger.update_batch(con, batch_id, status="loaded", rows_read=batch.rows_received,
                        rows_rejected=len(batch.unknown_codes), message=message)
    return InputOutcome("comtrade", name, "loaded", batch_id, sha[:12],
                        rows_read=batch.rows_received, message=message)


SOURCE = ComtradeSource()
