"""World Bank WITS: applied tariffs (TRAINS) by importer, partner and HS code.

Saved answers of the WITS SDMX API (`sources.tariffs.paths`, or `observatory ingest file
--profile wits_tariffs`) and, when `sources.tariffs.wits_enabled`, the answers fetched for
each configured importer: each answer is one batch, parsed into `raw.tariff_records`,
validated (`tariffs` suite) and merged into `core.tariffs`, replacing the (source, importer,
year) partitions it brings (`sql/core/merges/tariffs.sql`).
"""

from __future__ import annotations

import json
from pathlib import Path

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
from observatory.sources.wits.client import WitsClient, fetch_tariffs
from observatory.sources.wits.resources import parse_tariffs
from observatory.validation import suites
from observatory.warehouse import ledger
from observatory.warehouse.merge import replace_tariff_partitions
from observatory.warehouse.session import insert_frame, work_db

PROFILE = "wits_tariffs"  # `observatory ingest file PATH --profile wits_tariffs`
TARIFFS = Resource("core.tariffs", ("source", "importer_iso3", "partner_iso3", "regime",
                                    "year", "classification", "product_code"),
                   "replace_partition", ("source", "importer_iso3", "year"))


class WitsSource(Source):
    name = "wits"
    label = "WITS tariffs"
    group = "regulatory"
    order = 50
    profiles = (PROFILE,)
    raw_tables = ("raw.tariff_records",)
    resources = (TARIFFS,)
    fetchers = {"fetch_tariffs": "fetch_wits_tariffs"}

    def needs_fetches(self, cfg: Config) -> bool:
        return cfg.tariffs.wits_enabled

    def without(self, cfg: Config) -> Config:
        return without_paths(cfg, "tariffs", paths=(), wits_enabled=False)

    def ingest(self, run: RunContext) -> list[InputOutcome]:
        """Saved answers of the globs, then the API's answers for each configured importer."""
        outcomes = [ingest_answer(run, path)
                    for path in batches.discover(run.cfg, run.cfg.tariffs.paths)]
        return outcomes + (fetch_importers(run) if run.cfg.tariffs.wits_enabled else [])

    def ingest_file(self, run: RunContext, path: Path, profile: str) -> InputOutcome:
        return ingest_answer(run, path)

    def validate(self, run: RunContext, outcome: InputOutcome) -> BatchVerdict:
        assert outcome.batch_id is not None
        return batches.run_gate(run, outcome, suites.tariff_suite(outcome.batch_id),
                                "raw.tariff_records", suites.TARIFF_RECORD)

    def merge(self, run: RunContext, outcome: InputOutcome) -> MergeResult:
        """Replace the (source, importer, year) partitions the batch brings."""
        assert outcome.batch_id and outcome.release
        batch_id, release = outcome.batch_id, outcome.release
        guard = batches.guard_for(run.cfg)
        return batches.merge_batch(
            run, outcome, self.raw_tables,
            lambda con: replace_tariff_partitions(con, batch_id, outcome.source, release,
                                                  guard, what=outcome.file_name))


@batches.failing_as("wits")
def ingest_answer(run: RunContext, path: Path) -> InputOutcome:
    """Land a WITS SDMX-JSON tariff answer saved as a file and load it into raw."""
    with work_db(run.cfg) as con:
        started = batches.start_file_batch(run.cfg, con, run.run_id, "wits", path)
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
                        is_synthetic=batches.is_synthetic(path), rows_read=len(frame))


def fetch_importers(run: RunContext) -> list[InputOutcome]:
    """Download each configured importer's applied tariffs (all products, all partners) for
    the configured year (through `run.fetches`: in parallel in the flow), save each answer,
    then ingest it like any WITS file, in the configured order."""
    cfg, settings = run.cfg, run.cfg.tariffs
    numeric = build_countries().set_index("iso3")["iso_numeric"]
    client = WitsClient(settings.wits_base_url, http=cfg.http)
    reporters = [(iso3, f"{int(numeric[iso3]):03d}") for iso3 in settings.wits_reporters]
    pending = [run.fetches.submit(fetch_tariffs, client, reporter, "all", "all",
                                  settings.wits_year) for _, reporter in reporters]
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
        outcomes.append(ingest_answer(run, dest))
    return outcomes


SOURCE = WitsSource()
