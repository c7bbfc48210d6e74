"""The observatory's Prefect deployments, served by `observatory serve` or deployed to a
work pool by `observatory deploy --pool NAME`.

One deployment of the `nightly` flow per `[schedule]` cron: `nightly/nightly` (every
source), `nightly/trade` and `nightly/regulatory` (one source group each), each with its
cron schedule in the configured time zone and its parameters (configuration file, report
languages, sources). `serve` registers them on the Prefect server PREFECT_API_URL points at
and runs their flow runs in this process's children, one at a time (the runs share the
warehouse's run lock). Scheduling needs a running `prefect server start`: Prefect's
temporary server has no scheduler.

`deploy_to_pool` registers the same deployments on a process work pool instead: a worker
(`prefect worker start --pool NAME`), on whichever machine holds the warehouse, runs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from prefect import serve
from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron

from observatory.config import Config
from observatory.errors import ConfigError
from observatory.orchestration.flows import nightly
from observatory.schedule import deployment_specs

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment


def build_deployments(cfg: Config) -> list[RunnerDeployment]:
    """The configured deployments, with their cron schedules and parameters."""
    # to_deployment is sync here (async only when called from a coroutine).
    return [
        cast("RunnerDeployment", nightly.to_deployment(
            name=spec.name,
            schedules=[Cron(spec.cron, timezone=spec.timezone)],
            parameters=spec.parameters,
            description=spec.description,
            tags=["observatory", spec.sources],
            # The flow is imported by module (the package is installed), so the runner
            # finds it whatever its working directory.
            entrypoint_type=EntrypointType.MODULE_PATH,
        ))
        for spec in deployment_specs(cfg)
    ]


def serve_deployments(cfg: Config) -> None:
    """Register the deployments and run their scheduled (and on-demand) flow runs until
    interrupted; on shutdown Prefect pauses their schedules (`observatory serve` again
    resumes them)."""
    # limit=1: one run at a time, so a run that comes due while another is running waits
    # for it instead of failing on the warehouse's run lock.
    serve(*build_deployments(cfg), limit=1)


def deploy_to_pool(cfg: Config, pool: str) -> list[str]:
    """Create the process work pool `pool` if it is missing, then register the configured
    deployments on it (updating any of the same name, served ones included); returns their
    names. The flow is found by module (`observatory.orchestration.flows.nightly`), so the
    worker's machine
    needs the package installed (`make setup`), not a copy of this checkout's path."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            found = client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(
                name=pool, type=ProcessWorker.type,
                base_job_template=ProcessWorker.get_default_base_job_template()))
        else:
            if found.type != ProcessWorker.type:
                raise ConfigError(f"work pool {pool!r} is of type {found.type!r}, not "
                                  f"{ProcessWorker.type!r}: choose another name")
    names = []
    for deployment in build_deployments(cfg):
        deployment.apply(work_pool_name=pool)
        names.append(f"{deployment.flow_name}/{deployment.name}")
    return names
