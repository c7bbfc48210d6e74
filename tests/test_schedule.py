"""Schedules and deployments: the specs from `[schedule]`, and `observatory serve` against a
real local Prefect server started by the test (`prefect server start`: Prefect's temporary
server and the test harness run no scheduler), whose deployments get their cron schedules
and scheduled runs, and which completes a real run of the nightly flow on demand."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from observatory.config import load_config
from observatory.errors import ConfigError
from observatory.schedule import deployment_specs
from observatory.sources.registry import select_group as select_sources
from tests.conftest import REPO, write_config

TZ = "Africa/Casablanca"


def test_committed_schedule_and_deployment_parameters() -> None:
    cfg = load_config(REPO / "observatory.toml")
    specs = {s.name: s for s in deployment_specs(cfg)}
    assert [(s.full_name, s.cron, s.timezone, s.sources) for s in specs.values()] == [
        ("nightly/nightly", "30 2 * * *", TZ, "all"),
        ("nightly/trade", "0 1 * * *", TZ, "trade"),
        ("nightly/regulatory", "0 */6 * * *", TZ, "regulatory"),
    ]
    assert specs["trade"].parameters == {"config_path": str(REPO / "observatory.toml"),
                                         "langs": ["fr"], "sources": "trade"}


def test_an_empty_cron_leaves_the_deployment_out_and_languages_are_parameters(
    tmp_path: Path,
) -> None:
    cfg = load_config(write_config(tmp_path, trade_cron="", languages=["en", "fr"]))
    specs = deployment_specs(cfg)
    assert [s.name for s in specs] == ["nightly", "regulatory"]
    assert all(s.parameters["langs"] == ["en", "fr"] for s in specs)


def test_source_groups_switch_the_other_sources_off(tmp_path: Path) -> None:
    from dataclasses import replace

    cfg = load_config(write_config(tmp_path, demo_feed=True))
    # Every source on, the API ones too.
    cfg = replace(cfg, comtrade=replace(cfg.comtrade, enabled=True),
                  eping=replace(cfg.eping, enabled=True),
                  tariffs=replace(cfg.tariffs, wits_enabled=True))
    assert cfg.baci.enabled and cfg.eping.files and cfg.rasff.paths and cfg.feeds
    assert select_sources(cfg, "all") is cfg
    trade = select_sources(cfg, "trade")
    assert trade.baci == cfg.baci and trade.comtrade == cfg.comtrade
    assert (trade.eping.files, trade.eping.enabled, trade.rasff.paths, trade.tariffs.paths,
            trade.tariffs.wits_enabled, trade.feeds) == ((), False, (), (), False, ())
    regulatory = select_sources(cfg, "regulatory")
    assert not regulatory.baci.enabled and not regulatory.comtrade.enabled
    assert (regulatory.eping, regulatory.rasff, regulatory.tariffs, regulatory.feeds) == (
        cfg.eping, cfg.rasff, cfg.tariffs, cfg.feeds)
    with pytest.raises(ConfigError, match="sources: 'tarde' is not one of all, trade"):
        select_sources(cfg, "tarde")


def test_deployments_carry_cron_timezone_parameters_and_a_module_entrypoint() -> None:
    from observatory.orchestration.deployments import build_deployments

    cfg = load_config(REPO / "observatory.toml")
    deployments = build_deployments(cfg)
    assert [d.name for d in deployments] == ["nightly", "trade", "regulatory"]
    for deployment, spec in zip(deployments, deployment_specs(cfg), strict=True):
        (schedule,) = deployment.schedules
        assert (schedule.schedule.cron, schedule.schedule.timezone) == (spec.cron, TZ)
        assert deployment.parameters == spec.parameters
        assert deployment.entrypoint == "observatory.orchestration.flows.nightly"


# ------------------------------------------------------------------ a real Prefect server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(predicate: Any, timeout: float, what: str, logs: list[Path]) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    tails = "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-3000:]}" for p in logs
                      if p.exists())
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{tails}")


@contextmanager
def prefect_server_process(home: Path) -> Iterator[str]:
    """`prefect server start` on a free port with `home` as PREFECT_HOME, until the block
    ends; yields its API URL (the session's `prefect_api`, tests/conftest.py)."""
    import requests

    port = _free_port()
    log = home / "server.log"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("prefect")), "server", "start", "--host",
             "127.0.0.1", "--port", str(port), "--no-ui", "--analytics-off"],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    api_url = f"http://127.0.0.1:{port}/api"

    def healthy() -> bool:
        try:
            return requests.get(f"{api_url}/health", timeout=1).status_code == 200
        except requests.RequestException:
            return server.poll() is not None and _raise(log)

    try:
        _wait(healthy, 90, "the Prefect server", [log])
        yield api_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _raise(log: Path) -> bool:
    raise AssertionError(f"the Prefect server exited:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def receiver() -> Iterator[Any]:
    """A local webhook receiver for apprise's json:// notifications."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=_free_port())
    server.expect_request("/hook", method="POST").respond_with_data("ok")
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def _weekday_in_three_days() -> tuple[int, int]:
    """(cron day of week, Python weekday) three days from now in the schedule's time zone:
    no scheduled run can fire during the test, and each deployment still has runs within
    the week the server schedules ahead."""
    day = datetime.now(ZoneInfo(TZ)) + timedelta(days=3)
    return day.isoweekday() % 7, day.weekday()


@pytest.fixture(scope="module")
def served(prefect_api: str, receiver: Any, demo_archive: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`observatory serve` on a two-year workspace of the demo archive, against the server,
    with a webhook channel."""
    folder = tmp_path_factory.mktemp("served")
    (folder / "inputs").mkdir()
    shutil.copy(demo_archive, folder / "inputs" / demo_archive.name)
    dow, weekday = _weekday_in_three_days()
    crons = {"nightly_cron": f"30 2 * * {dow}", "trade_cron": f"0 1 * * {dow}",
             "regulatory_cron": f"0 */6 * * {dow}"}
    config = write_config(folder, baci_paths=["inputs/BACI_*.zip"], first_year=2023,
                          last_year=2024, **crons)
    # A configuration whose run fails at once: its working database's folder is a file.
    broken = folder / "broken.toml"
    broken.write_text(config.read_text(encoding="utf-8").replace(
        'work = "data/warehouse/work.duckdb"', 'work = "observatory.toml/work.duckdb"'),
        encoding="utf-8")
    secret = "s3cret-hook-pass"
    log = folder / "serve.log"
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "PREFECT_RUNNER_POLL_FREQUENCY": "1",
           "PREFECT_HOME": str(folder / "prefect_home"),
           "OBSERVATORY_NOTIFY_URLS": f"json://hook:{secret}@127.0.0.1:{receiver.port}/hook"}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("observatory")), "--config", str(config),
             "serve"], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=folder)
    try:
        yield {"config": config, "broken": broken, "weekday": weekday, "crons": crons,
               "log": log, "process": process, "secret": secret}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _deployments(api_url: str) -> dict[str, Any]:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}), \
            get_client(sync_client=True) as client:
        return {d.name: d for d in client.read_deployments()}


