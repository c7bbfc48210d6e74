"""Comtrade resources: plan requests within the API's limits, run them, normalise records.

`plan_requests` turns a `QuerySpec` into concrete `ComtradeRequest`s (one period per preview
call, at most 12 per data call, URLs of at most 4,096 characters, totals always asked for).
`fetch_request` fetches one request (splitting any answer that comes back at the row cap)
without touching the database, so requests can be fetched in parallel anywhere.
`RequestRunner.run` decides what to fetch from the ledger `ops.comtrade_requests`, has it
fetched, records the results and yields one `FetchedBatch` (a pandas frame in the columns
of `settings.RECORD_COLUMNS`) per request, in plan order. A request is marked `done`
only when the caller asks for the next batch, so a batch the caller failed to store is
fetched again. `QuotaExhausted` stops the run cleanly with the rest left `pending`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from observatory.errors import ConfigError, QuotaExhausted, RowCapReached, SourceError
from observatory.orchestration import SEQUENTIAL, Fetches
from observatory.sources.base import Resource
from observatory.sources.comtrade import settings, state
from observatory.sources.comtrade.client import ComtradeClient, build_url
from observatory.sources.comtrade.requests import AvailabilityChange, ComtradeRequest

log = logging.getLogger(__name__)

COMTRADE_RECORDS = Resource(
    table="raw.comtrade_records",
    # Totals only (motCode 0, customsCode C00, partner2Code 0), so these identify a figure.
    # classification_code is left out on purpose: a reporter that re-reports a year in a
    # newer HS revision replaces its old figures instead of doubling them.
    primary_key=("freq", "period", "reporter_code", "partner_code", "flow_code", "cmd_code"),
    load_mode="merge",
)

Crosswalk = Mapping[int, str]


# ---- crosswalk ---------------------------------------------------------------------------

def crosswalk_from_frame(frame: pd.DataFrame, code_column: str = "comtrade_code",
                         iso3_column: str = "iso3") -> dict[int, str]:
    """{comtrade_code: iso3} from a table such as `ref.countries` (rows without a code are
    skipped)."""
    out: dict[int, str] = {}
    for code, iso3 in zip(frame[code_column], frame[iso3_column], strict=True):
        if pd.isna(code) or pd.isna(iso3) or str(code).strip() == "":
            continue
        out[int(code)] = str(iso3)
    return out


def crosswalk_from_table(con: duckdb.DuckDBPyConnection,
                         table: str = "ref.countries") -> dict[int, str]:
    """{comtrade_code: iso3} read from the warehouse's country table."""
    frame = con.execute(
        f"select comtrade_code, iso3 from {table} where comtrade_code is not null"
    ).df()
    return crosswalk_from_frame(frame)


# ---- requests and planning ---------------------------------------------------------------

@dataclass(frozen=True)
class QuerySpec:
    """What to fetch. Countries are ISO3 codes (or Comtrade codes as ints); `partners=None`
    means every partner (World included, flagged); `reporters=None` means every reporter.
    Periods are YYYY for annual data and YYYYMM for monthly data."""

    reporters: Sequence[str | int] | None
    periods: Sequence[str | int]
    partners: Sequence[str | int] | None = None
    cmd_codes: Sequence[str] = ("TOTAL",)
    flows: Sequence[str] = ("M", "X")
    freq: str = "A"
    endpoint: str = "data"
    type_code: str = "C"
    classification: str = "HS"
    row_cap: int | None = None
    include_desc: bool = False


