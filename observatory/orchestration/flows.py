"""The nightly job and the refresh as Prefect flows: each step of the plan is a Prefect task
of the same name (`observatory.plan.STEPS`), retried with backoff when it does I/O; each
source's network fetches are tasks of their own, submitted to a thread pool or Dask workers
(`[orchestration]`), their results coming back to the flow's process, which alone writes the
warehouse.

`flows/nightly.py` exposes them as the project's entry points (`python flows/nightly.py`,
the deployments' module path); `observatory nightly` launches them. With no Prefect server
configured, Prefect starts a temporary local server (offline); with PREFECT_API_URL pointing
at a running `prefect server start`, runs are recorded there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from prefect import Task, flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.task_runners import TaskRunner
from prefect.utilities.callables import get_call_parameters

from observatory import notify, orchestration, plan
from observatory.config import Config, allowing_deletions, load_config
from observatory.errors import RunInProgress, SourceError
from observatory.nightly import new_run_id, run_nightly, run_refresh
from observatory.orchestration import SEQUENTIAL, Fetches
from observatory.runsummary import markdown_summary
from observatory.sources import registry
from observatory.warehouse.publish import check_not_running

T = TypeVar("T")


def _is_os_error(state: Any) -> bool:
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


def _call(fn: Callable[..., T], args: tuple[Any, ...]) -> T:
    return fn(*args)


def _step_task(step: plan.Step) -> Task[Any, Any]:
    """A step as a task: I/O steps retry twice on an OSError (2 s, then 10 s); the others
    never retry (they are deterministic)."""
    retries = {"retries": 2, "retry_delay_seconds": [2, 10],
               "retry_condition_fn": lambda _task, _run, state: _is_os_error(state)} \
        if step.io else {}
    return task(name=step.name, cache_policy=NONE, **retries)(_call)


STEP_TASKS: dict[str, Task[Any, Any]] = {step.name: _step_task(step) for step in plan.STEPS
                                          if not step.in_flow}


def prefect_runner(step: str, fn: Callable[..., T], *args: Any,
                   label: str | None = None) -> T:
    """`observatory.plan.Runner` in the flow: the step's task, named after what it is about
    (a step that submits tasks of its own runs in the flow itself)."""
    if step in plan.IN_FLOW:
        return fn(*args)
    runnable = STEP_TASKS[step]
    if label:  # Prefect formats the run name: braces in a file name must not count
        safe = label.replace("{", "{{").replace("}", "}}")
        runnable = runnable.with_options(task_run_name=f"{step}-{safe}")
    return runnable(fn, args)  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------ fetches


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


@functools.cache
def _fetch_task(fn: Callable[..., Any]) -> Task[Any, Any]:
    """The task of a source's fetch function (`Source.fetchers` names it); a feed read from
    disk may meet a passing I/O error, so fetches retry on an OSError; the API clients retry
    their own HTTP errors within their deadline."""
    names = {name: task_name for source in registry.sources()
             for name, task_name in source.fetchers.items()}
    name = names.get(fn.__name__, f"fetch_{fn.__name__}")
    return task(name=name, cache_policy=NONE, retries=2, retry_delay_seconds=[2, 10],
                retry_condition_fn=lambda _task, _run, state: _is_os_error(state),
                )(_errors_as_values(fn))


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
    """`observatory.orchestration.Fetches` in the flow: each fetch is a task submitted to
    `runner`; `result()` waits for it (and raises a source's error it carried back)."""

    runner: TaskRunner[Any]

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        fetch = _fetch_task(fn)
        return _Submitted(self.runner.submit(fetch, get_call_parameters(fn, args, {})))


@contextmanager
def fetch_runner(cfg: Config) -> Iterator[Fetches]:
    """The run's fetches: tasks on the task runner `[orchestration]` chooses (entered here
    rather than on the decorator, because the configuration is a run parameter), with the
    Comtrade and ePing limits created on the server first. A run with no source to fetch
    from the network starts no runner."""
    if not any(source.needs_fetches(cfg) for source in registry.sources()):
        yield SEQUENTIAL
        return
    if cfg.comtrade.enabled or cfg.eping.enabled:
        orchestration.ensure_limits(cfg)
    with orchestration.build_task_runner(cfg, orchestration.prefect_api_url()) as runner:
        yield TaskFetches(runner)


# -------------------------------------------------------------------------------- flows


def _run_name() -> str:
    """Run names carry the parameters: sources (when not all), home country, study years,
    configuration file."""
    from prefect.runtime import flow_run

    cfg = load_config(flow_run.parameters.get("config_path"))
    sources = flow_run.parameters.get("sources") or "all"
    return (f"nightly{'' if sources == 'all' else '-' + sources}-{cfg.study.home}"
            f"-{cfg.study.first_year}-{cfg.study.last_year}-{cfg.path.name}")


def _not_run(run_id: str, exc: RunInProgress) -> dict[str, Any]:
    """A scheduled run that found another one holding the warehouse: one warning line, no
    traceback, not a failure (nothing was done)."""
    from prefect import get_run_logger

    get_run_logger().warning("%s", exc)
    return {"run_id": run_id, "status": "not_run", "reason": str(exc), "inputs": [],
            "report_paths": [], "published_path": None}


@flow(name="nightly", flow_run_name=_run_name, log_prints=True)
def nightly(config_path: str | None = None, langs: list[str] | None = None,
            sources: str = "all", allow_deletions: bool = False) -> dict[str, Any]:
    """The observatory's nightly job; parameters: configuration file, report languages, the
    sources ingested ("all", or a group: "trade", "regulatory"; the scheduled deployments)
    and whether batches may delete rows beyond the partition rule (`--allow-deletions`)."""
    cfg = registry.select_group(load_config(config_path), sources)
    if allow_deletions:
        cfg = allowing_deletions(cfg)
    run_id = new_run_id()
    what = "nightly" if sources == "all" else f"nightly ({sources})"
    try:
        with notify.failures_notified(cfg, what, run_id):
            check_not_running(cfg.warehouse.work)
    except RunInProgress as exc:
        return _not_run(run_id, exc)
    with notify.failures_notified(cfg, what, run_id), fetch_runner(cfg) as fetches:
        summary = run_nightly(cfg, runner=prefect_runner, fetches=fetches,
                              langs=tuple(langs) if langs else None, run_id=run_id)
    notify.notify_alerts(cfg, summary)
    create_markdown_artifact(key="nightly-summary", markdown=markdown_summary(summary),
                             description=f"Nightly run {summary['run_id']}")
    return summary


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
    kind = tuple(what or ("study", "watch"))
    run_id = new_run_id()
    try:
        with notify.failures_notified(cfg, " + ".join(kind), run_id):
            check_not_running(cfg.warehouse.work)
    except RunInProgress as exc:
        return _not_run(run_id, exc)
    with notify.failures_notified(cfg, " + ".join(kind), run_id):
        summary = run_refresh(cfg, kind, runner=prefect_runner,
                              langs=tuple(langs) if langs else None, run_id=run_id)
    notify.notify_alerts(cfg, summary)
    create_markdown_artifact(key="refresh-summary", markdown=markdown_summary(summary),
                             description=f"Refresh ({summary['kind']}) {summary['run_id']}")
    return summary