def _scheduled_runs(api_url: str, deployment_id: Any) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, FlowRunFilter
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}), \
            get_client(sync_client=True) as client:
        return client.read_flow_runs(
            deployment_filter=DeploymentFilter(id={"any_": [deployment_id]}),
            flow_run_filter=FlowRunFilter(state={"type": {"any_": ["SCHEDULED"]}}),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC)


@pytest.mark.slow
@pytest.mark.flow
def test_serve_registers_the_deployments_with_their_schedules(
    prefect_api: str, served: dict[str, Any]
) -> None:
    names = {"nightly": "all", "trade": "trade", "regulatory": "regulatory"}
    found = _wait(lambda: (lambda d: d if set(names) <= set(d) else None)(
        _deployments(prefect_api)), 60, "the served deployments", [served["log"]])
    for name, sources in names.items():
        deployment = found[name]
        (schedule,) = deployment.schedules
        assert schedule.schedule.cron == served["crons"][f"{name}_cron"]
        assert schedule.schedule.timezone == TZ
        assert schedule.active and not deployment.paused
        assert deployment.parameters == {"config_path": str(served["config"]),
                                         "langs": ["fr"], "sources": sources}
        assert deployment.entrypoint == "observatory.orchestration.flows.nightly"
    # The server's scheduler creates the runs ahead, on the cron in the schedule's zone.
    now = datetime.now(UTC)
    for name, (hour, minute) in (("nightly", (2, 30)), ("trade", (1, 0))):
        runs = _wait(lambda n=name: _scheduled_runs(prefect_api, found[n].id), 30,
                     f"scheduled runs of {name}", [served["log"]])
        first = runs[0].expected_start_time.astimezone(ZoneInfo(TZ))
        assert runs[0].expected_start_time > now
        assert (first.hour, first.minute, first.weekday()) == (hour, minute, served["weekday"])
        assert runs[0].parameters["sources"] == names[name]
    runs = _wait(lambda: _scheduled_runs(prefect_api, found["regulatory"].id), 30,
                 "scheduled runs of regulatory", [served["log"]])
    # At least three runs ahead (the scheduler's minimum), every six hours.
    local = [r.expected_start_time.astimezone(ZoneInfo(TZ)) for r in runs[:3]]
    assert [(t.hour, t.minute) for t in local] == [(0, 0), (6, 0), (12, 0)]
    assert {t.weekday() for t in local} == {served["weekday"]}


