"""The project's scheduled deployments (`observatory serve`, `observatory deploy --pool`),
built in the package: `observatory.orchestration.deployments`."""

from __future__ import annotations

from observatory.orchestration.deployments import (
    build_deployments,
    deploy_to_pool,
    serve_deployments,
)

__all__ = ["build_deployments", "deploy_to_pool", "serve_deployments"]
