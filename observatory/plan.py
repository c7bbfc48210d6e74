"""The plan of the nightly job, declared once: its steps in order, the SQL layers and when
each is applied, and for every table of the warehouse the SQL model or Python step that
writes it.

The job (`observatory.nightly`) runs the steps through a `Runner`: `direct` calls them
(tests, `--without-prefect`), the Prefect flow (`observatory.orchestration.flows`) makes each
step a task of the same name, retried with backoff when it is `io`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"


@dataclass(frozen=True)
class Step:
    """One step of a run: what it does, whether it reads or writes outside the warehouse
    (`io`: retried on an OSError; deterministic steps never retry), and whether it runs in
    the orchestrating process itself (`in_flow`: it submits tasks of its own, the network
    fetches, which a task could not hand to Dask workers)."""

    name: str
    does: str
    io: bool = False
    in_flow: bool = False


STEPS = (
    Step("prepare_warehouse", "create or migrate the warehouse, load the reference tables, "
         "write the run's parameters, settle what a killed run left"),
    Step("ingest", "one source: discover, land and load into raw what is new", io=True),
    Step("fetch_and_ingest", "one source that fetches from the network: its fetches as tasks "
         "(thread pool or Dask workers), then land and load into raw", in_flow=True),
    Step("validate", "one batch: its Great Expectations suite, failing rows to quarantine"),
    Step("merge", "one batch: into core under the partition rule"),
    Step("build_marts", "HS-revision conversion and the trade marts (sql/mart/trade)"),
    Step("refresh_study", "complexity, the study marts (sql/mart/study), CMS, the version"),
    Step("refresh_watch", "the watch marts (sql/mart/watch), alerts and digest"),
    Step("refresh_fabric", "the exporter fabric: dynamics and program follow-up from the "
         "restricted database, disclosure control, then mart.fabric_*"),
    Step("render_reports", "the reports and workbooks, from the publication's copy"),
    Step("publish_database", "swap the database and the reports into place", io=True),
)
STEP_NAMES = tuple(s.name for s in STEPS)
IN_FLOW = frozenset(s.name for s in STEPS if s.in_flow)


@dataclass(frozen=True)
class SqlLayer:
    """A folder of SQL models applied in file-name order, and when."""

    name: str
    folder: str
    applied: str


# In order. Every file can be re-run: `create ... if not exists` for tables that keep
# history (ops, raw, core), `create or replace` for views and marts.
SQL_LAYERS = (
    SqlLayer("schemas", "schemas", "prepare_warehouse"),
    SqlLayer("ops", "ops", "prepare_warehouse"),
    SqlLayer("raw", "raw", "prepare_warehouse"),
    SqlLayer("core", "core", "prepare_warehouse"),
    SqlLayer("ref", "ref", "prepare_warehouse"),
    # marts that keep rows across refreshes (written by Python steps)
    SqlLayer("kept marts", "mart/kept", "prepare_warehouse"),
    # after the reference tables are loaded from Python: the views read them
    SqlLayer("staging", "staging", "prepare_warehouse"),
    SqlLayer("trade marts", "mart/trade", "build_marts"),
    SqlLayer("study marts", "mart/study", "refresh_study"),
    SqlLayer("watch trade marts", "mart/watch_trade", "refresh_watch"),
    SqlLayer("watch regulatory marts", "mart/watch_regulatory", "refresh_watch"),
)
# The layers applied before the reference tables are loaded, and after.
TABLE_LAYERS = ("schemas", "ops", "raw", "core", "ref", "kept marts")
VIEW_LAYERS = ("staging",)


def layer(name: str) -> SqlLayer:
    for candidate in SQL_LAYERS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def layer_files(name: str) -> list[Path]:
    """The SQL files of a layer, in the order they are applied."""
    return sorted((SQL_DIR / layer(name).folder).glob("*.sql"))


# Tables written by Python steps (everything else is written by a SQL model of a layer,
# found by `table_writers`, or by a source's merge, declared by its resources).
PYTHON_WRITERS = {
    "ref.*": "observatory.warehouse.reference_loader.load_reference",
    "ref.hs_conversion": "observatory.stages.indicators.build_hs_conversion",
    "ref.exchange_rates": "observatory.reference.rates.load_rates",
    "ops.load_ledger": "observatory.warehouse.ledger",
    "ops.validation_results": "observatory.sources.batches.run_gate",
    "ops.quarantine": "observatory.sources.batches.run_gate",
    "ops.partition_changes": "observatory.warehouse.partitions.record",
    "ops.runs": "observatory.stages.prepare.prepare_warehouse",
    "ops.run_parameters": "observatory.parameters.write_run_parameters",
    "ops.run_markets": "observatory.parameters.write_run_parameters",
    "ops.publications": "observatory.stages.publication.stage_publication",
    "ops.refresh_state": "observatory.stages.indicators.record_refresh_state",
    "ops.complexity_state": "observatory.study.complexity_marts.update_complexity_marts",
    "ops.study_versions": "observatory.study.versions.record_version",
    "ops.study_vintages": "observatory.study.versions.record_version",
    "ops.alerts": "observatory.watch.alerts.evaluate_alerts",
    "ops.comtrade_requests": "observatory.sources.comtrade.state",
    "ops.comtrade_availability": "observatory.sources.comtrade.state",
    "mart.complexity_countries": "observatory.study.complexity_marts.update_complexity_marts",
    "mart.complexity_products": "observatory.study.complexity_marts.update_complexity_marts",
    "mart.home_product_space": "observatory.study.complexity_marts.update_complexity_marts",
    "mart.cms_decomposition": "observatory.study.cms.build_cms_mart",
    "mart.study_history": "observatory.study.versions.record_version",
    "mart.study_changes": "observatory.study.versions.record_version",
    "mart.watch_digest": "sql/mart/watch_digest.sql",  # run by watch.digest.build_digest
    "mart.fabric_indicators": "observatory.fabric.refresh.refresh_fabric",
    "mart.fabric_products": "observatory.fabric.refresh.refresh_fabric",
    "mart.fabric_disclosure": "observatory.fabric.refresh.refresh_fabric",
    "mart.fabric_program": "observatory.fabric.refresh.refresh_fabric",
}
_CREATE = re.compile(r"create\s+(?:or\s+replace\s+)?(?:temp\s+|temporary\s+)?"
                     r"(table|view)\s+(?:if\s+not\s+exists\s+)?([a-z_]+\.[a-z_0-9]+)",
                     re.IGNORECASE)


@functools.cache
def table_writers() -> dict[str, str]:
    """Every table and view of the warehouse → what writes it: `sql/<layer>/<file>` for the
    SQL models, `source <name> (<load mode>)` for the core tables a source's merge fills
    (`raw` tables: the source's ingest), the Python step otherwise."""
    from observatory.sources.registry import sources

    writers: dict[str, str] = {}
    for sql_layer in SQL_LAYERS:
        for path in layer_files(sql_layer.name):
            for _kind, name in _CREATE.findall(path.read_text(encoding="utf-8")):
                writers.setdefault(name.lower(), f"sql/{sql_layer.folder}/{path.name}")
    for source in sources():
        for resource in source.resources:
            writers[resource.table] = (f"source {source.name} ({resource.load_mode}); "
                                       f"{writers.get(resource.table, '')}").rstrip("; ")
        for table in source.raw_tables:
            writers[table] = (f"source {source.name} (ingest); "
                              f"{writers.get(table, '')}").rstrip("; ")
    for table, writer in PYTHON_WRITERS.items():
        writers[table] = writer
    return writers


class Runner(Protocol):
    """How the job calls a step: `runner(step, fn, *args, label=...)` runs `fn(*args)` as
    the step named `step` (one of STEP_NAMES); `label` says what it is about (a source, a
    file) for people reading the runs."""

    def __call__(self, step: str, fn: Callable[..., T], *args: Any,
                 label: str | None = None) -> T: ...


def direct(step: str, fn: Callable[..., T], *args: Any, label: str | None = None) -> T:
    """Run the step here and now (tests, `--without-prefect`)."""
    if step not in STEP_NAMES:
        raise KeyError(f"{step}: not a step of the plan")
    return fn(*args)