@pytest.mark.slow
@pytest.mark.flow
def test_a_served_deployment_runs_the_flow_and_status_shows_the_server(
    prefect_api: str, served: dict[str, Any], receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    _wait(lambda: {"trade", "regulatory"} <= set(_deployments(prefect_api)), 60,
          "the served deployments", [served["log"]])
    # A first publication (2022-2023, same warehouse) is the alerts' baseline: the served
    # run's new year then raises change alerts.
    text = served["config"].read_text(encoding="utf-8")
    baseline = served["config"].with_name("baseline.toml")
    baseline.write_text(text.replace("first_year = 2023", "first_year = 2022", 1)
                        .replace("last_year = 2024", "last_year = 2023", 1), encoding="utf-8")
    from observatory.nightly import run_nightly
    assert run_nightly(load_config(baseline))["status"] == "published"
    started = time.monotonic()
    with temporary_settings(updates={PREFECT_API_URL: prefect_api}):
        run = run_deployment("nightly/trade", timeout=120, poll_interval=1)
    assert run.state is not None and run.state.is_completed(), (
        run.state, served["log"].read_text(errors="replace")[-3000:])
    assert time.monotonic() - started < 60
    assert run.name == "nightly-trade-MAR-2023-2024-observatory.toml"
    assert run.parameters["sources"] == "trade"
    cfg = load_config(served["config"])
    summaries = [json.loads(p.read_text(encoding="utf-8"))
                 for p in sorted(cfg.warehouse.runs_dir.glob("*.json"))]
    assert [s["status"] for s in summaries] == ["published", "published"]
    assert cfg.warehouse.published.is_file()
    assert {i["source"] for i in summaries[-1]["inputs"]} == {"baci"}
    raised = sum(summaries[-1]["watch"]["alerts"]["raised"].values())
    assert raised > 0
    # The run's alerts reached the webhook.
    messages = [request.get_json() for request, _ in receiver.log]
    assert [m["title"] for m in messages] == [f"Observatoire MAR: {raised} new watch alerts"]

    # A run that fails is Failed on the server, notified with its reason and recorded.
    with temporary_settings(updates={PREFECT_API_URL: prefect_api}):
        failed = run_deployment("nightly/regulatory", timeout=60, poll_interval=1,
                                parameters={"config_path": str(served["broken"])})
    assert failed.state is not None and failed.state.is_failed()
    failure = [request.get_json() for request, _ in receiver.log][-1]
    assert failure["title"] == "Observatoire MAR: nightly (regulatory) run failed"
    assert "FileExistsError" in failure["message"]
    assert served["secret"] not in served["log"].read_text(errors="replace")

    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    from observatory.status import status_lines

    lines = status_lines(cfg)
    text = "\n".join(lines)
    assert f"Prefect server: {prefect_api}" in lines
    for name in ("nightly", "trade", "regulatory"):
        line = next(li for li in lines if li.startswith(f"  nightly/{name}: "))
        assert served["crons"][f"{name}_cron"] in line and "; next run " in line, line
    assert ("  last failure: nightly-regulatory-MAR-2023-2024-broken.toml "
            "(nightly/regulatory), Failed at ") in text
    assert "Flow run encountered an exception: FileExistsError" in text
    assert "Last failed run: " in text and "(failed, ended " in text
