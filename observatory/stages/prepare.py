"""Before a run does anything: the places it writes, the warehouse created or migrated, the
reference tables, the run's parameters, and what a killed run left behind."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime
from typing import Any

from observatory import parameters, plan
from observatory.config import Config
from observatory.errors import ConfigError
from observatory.reference import rates
from observatory.sources import registry
from observatory.warehouse import ledger, publish, sql_runner
from observatory.warehouse.aftermath import settle_killed_runs
from observatory.warehouse.reference_loader import load_reference
from observatory.warehouse.session import work_db


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def check_writable_places(cfg: Config) -> None:
    """Before any work: the folders a run writes (the published database's, the reports',
    the raw landings', the run summaries') can be created and written, and the published
    path is not a folder. One line naming the key otherwise."""
    places = (("warehouse.published", cfg.warehouse.published.parent),
              ("report.dir", cfg.report.dir), ("warehouse.raw_dir", cfg.warehouse.raw_dir),
              ("warehouse.runs_dir", cfg.warehouse.runs_dir))
    if cfg.warehouse.published.is_dir():
        raise ConfigError(f"warehouse.published: {cfg.warehouse.published} is a folder, not a "
                          "database file")
    for key, folder in places:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".write-test-{secrets.token_hex(4)}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(f"{key}: cannot write in {folder} "
                              f"({exc.strerror or type(exc).__name__})") from exc


def prepare_warehouse(cfg: Config, run_id: str, as_of: date) -> dict[str, Any]:
    """Create or migrate the warehouse (the SQL layers of `plan.TABLE_LAYERS`), load the
    reference tables, create the staging views, write the run's parameters, settle what a
    killed run left."""
    with work_db(cfg) as con:
        sql_runner.apply_layers(con, plan.TABLE_LAYERS)
        ref_fingerprint = load_reference(con)
        rates_fingerprint = rates.load_rates(con, rates.rate_files(cfg.rates.paths))
        ref_fingerprint = hashlib.sha256(
            f"{ref_fingerprint}:{rates_fingerprint}".encode()).hexdigest()
        sql_runner.apply_layers(con, plan.VIEW_LAYERS)
        abandoned = ledger.abandon_unfinished(con)
        recorded = publish.publication(cfg.warehouse.published)
        aftermath = settle_killed_runs(
            con, run_id=run_id, published_run=recorded.run_id if recorded else None,
            runs_dir=cfg.warehouse.runs_dir, report_dir=cfg.report.dir,
            published=cfg.warehouse.published)
        for source in registry.sources():
            source.settle_abandoned(con, abandoned)
        started = ledger.now()
        parameters.write_run_parameters(con, cfg, run_id, as_of, started)
        con.execute("insert into ops.runs (run_id, started_at, status) values (?, ?, 'running')",
                    [run_id, started])
    return {"ref_fingerprint": ref_fingerprint, "abandoned_batches": abandoned,
            "abandoned_runs": aftermath.runs,
            "publications_withdrawn": aftermath.publications_withdrawn,
            "leftovers_removed": aftermath.removed}