def plan_requests(
    spec: QuerySpec,
    crosswalk: Crosswalk,
    *,
    base_url: str = settings.BASE_URL,
    max_url_length: int = settings.MAX_URL_LENGTH,
) -> list[ComtradeRequest]:
    """The concrete requests for `spec`, in a stable order, within the API's limits."""
    if spec.endpoint not in settings.ENDPOINTS:
        raise ConfigError(f"comtrade endpoint must be one of {settings.ENDPOINTS}, "
                          f"got {spec.endpoint!r}")
    if spec.freq not in settings.FREQUENCIES:
        raise ConfigError(f"comtrade freq must be A or M, got {spec.freq!r}")
    periods = _periods(spec)
    reporters = _countries(spec.reporters, crosswalk, "reporters")
    partners = _countries(spec.partners, crosswalk, "partners")
    if reporters is None and partners is None:
        raise ConfigError("comtrade: every reporter with every partner is not allowed by the "
                          "API; name the reporters or the partners")
    cmd_codes = _unique([str(c).strip() for c in spec.cmd_codes])
    flows = _unique([str(f).strip() for f in spec.flows])
    if not cmd_codes or not flows:
        raise ConfigError("comtrade: cmd_codes and flows must not be empty")
    default_cap = (settings.PREVIEW_ROW_CAP if spec.endpoint == "preview"
                   else settings.FREE_TIER_ROW_CAP)
    row_cap = spec.row_cap or default_cap
    if spec.endpoint == "preview" and row_cap > settings.PREVIEW_ROW_CAP:
        raise ConfigError(f"comtrade preview returns at most {settings.PREVIEW_ROW_CAP} rows")
    template = settings.PREVIEW_PATH if spec.endpoint == "preview" else settings.DATA_PATH
    path = template.format(type_code=spec.type_code, freq=spec.freq,
                           classification=spec.classification)
    per_call = settings.MAX_PERIODS[spec.endpoint]

    planned: list[ComtradeRequest] = []
    for start in range(0, len(periods), per_call):
        params: dict[str, str] = {"period": ",".join(periods[start:start + per_call])}
        if reporters is not None:
            params["reporterCode"] = ",".join(str(c) for c in reporters)
        if partners is not None:
            params["partnerCode"] = ",".join(str(c) for c in partners)
        params.update(settings.TOTALS)
        params["cmdCode"] = ",".join(cmd_codes)
        params["flowCode"] = ",".join(flows)
        params["maxRecords"] = str(row_cap)
        params["includeDesc"] = "true" if spec.include_desc else "false"
        planned += _fit_url(ComtradeRequest.build(path, params), base_url, max_url_length)
    return planned


def _fit_url(request: ComtradeRequest, base_url: str,
             max_url_length: int) -> list[ComtradeRequest]:
    """Halve the longest code list until every URL fits."""
    if len(build_url(base_url, request.path, request.params_dict)) <= max_url_length:
        return [request]
    candidates = [n for n in settings.URL_SPLIT_PARAMS if len(request.values(n)) > 1]
    if not candidates:
        raise ConfigError(f"{request.path}: a single request is longer than "
                          f"{max_url_length} characters")
    name = max(candidates, key=lambda n: len(request.params_dict[n]))
    values = request.values(name)
    half = (len(values) + 1) // 2
    return (_fit_url(request.with_values(name, values[:half]), base_url, max_url_length)
            + _fit_url(request.with_values(name, values[half:]), base_url, max_url_length))


def split_request(request: ComtradeRequest) -> list[ComtradeRequest] | None:
    """Two requests covering `request` (by period, then reporter, commodity, partner, flow
    list), or None when every list is down to one value (or is "all")."""
    for name in settings.SPLIT_ORDER:
        values = request.values(name)
        if len(values) > 1:
            half = (len(values) + 1) // 2
            return [request.with_values(name, values[:half]),
                    request.with_values(name, values[half:])]
    return None


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _periods(spec: QuerySpec) -> list[str]:
    pattern = settings.ANNUAL_PERIOD if spec.freq == "A" else settings.MONTHLY_PERIOD
    periods = sorted(_unique([str(p).strip() for p in spec.periods]))
    if not periods:
        raise ConfigError("comtrade: no period requested")
    bad = [p for p in periods if not pattern.match(p)]
    if bad:
        shape = "YYYY" if spec.freq == "A" else "YYYYMM"
        # The API answers a wrong period format with an empty result, not an error.
        raise ConfigError(f"comtrade: period(s) {', '.join(bad)} are not {shape} "
                          f"for freq {spec.freq}")
    return periods


