#!/bin/sh
# Start the Prefect server the observatory's schedules run on (`make server`).
#
# Scheduling needs this long-running server: the temporary server Prefect starts when
# PREFECT_API_URL is unset has no scheduler. It listens on 127.0.0.1:4200 (override with
# PREFECT_SERVER_API_HOST / PREFECT_SERVER_API_PORT), keeps its SQLite database in
# $PREFECT_HOME (default data/warehouse/prefect/), sends no analytics, and serves the UI at
# http://127.0.0.1:4200. Then, in another shell:
#   export PREFECT_API_URL=http://127.0.0.1:4200/api
#   .venv/bin/observatory serve
# Extra arguments go to `prefect server start` (e.g. --no-ui).
set -eu
cd "$(dirname "$0")/.."
PREFECT_HOME="${PREFECT_HOME:-$PWD/data/warehouse/prefect}"
PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_HOME PREFECT_SERVER_ANALYTICS_ENABLED
mkdir -p "$PREFECT_HOME"
exec "${VENV:-.venv}/bin/prefect" server start \
    --host "${PREFECT_SERVER_API_HOST:-127.0.0.1}" --port "${PREFECT_SERVER_API_PORT:-4200}" \
    --analytics-off "$@"
