"""RSS 2.0 and Atom 1.0 feeds (official journals, customs notices), one per `[feeds.<name>]`.

Every configured feed is read every night (remote ones through the run's fetches, in
parallel in the Prefect flow; local files here), within its size limits and without entity
expansion; its items are landed as JSON, loaded into `raw.feed_items` with their keyword
matches (`raw.feed_item_hs`), validated (`feed_items` suite) and stored in core by feed and
item id (`sql/core/merges/feeds.sql`).
"""

from __future__ import annotations

from dataclasses import replace

from observatory.config import Config
from observatory.errors import SourceError
from observatory.orchestration import SEQUENTIAL, Pending
from observatory.sources import batches
from observatory.sources.base import (
    BatchVerdict,
    InputOutcome,
    MergeResult,
    Resource,
    RunContext,
    Source,
)
from observatory.sources.feeds.client import is_remote, local_path
from observatory.sources.feeds.resources import markets_frame, read_feed
from observatory.sources.feeds.settings import FeedSettings
from observatory.validation import suites
from observatory.warehouse import ledger, queries
from observatory.warehouse.session import insert_frame, work_db
from observatory.warehouse.transaction import transaction

SQL = "core/merges/feeds.sql"


class FeedSource(Source):
    name = "feeds"
    label = "RSS/Atom feeds"
    group = "regulatory"
    feeds_trade_marts = False
    order = 60
    raw_tables = ("raw.feed_items", "raw.feed_item_hs")
    resources = (
        Resource("core.feed_items", ("feed", "item_id"), "replace_by_key"),
        Resource("core.feed_item_hs", ("feed", "item_id", "hs_prefix"), "replace_by_key",
                 ("feed", "item_id")),
        Resource("core.feed_markets", ("feed", "market_iso3"), "replace_by_key"),
    )
    fetchers = {"read_feed": "fetch_feed"}

    def needs_fetches(self, cfg: Config) -> bool:
        return any(is_remote(feed.url) for feed in cfg.feeds)

    def without(self, cfg: Config) -> Config:
        return replace(cfg, feeds=())

    def ingest(self, run: RunContext) -> list[InputOutcome]:
        """Every configured feed: remote ones read through `run.fetches`, local files here
        (a fetch worker on another machine does not have them); loaded in the configured
        order."""
        cfg = run.cfg
        pending = [(run.fetches if is_remote(feed.url) else SEQUENTIAL).submit(
            read_feed, feed, None, cfg.http) for feed in cfg.feeds]
        return [ingest_feed(run, feed, handle)
                for feed, handle in zip(cfg.feeds, pending, strict=True)]

    def validate(self, run: RunContext, outcome: InputOutcome) -> BatchVerdict:
        assert outcome.batch_id is not None
        return batches.run_gate(run, outcome, suites.feed_suite(outcome.batch_id),
                                "raw.feed_items", "concat_ws(' | ', r.feed, r.item_id, r.title)",
                                also_clear=("raw.feed_item_hs",))

    def merge(self, run: RunContext, outcome: InputOutcome) -> MergeResult:
        """Replace the batch's items (by feed and item id) and their HS matches; refresh the
        feeds' markets from the configuration."""
        assert outcome.batch_id
        params = {"batch_id": outcome.batch_id}
        with work_db(run.cfg) as con:
            with transaction(con):
                for table in ("feed_items", "feed_item_hs"):
                    queries.run(con, SQL, "delete_items", params, table=table)
                queries.run(con, SQL, "insert_items", params)
                queries.run(con, SQL, "insert_matches", params)
                queries.run(con, SQL, "forget_markets", params)
                insert_frame(con, "core.feed_markets", markets_frame(run.cfg.feeds))
                ((rows,),) = queries.run(con, SQL, "count_items", params)
                for table in self.raw_tables:
                    con.execute(f"delete from {table} where batch_id = ?", [outcome.batch_id])
            ledger.update_batch(con, outcome.batch_id, status="merged", rows_loaded=rows,
                                rows_live=rows)
        return MergeResult("merged", int(rows), None, {
            "added": int(rows), "replaced": 0, "deleted": 0,
            "summary": f"{rows:,} item(s) stored, each replacing its earlier copy "
                       "(feed, item id)"})


def ingest_feed(run: RunContext, feed: FeedSettings, read: Pending[object] | None = None
                ) -> InputOutcome:
    """Read one configured feed (size limits, no entity expansion), land its items as JSON
    and load them into raw; a refused feed is a failed input with its one-line reason.
    `read`: the feed already submitted for reading (`FeedSource.ingest`)."""
    cfg = run.cfg
    try:
        batch, items, matches = (read or SEQUENTIAL.submit(read_feed, feed, None,
                                                           cfg.http)).result()  # type: ignore[misc]
    except SourceError as exc:
        return InputOutcome("feeds", feed.name, "failed", message=str(exc))
    # A local feed is demo data when it carries the demo marker (or its README.txt does).
    synthetic = not is_remote(feed.url) and batches.is_synthetic(local_path(feed.url))
    landed, sha = batches.land_text(
        cfg.warehouse.raw_dir, f"feeds/{feed.name}", "items.json",
        items.to_json(orient="records", date_format="iso", force_ascii=False))
    with work_db(cfg) as con:
        fingerprint = f"feed:{feed.name}:sha256={sha}"
        settled = ledger.find_settled(con, "feeds", fingerprint, feed.name)
        if settled is not None:
            return InputOutcome("feeds", feed.name, "unchanged", settled.batch_id, sha[:12],
                                is_synthetic=synthetic, previous_status=settled.status)
        batch_id = ledger.start_batch(
            con, batch_id=f"feed:{feed.name}:{sha[:12]}", run_id=run.run_id, source="feeds",
            release=sha[:12], period=None, file_name=feed.name, file_path=str(landed),
            file_sha256=sha, file_fingerprint=fingerprint, parameters={"url": str(feed.url)},
            is_synthetic=synthetic)
        for table, frame in (("feed_items", items.assign(
                batch_id=batch_id, line_number=range(1, len(items) + 1))),
                             ("feed_item_hs", matches.assign(batch_id=batch_id))):
            insert_frame(con, f"raw.{table}", frame, replace_batch=batch_id)
        message = "; ".join(batch.notes) or None
        ledger.update_batch(con, batch_id, status="loaded", rows_read=len(items),
                            message=message)
    return InputOutcome("feeds", feed.name, "loaded", batch_id, sha[:12],
                        rows_read=len(items), is_synthetic=synthetic, message=message)


SOURCE = FeedSource()
