"""The schedules of the observatory's Prefect deployments, read from `[schedule]`.

What the configuration says (each deployment's cron, time zone, parameters and the sources
it ingests), which sources a run of each deployment reads, and what a running Prefect server
says about them. `flows/deployments.py` turns the specs into Prefect deployments and serves
them (`observatory serve`); `observatory status` shows them, with or without a server.
Nothing here imports Prefect except `server_view`, which only runs when a server is
configured.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from observatory.config import Config
from observatory.errors import ObservatoryError

FLOW_NAME = "nightly"
# Source groups a deployment of the nightly flow can be restricted to.


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment of the nightly flow, as the configuration describes it."""

    name: str
    cron: str
    timezone: str
    sources: str
    parameters: dict[str, Any]

    @property
    def full_name(self) -> str:
        """`<flow>/<deployment>`, as Prefect names it (`prefect deployment run ...`)."""
        return f"{FLOW_NAME}/{self.name}"

    @property
    def description(self) -> str:
        from observatory.sources.registry import group_label

        return (f"The observatory's nightly job on {group_label(self.sources)}: ingest, "
                "validate, transform, indicators, report, publish.")


def deployment_specs(cfg: Config) -> list[DeploymentSpec]:
    """The deployments `observatory serve` registers: the whole nightly job, then the trade
    and the regulatory sources on their own schedules; one whose cron is empty is not
    served."""
    s = cfg.schedule
    langs = list(s.languages) or [cfg.report.language]
    specs = []
    for name, cron, sources in (("nightly", s.nightly_cron, "all"),
                                ("trade", s.trade_cron, "trade"),
                                ("regulatory", s.regulatory_cron, "regulatory")):
        if cron:
            specs.append(DeploymentSpec(
                name=name, cron=cron, timezone=s.timezone, sources=sources,
                parameters={"config_path": str(cfg.path), "langs": langs,
                            "sources": sources}))
    return specs


# cron and time-zone checks: observatory.cron (the configuration uses them too)
from observatory.cron import check_cron, check_timezone  # noqa: E402,F401

# ------------------------------------------------------------------------ Prefect server

API_URL_VAR = "PREFECT_API_URL"


class SchedulerUnavailable(ObservatoryError):
    """No running Prefect server to register and schedule the deployments on."""


def prefect_api_url() -> str | None:
    """The Prefect server the observatory talks to: $PREFECT_API_URL (empty: none), else the
    active Prefect profile's setting; None means no server (Prefect would start a temporary
    one, which cannot schedule)."""
    if API_URL_VAR in os.environ:
        return os.environ[API_URL_VAR].strip() or None
    from prefect.settings import get_current_settings

    return get_current_settings().api.url or None


def server_health(api_url: str, timeout: float = 2.0) -> str | None:
    """None when the server answers its health check; otherwise the one-line reason."""
    import requests

    try:
        answer = requests.get(api_url.rstrip("/") + "/health", timeout=timeout)
    except requests.RequestException as exc:
        return f"not reachable ({type(exc).__name__})"
    if answer.status_code != 200:
        return f"health check answered HTTP {answer.status_code}"
    return None


def require_server() -> str:
    """The API URL of a running Prefect server, or SchedulerUnavailable saying how to start
    one (Prefect's temporary server cannot schedule)."""
    api_url = prefect_api_url()
    if not api_url:
        raise SchedulerUnavailable(
            "no Prefect server configured: run `prefect server start` (`make server`) and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api; the temporary server cannot schedule")
    problem = server_health(api_url)
    if problem:
        raise SchedulerUnavailable(f"Prefect server at {api_url}: {problem}; run `prefect "
                                   "server start` (`make server`)")
    return api_url


@dataclass(frozen=True)
class DeploymentView:
    """What the server holds for one configured deployment."""

    registered: bool
    schedules: tuple[tuple[str, str, bool], ...] = ()  # (cron, timezone, active)
    paused: bool = False
    next_run: datetime | None = None


@dataclass(frozen=True)
class FailureView:
    flow_run: str
    deployment: str | None
    state: str
    when: datetime | None
    reason: str


@dataclass(frozen=True)
class ServerView:
    api_url: str
    error: str | None
    deployments: dict[str, DeploymentView]
    last_failure: FailureView | None


def server_view(api_url: str, specs: list[DeploymentSpec], *,
                timeout: float = 5.0) -> ServerView:
    """The configured deployments as the Prefect server at `api_url` has them (schedules,
    next scheduled run) and the last failed or crashed run of the observatory's flows.
    Never raises for an unreachable or failing server: the reason is in `error`."""
    problem = server_health(api_url, timeout=min(timeout, 2.0))
    if problem:
        return ServerView(api_url, problem, {}, None)
    try:
        return _query_server(api_url, specs, timeout)
    except Exception as exc:  # any client or server error is shown, never raised
        return ServerView(api_url, f"query failed ({type(exc).__name__}: "
                                   f"{one_line(str(exc))})", {}, None)


def _query_server(api_url: str, specs: list[DeploymentSpec], timeout: float) -> ServerView:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        DeploymentFilterName,
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.settings import PREFECT_API_URL, temporary_settings

    views: dict[str, DeploymentView] = {}
    with temporary_settings(updates={PREFECT_API_URL: api_url}), \
            get_client(sync_client=True, httpx_settings={"timeout": timeout}) as client:
        found = {d.name: d for d in client.read_deployments(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW_NAME])),
            deployment_filter=DeploymentFilter(
                name=DeploymentFilterName(any_=[s.name for s in specs])))}
        names: dict[Any, str] = {}
        for spec in specs:
            deployment = found.get(spec.name)
            if deployment is None:
                views[spec.name] = DeploymentView(registered=False)
                continue
            names[deployment.id] = spec.full_name
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                    type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))),
                sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=1)
            views[spec.name] = DeploymentView(
                registered=True,
                schedules=tuple((getattr(s.schedule, "cron", None) or str(s.schedule),
                                 getattr(s.schedule, "timezone", None) or "UTC", s.active)
                                for s in deployment.schedules),
                paused=bool(deployment.paused),
                next_run=runs[0].expected_start_time if runs else None)
        failed = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW_NAME, "refresh"])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType.FAILED, StateType.CRASHED]))),
            sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=1)
    last = None
    if failed:
        run = failed[0]
        state = run.state
        last = FailureView(
            flow_run=run.name, deployment=names.get(run.deployment_id),
            state=(state.name if state else None) or "Failed",
            when=run.end_time or run.start_time or run.expected_start_time,
            reason=one_line(state.message if state and state.message else "no message"))
    return ServerView(api_url, None, views, last)


def one_line(text: str, limit: int = 300) -> str:
    """The first line of a message, shortened to `limit` characters."""
    first = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def local_time(moment: datetime, timezone: str) -> str:
    """A server timestamp in the schedule's time zone, e.g. `2026-11-30 02:30 +01`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %z")