def _countries(values: Sequence[str | int] | None, crosswalk: Crosswalk,
               what: str) -> list[int] | None:
    if values is None:
        return None
    by_iso3: dict[str, list[int]] = {}
    for code, iso3 in crosswalk.items():
        by_iso3.setdefault(str(iso3).upper(), []).append(int(code))
    codes: list[int] = []
    for value in values:
        if isinstance(value, int) or str(value).strip().isdigit():
            code = int(value)
            if code != settings.WORLD_CODE and code not in crosswalk:
                raise ConfigError(f"comtrade {what}: code {code} is not in the crosswalk")
        elif str(value).strip().upper() == settings.WORLD_ISO:
            code = settings.WORLD_CODE
        else:
            iso3 = str(value).strip().upper()
            found = by_iso3.get(iso3, [])
            if not found:
                raise ConfigError(f"comtrade {what}: {iso3} has no Comtrade code in the "
                                  "crosswalk")
            if len(found) > 1:
                raise ConfigError(f"comtrade {what}: {iso3} maps to several Comtrade codes "
                                  f"{sorted(found)}; give the code itself")
            code = found[0]
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ConfigError(f"comtrade {what}: empty list (use None for all)")
    return codes


# ---- normalising records -----------------------------------------------------------------

@dataclass(frozen=True)
class UnknownCode:
    """A record set aside because a country code is not in the crosswalk (to quarantine)."""

    request_id: str
    path: str
    record_index: int  # position in the answer's `data` array, from 0
    field: str
    code: str
    raw_record: str  # the record as JSON

    @property
    def reason(self) -> str:
        return (f"{self.path}: request {self.request_id}: record {self.record_index}: "
                f"{self.field} {self.code} is not in the country crosswalk")


@dataclass(frozen=True)
class NormalisedRecords:
    frame: pd.DataFrame
    unknown_codes: list[UnknownCode]
    breakdown_rows_dropped: int


def _is_total(value: Any, total: str) -> bool:
    return value is None or str(value).strip() == total


