"""WTO ePing: SPS and TBT notifications, from the search API and from saved answers.

The API (when `sources.eping.enabled`) is asked for the notifications distributed since the
end of its last window loaded, less an overlap; saved answers (`sources.eping.files`) are
read as files. Each answer is one batch: landed as JSON, normalised into
`raw.eping_notifications` and `raw.eping_notification_products`, validated
(`eping_notifications` suite) and merged by notification id with history
(`sql/core/merges/eping.sql`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from observatory.config import Config
from observatory.errors import SourceError
from observatory.reference.countries import build_countries
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
from observatory.sources.eping import resources as eping
from observatory.sources.eping.client import EpingClient
from observatory.validation import suites
from observatory.warehouse import ledger, queries
from observatory.warehouse.session import insert_frame, work_db
from observatory.warehouse.transaction import transaction

SQL = "core/merges/eping.sql"


class EpingSource(Source):
    name = "eping"
    label = "WTO ePing"
    group = "regulatory"
    feeds_trade_marts = False
    order = 30
    raw_tables = ("raw.eping_notifications", "raw.eping_notification_products")
    resources = (
        Resource("core.notifications", ("source", "notification_id", "version"),
                 "merge_history"),
        Resource("core.notification_products", ("source", "notification_id", "hs_code"),
                 "replace_by_key", ("source", "notification_id")),
    )
    fetchers = {"fetch_since": "fetch_eping_notifications"}

    def needs_fetches(self, cfg: Config) -> bool:
        return cfg.eping.enabled

    def without(self, cfg: Config) -> Config:
        return without_paths(cfg, "eping", enabled=False, files=())

    def ingest(self, run: RunContext) -> list[InputOutcome]:
        """The API's new window (when enabled), then every saved answer of the globs."""
        outcomes = fetch_window(run) if run.cfg.eping.enabled else []
        return outcomes + [ingest_saved_answer(run, path)
                           for path in batches.discover(run.cfg, run.cfg.eping.files)]

    def validate(self, run: RunContext, outcome: InputOutcome) -> BatchVerdict:
        assert outcome.batch_id is not None
        return batches.run_gate(
            run, outcome, suites.eping_suite(outcome.batch_id), "raw.eping_notifications",
            "concat_ws(' | ', r.notification_id, r.symbol, r.distribution_date, r.title)",
            also_clear=("raw.eping_notification_products",))

    def merge(self, run: RunContext, outcome: InputOutcome) -> MergeResult:
        """Merge by notification id with history (a changed notification gets version + 1,
        the old version kept); its HS codes follow the current version."""
        assert outcome.batch_id and outcome.release
        params = {"batch_id": outcome.batch_id, "release": outcome.release}

        def merge(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
            with transaction(con):
                for name in ("incoming", "retire_changed", "insert_versions",
                             "delete_products", "insert_products"):
                    queries.run(con, SQL, name, params)
                ((added, changed),) = queries.run(con, SQL, "counts", params)
                queries.run(con, SQL, "done", params)
            return int(added), int(changed)

        return batches.merge_history(run, outcome, self.raw_tables, merge)


def fetch_window(run: RunContext) -> list[InputOutcome]:
    """Fetch the notifications distributed since the end of the API's last window loaded
    (minus the overlap; a first run goes back `initial_days`), land the answer as JSON and
    load it into raw as one batch. The search (all its pages, one request at a time within
    the shared limits) is one fetch of `run.fetches`: it runs beside the other sources'
    fetches in the flow."""
    cfg, settings = run.cfg, run.cfg.eping
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
        items = run.fetches.submit(eping.fetch_since, client, window[0], window[1],
                                   country_ids).result()
    except SourceError as exc:
        return [InputOutcome("eping", "notifications/search", "failed", message=str(exc))]
    name = f"notifications_{window[0]}_{window[1]}.json"
    landed, sha = batches.land_text(cfg.warehouse.raw_dir, "eping", name,
                                    json.dumps(items, sort_keys=True, default=str))
    return [_load_items(run, items, name, landed, sha,
                        {"countryIds": country_ids,
                         "window": [window[0].isoformat(), window[1].isoformat()]},
                        synthetic=False, from_api=True)]


@batches.failing_as("eping")
def ingest_saved_answer(run: RunContext, path: Path) -> InputOutcome:
    """A saved answer of the ePing search API (`{"items": [...]}`), read offline."""
    landed, sha = batches.land(path, run.cfg.warehouse.raw_dir)
    try:
        body = json.loads(landed.read_text(encoding="utf-8"))
        items = next(body[k] for k in ("items", "notifications", "data", "results")
                     if isinstance(body, dict) and isinstance(body.get(k), list))
    except (json.JSONDecodeError, UnicodeDecodeError, StopIteration) as exc:
        return InputOutcome("eping", path.name, "failed",
                            message=f"{path.name}: not an ePing search answer ({exc})")
    return _load_items(run, items, path.name, landed, sha, {"file": path.name},
                       synthetic=batches.is_synthetic(path))


def _load_items(run: RunContext, items: list[Any], name: str, landed: Path, sha: str,
                parameters: dict[str, Any], *, synthetic: bool, from_api: bool = False
                ) -> InputOutcome:
    try:
        notifications, products = eping.to_frames(items)
    except SourceError as exc:
        return InputOutcome("eping", name, "failed", message=str(exc))
    with work_db(run.cfg) as con:
        fingerprint = f"eping:sha256={sha}"
        # A saved answer is the file of its name; the API's answers are one stream, each
        # window named after its dates: an answer equal to one already loaded is unchanged.
        settled = ledger.find_settled(con, "eping", fingerprint, None if from_api else name)
        if settled is not None:
            return InputOutcome("eping", name, "unchanged", settled.batch_id, sha[:12],
                                is_synthetic=synthetic, previous_status=settled.status)
        batch_id = ledger.start_batch(
            con, batch_id=f"eping:{sha[:12]}", run_id=run.run_id, source="eping",
            release=sha[:12], period=None, file_name=name, file_path=str(landed),
            file_sha256=sha, file_fingerprint=fingerprint, parameters=parameters,
            is_synthetic=synthetic)
        notifications = notifications.assign(
            batch_id=batch_id, line_number=range(1, len(notifications) + 1))
        for table, frame in (("eping_notifications", notifications),
                             ("eping_notification_products",
                              products.assign(batch_id=batch_id))):
            insert_frame(con, f"raw.{table}", frame, replace_batch=batch_id)
        unknown = notifications.attrs.get("unknown_members") or []
        message = ("members without ISO3: " + ", ".join(unknown)) if unknown else None
        ledger.update_batch(con, batch_id, status="loaded", rows_read=len(notifications),
                            message=message)
    return InputOutcome("eping", name, "loaded", batch_id, sha[:12],
                        rows_read=len(notifications), is_synthetic=synthetic, message=message)


SOURCE = EpingSource()
