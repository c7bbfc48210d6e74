"""The nightly job as a Prefect flow: ingest → validate → transform → indicators → report →
publish. Each stage is a small task; only I/O tasks retry, with backoff.

The API sources' network fetches are tasks of their own, submitted to a thread pool or to
Dask workers (`[orchestration]`); their results come back to the flow's process, which alone
writes the warehouse.

Run it with `observatory nightly`, or `python flows/nightly.py`. It works offline with no
Prefect server configured (Prefect starts a temporary local server) and against a running
`prefect server start` when PREFECT_API_URL points at it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from prefect import Task, flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.task_runners import TaskRunner
from prefect.utilities.callables import get_call_parameters

from observatory import notify, orchestration, pipeline
from observatory.config import Config, allowing_deletions, load_config
from observatory.errors import RunInProgress, SourceError
from observatory.nightly import Steps, publish_database, run_nightly, run_refresh
from observatory.orchestration import SEQUENTIAL, Fetches
from observatory.runsummary import markdown_summary
from observatory.schedule import select_sources
from observatory.sources.comtrade import resources as comtrade_resources
from observatory.sources.eping import resources as eping_resources
from observatory.sources.feeds import resources as feeds_resources
from observatory.sources.feeds.client import is_remote
from observatory.sources.wits import client as wits_client
from observatory.warehouse.publish import check_not_running

# Deterministic stages never retry; reading source files and publishing (I/O) do.
prepare_warehouse = task(name="prepare_warehouse", cache_policy=NONE)(pipeline.prepare_warehouse)
ingest_baci_archive = task(
    name="ingest_baci_archive", cache_policy=NONE, retries=2, retry_delay_seconds=[2, 10],
    retry_condition_fn=lambda _task, _run, state: _is_os_error(state),
)(pipeline.ingest_baci_archive)
validate_baci_batch = task(name="validate_baci_batch", cache_policy=NONE)(
    pipeline.validate_baci_batch
)
merge_baci_batch = task(name="merge_baci_batch", cache_policy=NONE)(pipeline.merge_baci_batch)
validate_comtrade_batch = task(name="validate_comtrade_batch", cache_policy=NONE)(
    pipeline.validate_comtrade_batch
)
merge_comtrade_batch = task(name="merge_comtrade_batch", cache_policy=NONE)(
    pipeline.merge_comtrade_batch
)
validate_eping_batch = task(name="validate_eping_batch", cache_policy=NONE)(
    pipeline.validate_eping_batch
)
merge_eping_batch = task(name="merge_eping_batch", cache_policy=NONE)(pipeline.merge_eping_batch)


@task(name="ingest_regulatory_file", cache_policy=NONE, retries=2, retry_delay_seconds=[2, 10],
      retry_condition_fn=lambda _task, _run, state: _is_os_error(state))
def ingest_regulatory_file(ingest_one, cfg, run_id, path):  # type: ignore[no-untyped-def]
    """Land and load one regulatory file (ePing answer, RASFF export, WITS answer)."""
    return ingest_one(cfg, run_id, path)


# The network fetches, submitted to the run's task runner (threads or Dask workers); what
# they return is loaded by the flow's process, the warehouse's only writer. The Comtrade,
# ePing and WITS clients retry with backoff themselves (Retry-After, 5xx, time-outs), and
# Comtrade resumes pending requests next run, so their tasks do not retry on top of it.
@dataclass(frozen=True)
class Raised:
    """A source's expected error (a refused key, a source down, a bad answer), carried back
    from a fetch task as its value: the flow turns it into a failed input with its one-line
    reason, and Prefect prints no traceback for it."""

    error: SourceError


def _errors_as_values(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def fetch(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SourceError as exc:
            return Raised(exc)

    return fetch


fetch_comtrade_request = task(name="fetch_comtrade_request", cache_policy=NONE)(
    _errors_as_values(comtrade_resources.fetch_request))
fetch_eping_notifications = task(name="fetch_eping_notifications", cache_policy=NONE)(
    _errors_as_values(eping_resources.fetch_since))
fetch_wits_tariffs = task(name="fetch_wits_tariffs", cache_policy=NONE)(
    _errors_as_values(wits_client.fetch_tariffs))
fetch_feed = task(
    name="fetch_feed", cache_policy=NONE, retries=2, retry_delay_seconds=[2, 10],
    retry_condition_fn=lambda _task, _run, state: _is_os_error(state),
)(_errors_as_values(feeds_resources.read_feed))
FETCH_TASKS: dict[Callable[..., Any], Task[Any, Any]] = {
    t.fn.__wrapped__: t for t in (fetch_comtrade_request, fetch_eping_notifications,
                                  fetch_wits_tariffs, fetch_feed)}


@dataclass(frozen=True)
class _Submitted:
    future: Any

    def result(self) -> Any:
        value = self.future.result()
        if isinstance(value, Raised):
            raise value.error
        return value


@dataclass(frozen=True)
class TaskFetches:
    """`observatory.orchestration.Fetches` in the flow: each fetch is its task, submitted to
    `runner`; `result()` waits for it (and raises a source's error it carried back)."""

    runner: TaskRunner[Any]

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        fetch = FETCH_TASKS[fn]
        return _Submitted(self.runner.submit(fetch, get_call_parameters(fn, args, {})))


build_marts = task(name="build_marts", cache_policy=NONE)(pipeline.build_marts)
refresh_study = task(name="refresh_study", cache_policy=NONE)(pipeline.refresh_study)
refresh_watch = task(name="refresh_watch", cache_policy=NONE)(pipeline.refresh_watch)
render_reports = task(name="render_reports", cache_policy=NONE)(pipeline.render_reports)
publish_warehouse = task(
    name="publish_database", cache_policy=NONE, retries=1, retry_delay_seconds=5,
    retry_condition_fn=lambda _task, _run, state: _is_os_error(state),
)(publish_database)


def _not_run(run_id: str, exc: RunInProgress) -> dict[str, Any]:
    """A scheduled run that found another one holding the warehouse: one warning line, no
    traceback, not a failure (nothing was done)."""
    from prefect import get_run_logger

    get_run_logger().warning("%s", exc)
    return {"run_id": run_id, "status": "not_run", "reason": str(exc), "inputs": [],
            "report_paths": [], "published_path": None}


def _is_os_error(state: Any) -> bool:
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


def _run_name() -> str:
    """Run names carry the parameters: sources (when not all), home country, study years,
    configuration file."""
    from prefect.runtime import flow_run

    cfg = load_config(flow_run.parameters.get("config_path"))
    sources = flow_run.parameters.get("sources") or "all"
    return (f"nightly{'' if sources == 'all' else '-' + sources}-{cfg.study.home}"
            f"-{cfg.study.first_year}-{cfg.study.last_year}-{cfg.path.name}")


@flow(name="nightly", flow_run_name=_run_name, log_prints=True)
def nightly(config_path: str | None = None, langs: list[str] | None = None,
            sources: str = "all", allow_deletions: bool = False) -> dict[str, Any]:
    """The observatory's nightly job; parameters: configuration file, report languages, the
    sources ingested ("all", "trade" or "regulatory"; the scheduled deployments) and whether
    batches may delete rows beyond the partition rule (`--allow-deletions`)."""
    cfg = select_sources(load_config(config_path), sources)
    if allow_deletions:
        cfg = allowing_deletions(cfg)
    run_id = pipeline.new_run_id()
    what = "nightly" if sources == "all" else f"nightly ({sources})"
    try:
        with notify.failures_notified(cfg, what, run_id):
            check_not_running(cfg.warehouse.work)
    except RunInProgress as exc:
        return _not_run(run_id, exc)
    with notify.failures_notified(cfg, what, run_id), fetch_runner(cfg) as fetches:
        steps = Steps(
            prepare_warehouse=prepare_warehouse,
            ingest_baci_archive=ingest_baci_archive,
            validate_baci_batch=validate_baci_batch,
            merge_baci_batch=merge_baci_batch,
            validate_comtrade_batch=validate_comtrade_batch,
            merge_comtrade_batch=merge_comtrade_batch,
            validate_eping_batch=validate_eping_batch,
            merge_eping_batch=merge_eping_batch,
            ingest_regulatory_file=ingest_regulatory_file,
            build_marts=build_marts,
            refresh_study=refresh_study,
            refresh_watch=refresh_watch,
            render_reports=render_reports,
            publish_database=publish_warehouse,
            fetches=fetches,
        )
        summary = run_nightly(cfg, steps=steps, langs=tuple(langs) if langs else None,
                              run_id=run_id)
    notify.notify_alerts(cfg, summary)
    create_markdown_artifact(
        key="nightly-summary", markdown=markdown_summary(summary),
        description=f"Nightly run {summary['run_id']}",
    )
    return summary


@contextmanager
def fetch_runner(cfg: Config) -> Iterator[Fetches]:
    """The run's fetches: tasks on the task runner `[orchestration]` chooses (entered here
    rather than on the decorator, because the configuration is a run parameter), with the
    Comtrade and ePing limits created on the server first. A run with no API source to
    fetch starts no runner."""
    remote_feeds = any(is_remote(feed.url) for feed in cfg.feeds)
    if not (cfg.comtrade.enabled or cfg.eping.enabled or cfg.tariffs.wits_enabled
            or remote_feeds):
        yield SEQUENTIAL
        return
    if cfg.comtrade.enabled or cfg.eping.enabled:
        orchestration.ensure_limits(cfg)
    with orchestration.build_task_runner(cfg, orchestration.prefect_api_url()) as runner:
        yield TaskFetches(runner)


def _refresh_run_name() -> str:
    from prefect.runtime import flow_run

    cfg = load_config(flow_run.parameters.get("config_path"))
    what = "-".join(flow_run.parameters.get("what") or ["study", "watch"])
    return (f"{what}-{cfg.study.home}-{cfg.study.first_year}-{cfg.study.last_year}"
            f"-{cfg.path.name}")


@flow(name="refresh", flow_run_name=_refresh_run_name, log_prints=True)
def refresh(config_path: str | None = None, what: list[str] | None = None,
            langs: list[str] | None = None) -> dict[str, Any]:
    """The study and/or watch refresh alone (`what`: "study", "watch"), on the data already
    in the warehouse, then reports and publish."""
    cfg = load_config(config_path)
    steps = Steps(prepare_warehouse=prepare_warehouse, build_marts=build_marts,
                  refresh_study=refresh_study, refresh_watch=refresh_watch,
                  render_reports=render_reports, publish_database=publish_warehouse)
    kind = tuple(what or ("study", "watch"))
    run_id = pipeline.new_run_id()
    try:
        with notify.failures_notified(cfg, " + ".join(kind), run_id):
            check_not_running(cfg.warehouse.work)
    except RunInProgress as exc:
        return _not_run(run_id, exc)
    with notify.failures_notified(cfg, " + ".join(kind), run_id):
        summary = run_refresh(cfg, kind, steps=steps, langs=tuple(langs) if langs else None,
                              run_id=run_id)
    notify.notify_alerts(cfg, summary)
    create_markdown_artifact(
        key="refresh-summary", markdown=markdown_summary(summary),
        description=f"Refresh ({summary['kind']}) {summary['run_id']}",
    )
    return summary


if __name__ == "__main__":
    nightly()