def _int_or_none(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return int(float(value))


def _float_or_none(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return float(value)


def _bool_or_none(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def normalise_records(
    records: Sequence[Mapping[str, Any]],
    crosswalk: Crosswalk,
    *,
    request_id: str,
    path: str,
) -> NormalisedRecords:
    """API records to `settings.RECORD_COLUMNS`.

    - Breakdown rows (motCode not 0, customsCode not C00, partner2Code not 0) are dropped
      and counted: only totals are kept, so nothing is counted twice. A field the answer
      does not carry is taken as the total.
    - Partner World (partnerCode 0 / partnerISO W00) rows are kept with
      `is_world_partner = true` and `partner_iso3` null: aggregates, never bilateral.
    - Codes missing from `crosswalk` set the record aside as an `UnknownCode`.
    - `ref_month` is null for annual data (the API sends 52).
    """
    rows: list[dict[str, Any]] = []
    unknown: list[UnknownCode] = []
    dropped = 0
    for index, record in enumerate(records):
        if not all(_is_total(record.get(k), v) for k, v in settings.TOTALS.items()):
            dropped += 1
            continue
        try:
            reporter_code = int(record["reporterCode"])
            partner_code = int(record["partnerCode"])
            freq = str(record["freqCode"]).strip()
            period = str(record["period"]).strip()
            flow_code = str(record["flowCode"]).strip()
            cmd_code = str(record["cmdCode"]).strip()
        except KeyError as exc:
            raise SourceError(f"{path}: request {request_id}: record {index}: "
                              f"field {exc.args[0]} missing") from None
        except (TypeError, ValueError) as exc:
            raise SourceError(f"{path}: request {request_id}: record {index}: "
                              f"bad code ({exc})") from None
        is_world = (partner_code == settings.WORLD_CODE
                    or str(record.get("partnerISO") or "").strip() == settings.WORLD_ISO)
        reporter_iso3 = crosswalk.get(reporter_code)
        partner_iso3 = None if is_world else crosswalk.get(partner_code)
        problems = []
        if reporter_iso3 is None:
            problems.append(("reporterCode", reporter_code))
        if partner_iso3 is None and not is_world:
            problems.append(("partnerCode", partner_code))
        if problems:
            raw = json.dumps(dict(record), sort_keys=True, default=str)
            unknown += [UnknownCode(request_id, path, index, name, str(code), raw)
                        for name, code in problems]
            continue
        rows.append({
            "freq": freq,
            "ref_year": _int_or_none(record.get("refYear")) or int(period[:4]),
            "ref_month": _int_or_none(record.get("refMonth")) if freq == "M" else None,
            "period": period,
            "reporter_code": reporter_code,
            "reporter_iso3": reporter_iso3,
            "partner_code": partner_code,
            "partner_iso3": partner_iso3,
            "is_world_partner": is_world,
            "flow_code": flow_code,
            "cmd_code": cmd_code,
            "aggr_level": _int_or_none(record.get("aggrLevel")),
            "classification_code": record.get("classificationCode"),
            "primary_value_usd": _float_or_none(record.get("primaryValue")),
            "cif_value_usd": _float_or_none(record.get("cifvalue")),
            "fob_value_usd": _float_or_none(record.get("fobvalue")),
            "net_weight_kg": _float_or_none(record.get("netWgt")),
            "qty": _float_or_none(record.get("qty")),
            "qty_unit_code": _int_or_none(record.get("qtyUnitCode")),
            "is_reported": _bool_or_none(record.get("isReported")),
            "is_aggregate": _bool_or_none(record.get("isAggregate")),
            "request_id": request_id,
            "record_index": index,
        })
    return NormalisedRecords(_frame(rows), unknown, dropped)


_PANDAS_TYPES = {"varchar": "string", "integer": "Int64", "double": "Float64",
                 "boolean": "boolean"}


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = list(settings.RECORD_COLUMNS)
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({c: _PANDAS_TYPES[t] for c, t in settings.RECORD_COLUMNS.items()})


def bilateral(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows between two countries (World aggregates removed)."""
    return frame[~frame["is_world_partner"].astype(bool)]


def world(frame: pd.DataFrame) -> pd.DataFrame:
    """The partner-World aggregate rows only."""
    return frame[frame["is_world_partner"].astype(bool)]


# ---- running requests through the ledger -------------------------------------------------

@dataclass(frozen=True)
class FetchedBatch:
    """The normalised records of one request."""

    request: ComtradeRequest
    records: pd.DataFrame
    unknown_codes: list[UnknownCode]
    rows_received: int
    breakdown_rows_dropped: int

    @property
    def request_id(self) -> str:
        return self.request.request_id


@dataclass(frozen=True)
class FetchResult:
    """What fetching one request gave, without touching the ledger, so that it can run in
    another thread, process or machine: its normalised records; or, when the answer came
    back at the row cap, the results of the two requests it was split into; or the error
    that stopped it (`QuotaExhausted`, `SourceUnavailable`, `RowCapReached`, ...)."""

    request: ComtradeRequest
    batch: FetchedBatch | None = None
    parts: tuple[FetchResult, ...] = ()
    rows_at_cap: int = 0
    error: Exception | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None or any(p.failed for p in self.parts)


def fetch_request(client: ComtradeClient, request: ComtradeRequest,
                  crosswalk: Crosswalk) -> FetchResult:
    """Fetch one request, splitting it (and fetching the parts, in order) while its answer
    comes back at the row cap; errors are returned, not raised, so the ledger can record
    what was done before them."""
    try:
        answer = client.fetch(request.path, request.params_dict)
    except (SourceError, ConfigError) as exc:
        return FetchResult(request, error=exc)
    received = len(answer.records)
    rid = request.request_id
    if received >= request.row_cap:
        parts = split_request(request)
        if parts is None:
            return FetchResult(request, rows_at_cap=received, error=RowCapReached(
                f"{request.path}: request {rid}: {received} rows, the row cap, for a single "
                "reporter, period, commodity, partner and flow; rows would be lost: raise "
                "the cap (premium) or use bulk files"))
        log.info("comtrade %s: %d rows at the cap; split in two", rid, received)
        done: list[FetchResult] = []
        for part in parts:
            done.append(fetch_request(client, part, crosswalk))
            if done[-1].failed:
                break  # the rest stays pending in the ledger
        return FetchResult(request, parts=tuple(done), rows_at_cap=received)
    normalised = normalise_records(answer.records, crosswalk, request_id=rid,
                                   path=request.path)
    return FetchResult(request, batch=FetchedBatch(
        request, normalised.frame, normalised.unknown_codes, received,
        normalised.breakdown_rows_dropped))


class _QuotaStop(Exception):
    pass


@dataclass
class RequestRunner:
    """Runs requests in order through `ops.comtrade_requests` (see the module docstring).

    The ledger decides what to fetch (skipping `done` requests, replacing `split` ones by
    their children); `fetches` fetches them (`observatory.orchestration`: one at a time when
    asked by default, or in parallel through a Prefect task runner); the results are
    recorded in the ledger and yielded in plan order. After `run` ends, `quota_message` says
    whether the daily quota stopped it and `state.counts(con)` how many requests remain
    pending. A failure or the quota stops the recording: the results of fetches already
    submitted after it are dropped, and their requests stay pending for the next run.
    """

    client: ComtradeClient
    con: duckdb.DuckDBPyConnection
    crosswalk: Crosswalk
    quota_message: str | None = field(default=None, init=False)
    fetched: int = field(default=0, init=False)

    def run(self, requests: Sequence[ComtradeRequest],
            fetches: Fetches = SEQUENTIAL) -> Iterator[FetchedBatch]:
        """Run a plan: requests already `done` are skipped, `split` ones are replaced by
        their children, `pending` and `failed` ones are fetched."""
        state.register(self.con, requests)
        return self._run_all(requests, fetches)

    def run_unfinished(self, fetches: Fetches = SEQUENTIAL) -> Iterator[FetchedBatch]:
        """Run whatever the ledger still has `pending` or `failed`, whatever plan made it."""
        rows = state.unfinished(self.con)
        return self._run_all([ComtradeRequest.build(r.path, r.params) for r in rows], fetches)

    def to_fetch(self, requests: Sequence[ComtradeRequest]) -> list[ComtradeRequest]:
        """The requests of a plan the ledger says to fetch, in order, each once."""
        out: dict[str, ComtradeRequest] = {}

        def visit(request: ComtradeRequest) -> None:
            row = state.get(self.con, request.request_id)
            status = row.status if row else "pending"
            if status == "done" or request.request_id in out:
                return
            if status == "split":
                for child in state.children(self.con, request.request_id):
                    visit(ComtradeRequest.build(child.path, child.params))
                return
            out[request.request_id] = request

        for request in requests:
            visit(request)
        return list(out.values())

    def _run_all(self, requests: Sequence[ComtradeRequest],
                 fetches: Fetches) -> Iterator[FetchedBatch]:
        self.quota_message = None
        pending = [fetches.submit(fetch_request, self.client, request, self.crosswalk)
                   for request in self.to_fetch(requests)]
        try:
            for handle in pending:
                yield from self._record(handle.result())
        except _QuotaStop:
            pending_count = state.counts(self.con)["pending"]
            log.warning("comtrade: stopped by the call quota (%s); %d request(s) pending "
                        "for the next run", self.quota_message, pending_count)

    def _record(self, result: FetchResult) -> Iterator[FetchedBatch]:
        """Write one result into the ledger, yielding its batches; a batch is marked `done`
        only when the caller asks for the next one (it was consumed)."""
        request, rid = result.request, result.request.request_id
        error = result.error
        if isinstance(error, QuotaExhausted):
            self.quota_message = str(error)
            state.mark(self.con, rid, "pending", message=str(error))
            raise _QuotaStop() from error
        if error is not None:
            state.mark(self.con, rid, "failed", rows=result.rows_at_cap or None,
                       message=str(error))
            raise error
        self.fetched += 1
        if result.batch is None:  # split at the row cap
            parts = split_request(request)
            assert parts is not None
            state.register(self.con, parts, parent_id=rid)
            state.mark(self.con, rid, "split", rows=result.rows_at_cap,
                       message=f"{result.rows_at_cap} rows = row cap; split into "
                               f"{', '.join(p.request_id for p in parts)}")
            for part in result.parts:
                yield from self._record(part)
            return
        batch = result.batch
        yield batch
        # Reached only when the caller asks for the next batch: this one was consumed.
        state.mark(
            self.con, rid, "done", rows=len(batch.records),
            message=(f"received {batch.rows_received}; kept {len(batch.records)}; breakdown "
                     f"dropped {batch.breakdown_rows_dropped}; unknown codes "
                     f"{len(batch.unknown_codes)}"),
        )


# ---- incremental refresh from availability -----------------------------------------------

def _fingerprint(record: Mapping[str, Any]) -> str:
    """`datasetChecksum` when the answer has it (data availability); otherwise the file's
    identity and dates (bulk file list: `rowKey`/`fileUrl`, `publicationDate`, `timestamp`)."""
    if record.get("datasetChecksum") not in (None, ""):
        return f"checksum:{record['datasetChecksum']}"
    parts = [record.get(k) for k in ("rowKey", "fileUrl", "publicationDate", "lastReleased",
                                     "timestamp", "totalRecords")]
    if not any(parts):
        raise SourceError("availability record without datasetChecksum, publicationDate or "
                          "file identity")
    return "file:" + "|".join("" if p is None else str(p) for p in parts)


def availability_changes(
    con: duckdb.DuckDBPyConnection,
    records: Sequence[Mapping[str, Any]],
    *,
    type_code: str,
    freq: str,
    classification: str,
) -> list[AvailabilityChange]:
    """The datasets of an availability answer whose fingerprint differs from the one stored
    in `ops.comtrade_availability` (or that are new). Nothing is written: call
    `state.save_fingerprints` once the refetched data is loaded."""
    stored = state.stored_fingerprints(con, type_code, freq, classification)
    current: dict[tuple[int, str, str], list[str]] = {}
    published: dict[tuple[int, str, str], str | None] = {}
    for index, record in enumerate(records):
        try:
            key = (int(record["reporterCode"]), str(record["period"]).strip(),
                   str(record.get("classificationCode") or "").strip())
        except (KeyError, TypeError, ValueError):
            raise SourceError(f"availability record {index}: no reporterCode/period") from None
        current.setdefault(key, []).append(_fingerprint(record))
        date = record.get("publicationDate") or record.get("lastReleased")
        published[key] = max(filter(None, [published.get(key), date]), default=None)
    changes = []
    for key in sorted(current):
        fingerprint = ";".join(sorted(current[key]))
        if stored.get(key) != fingerprint:
            changes.append(AvailabilityChange(key[0], key[1], key[2], fingerprint,
                                              published[key], stored.get(key)))
    return changes


def changed_pairs(changes: Sequence[AvailabilityChange]) -> list[tuple[int, str]]:
    """The distinct (reporter_code, period) pairs to fetch again."""
    return sorted({(c.reporter_code, c.period) for c in changes})


def plan_refetch(spec: QuerySpec, pairs: Sequence[tuple[int, str]], crosswalk: Crosswalk,
                 **kwargs: Any) -> list[ComtradeRequest]:
    """Requests for `spec` restricted to the changed (reporter_code, period) pairs: one plan
    per reporter, over its changed periods that `spec` asks for."""
    wanted = {str(p) for p in spec.periods}
    wanted_reporters = (None if spec.reporters is None
                        else set(_countries(spec.reporters, crosswalk, "reporters") or []))
    by_reporter: dict[int, list[str]] = {}
    for code, period in pairs:
        if str(period) in wanted and (wanted_reporters is None or code in wanted_reporters):
            by_reporter.setdefault(int(code), []).append(str(period))
    planned: list[ComtradeRequest] = []
    for code in sorted(by_reporter):
        sub = dataclasses.replace(spec, reporters=[code], periods=by_reporter[code])
        planned += plan_requests(sub, crosswalk, **kwargs)
    return planned
