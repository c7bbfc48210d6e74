"""How a run fans out its network fetches, and the API limits every fetch respects.

The working database has one writer, the run's own process. So what runs in parallel is the
fetching: an ingest stage plans its requests (Comtrade requests from its ledger, WITS
reporters, remote feeds), submits one fetch per request through `Fetches`, and loads what
comes back into DuckDB itself, one result at a time, in plan order. The results travel back
through the task runner, so fetch workers on other machines need no shared disk.

- `SEQUENTIAL`, the plain path (tests, `--without-prefect`, `Steps()`): each fetch runs when
  its result is asked for, in order, in this process; nothing is fetched that is not used.
- In the Prefect flow (`flows/nightly.py`), each fetch is a Prefect task submitted to the
  task runner `[orchestration]` chooses (`task_runner_kind`): a thread pool, or Dask
  (`prefect-dask`: a local cluster, or the scheduler at `orchestration.dask_address`).

Rate limits: inside a Prefect run, every HTTP request of the Comtrade and ePing clients
occupies a slot of the Prefect global concurrency limit `<source>-api` (concurrent
requests) and of the rate limit `<source>-api-rate` (requests per minute), which the Prefect
server shares between every process and machine of the run (`ensure_limits` creates them
from `[orchestration]`). Outside Prefect, `api_slot` does nothing and imports nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from observatory.config import Config
from observatory.errors import ConfigError

if TYPE_CHECKING:
    from prefect.task_runners import TaskRunner

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

# The APIs whose requests share limits on the Prefect server.
LIMITED_SOURCES = ("comtrade", "eping")


class Pending(Protocol[T_co]):
    """A submitted fetch: `result()` returns its value or raises its error."""

    def result(self) -> T_co: ...


class Fetches(Protocol):
    """Submits fetches; a stage submits all of its fetches, then asks for their results in
    order."""

    def submit(self, fn: Callable[..., T], *args: Any) -> Pending[T]: ...


@dataclass
class _Deferred(Generic[T]):
    fn: Callable[..., T]
    args: tuple[Any, ...]

    def result(self) -> T:
        return self.fn(*self.args)


class Sequential:
    """Runs each fetch when its result is asked for, in this process."""

    def submit(self, fn: Callable[..., T], *args: Any) -> Pending[T]:
        return _Deferred(fn, args)


SEQUENTIAL = Sequential()


# ----------------------------------------------------------------------------- task runners

def prefect_api_url() -> str | None:
    """The Prefect server the commands report to (PREFECT_API_URL), if one is configured;
    None means Prefect's temporary server."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def task_runner_kind(cfg: Config, api_url: str | None) -> str:
    """"threads" or "dask", from `orchestration.task_runner` and whether a Prefect server is
    configured.

    "auto" takes Dask with a server and the thread pool without one. Dask without a server
    is refused: each Dask worker process would start a temporary Prefect server of its own
    and report its task runs there.
    """
    kind = cfg.orchestration.task_runner
    if kind == "auto":
        return "dask" if api_url else "threads"
    if kind == "dask" and not api_url:
        raise ConfigError(
            'orchestration.task_runner: "dask" needs a Prefect server (set PREFECT_API_URL, '
            "e.g. http://127.0.0.1:4200/api, and run `prefect server start`)")
    return kind


def build_task_runner(cfg: Config, api_url: str | None) -> TaskRunner[Any]:
    """The task runner the run's fetch tasks are submitted to."""
    o = cfg.orchestration
    if task_runner_kind(cfg, api_url) == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=o.max_workers)
    import logging

    from prefect_dask import DaskTaskRunner

    if o.dask_address:
        return DaskTaskRunner(address=o.dask_address)
    return DaskTaskRunner(cluster_kwargs={
        "n_workers": o.dask_workers, "threads_per_worker": 1, "processes": True,
        "dashboard_address": None, "silence_logs": logging.WARNING})


# ------------------------------------------------------------------------------ API limits

@dataclass(frozen=True)
class LimitSpec:
    """A Prefect global concurrency limit: `slot_decay_per_second` > 0 makes it a rate
    limit (one slot comes back every 1 / decay seconds)."""

    name: str
    limit: int
    slot_decay_per_second: float = 0.0


def limit_specs(cfg: Config) -> list[LimitSpec]:
    """Per source: at most N requests in flight, and one request every 60 / M seconds (a
    rate limit of one slot, so requests are spaced evenly rather than sent in bursts)."""
    o = cfg.orchestration
    specs = []
    for source, concurrent, per_minute in (
        ("comtrade", o.comtrade_concurrent_requests, o.comtrade_requests_per_minute),
        ("eping", o.eping_concurrent_requests, o.eping_requests_per_minute),
    ):
        specs.append(LimitSpec(f"{source}-api", concurrent))
        specs.append(LimitSpec(f"{source}-api-rate", 1, per_minute / 60.0))
    return specs


def ensure_limits(cfg: Config) -> list[LimitSpec]:
    """Create or update the limits on the Prefect server (idempotent); returns them."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import (
        GlobalConcurrencyLimitCreate,
        GlobalConcurrencyLimitUpdate,
    )
    from prefect.exceptions import ObjectNotFound

    specs = limit_specs(cfg)
    with get_client(sync_client=True) as client:
        for spec in specs:
            try:
                client.read_global_concurrency_limit_by_name(spec.name)
            except ObjectNotFound:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(
                    name=spec.name, limit=spec.limit, active=True,
                    slot_decay_per_second=spec.slot_decay_per_second))
                continue
            client.update_global_concurrency_limit(spec.name, GlobalConcurrencyLimitUpdate(
                limit=spec.limit, active=True,
                slot_decay_per_second=spec.slot_decay_per_second))
    return specs


def in_prefect_run() -> bool:
    """Whether this code runs inside a Prefect flow or task run (never imports Prefect)."""
    if "prefect.context" not in sys.modules:
        return False
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


@contextmanager
def api_slot(source: str) -> Iterator[None]:
    """Hold a slot of `<source>-api`, then take one of `<source>-api-rate`, around one HTTP
    request, when inside a Prefect run; otherwise do nothing.

    The concurrency slot is taken first so that the request starts as soon as its rate slot
    is granted (rate slots taken while waiting would let requests bunch up afterwards).
    `strict`: a missing limit is an error, not a silently unlimited run.
    """
    if source not in LIMITED_SOURCES or not in_prefect_run():
        yield
        return
    from prefect.concurrency.sync import concurrency, rate_limit

    with concurrency(f"{source}-api", occupy=1, strict=True):
        rate_limit(f"{source}-api-rate", occupy=1, strict=True)
        yield
