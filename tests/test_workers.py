"""Workers: the nightly flow's fetches fanned out to a Dask cluster, the API limits shared by
its worker processes, and a process work pool whose worker runs a deployment, all against a
real `prefect server start` (the session's `prefect_api`, shared with tests/test_schedule.py).

The Comtrade and ePing APIs are replayed by a local threaded HTTP server in their documented
formats (the fake Comtrade of tests/sources/test_comtrade.py, the hand-written ePing pages).
For every request it records which process sent it (the owner of the client's socket) and
how many requests were in flight at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import psutil
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from observatory.config import load_config
from observatory.errors import ConfigError
from tests.conftest import write_config
from tests.sources.test_comtrade import FakeComtrade
from tests.sources.test_comtrade_nightly import AVAILABILITY, PREVIEW, _availability
from tests.sources.test_eping_nightly import SEARCH, _items
from tests.test_schedule import _free_port

EPING_KEY = "eping-test-key-not-a-secret"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
WITS = "/reporter/840/partner/all/product/all/year/2017/datatype/reported"


class ReplayedApis:
    """Comtrade preview and availability, and the ePing search, with a record of the
    requests: (path, pid of the sending process) and the most requests in flight at once.
    With `pair_first`, the first Comtrade data request waits (up to 20 s) for a second one
    to arrive: two in flight at once proves two fetches ran in parallel."""

    def __init__(self, server: HTTPServer) -> None:
        self.port = server.port
        self.fake = FakeComtrade()
        self.items = _items()
        self.lock = threading.Lock()
        self.reset(pair_first=False)
        server.expect_request(PREVIEW).respond_with_handler(self.comtrade)
        server.expect_request(AVAILABILITY).respond_with_handler(
            lambda request: self._json(request, _availability(-101)))
        server.expect_request(SEARCH).respond_with_handler(self.eping)
        server.expect_request(WITS).respond_with_handler(lambda request: self._data(
            request, (FIXTURES / "wits" / "handwritten_tariff_usa_world_2017.json").read_bytes(),
            "application/json"))
        server.expect_request("/rss").respond_with_handler(lambda request: self._data(
            request, (FIXTURES / "feeds" / "handwritten_rss2.xml").read_bytes(),
            "application/rss+xml"))

    def reset(self, *, pair_first: bool) -> None:
        self.sent: list[tuple[str, int | None]] = []
        self.keys: list[str | None] = []
        self.in_flight = self.max_in_flight = self.data_requests = 0
        self.second = threading.Event()
        self.pair_first = pair_first

    def _sender(self, request: Request) -> int | None:
        """The pid owning the client end of this request's connection."""
        port = int(request.environ["REMOTE_PORT"])
        for conn in psutil.net_connections(kind="tcp"):
            if (conn.laddr and conn.raddr and conn.laddr.port == port
                    and conn.raddr.port == self.port):
                return conn.pid
        return None

    def _json(self, request: Request, body: Any) -> Response:
        import json

        return self._data(request, json.dumps(body).encode(), "application/json")

    def _data(self, request: Request, body: bytes, content_type: str) -> Response:
        self.sent.append((request.path, self._sender(request)))
        return Response(body, content_type=content_type)

    def comtrade(self, request: Request) -> Response:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.data_requests += 1
            number = self.data_requests
        try:
            if self.pair_first and number == 1:
                self.second.wait(timeout=20)
            elif number == 2:
                self.second.set()
            if not self.pair_first:
                # Held open a while: without the limit, requests would overlap.
                threading.Event().wait(0.3)
            self.sent.append((request.path, self._sender(request)))
            return self.fake(request)
        finally:
            with self.lock:
                self.in_flight -= 1

    def eping(self, request: Request) -> Response:
        self.keys.append(request.headers.get("Ocp-Apim-Subscription-Key"))
        page, size = int(request.args["page"]), int(request.args["pageSize"])
        return self._json(request, {"totalCount": len(self.items), "page": page,
                                    "pageSize": size,
                                    "items": self.items[(page - 1) * size: page * size]})

    def pids(self, path: str) -> set[int | None]:
        return {pid for p, pid in self.sent if p == path}


@pytest.fixture(scope="module")
def dask_cluster(prefect_api: str) -> Iterator[dict[str, Any]]:
    """A local Dask cluster of two worker processes with one thread each, as fetch workers on
    other machines would be (`orchestration.dask_address`); each reads its own ePing key."""
    import logging

    from distributed import Client, LocalCluster

    with pytest.MonkeyPatch.context() as env:
        env.setenv("EPING_API_KEY", EPING_KEY)
        env.setenv("PREFECT_API_URL", prefect_api)
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.WARNING)
    try:
        with Client(cluster) as client:
            pids = set(client.run(os.getpid).values())
        yield {"address": cluster.scheduler_address, "pids": pids}
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def apis() -> Iterator[ReplayedApis]:
    server = HTTPServer(host="127.0.0.1", port=_free_port(), threaded=True)
    server.start()
    try:
        yield ReplayedApis(server)
    finally:
        server.clear()
        server.stop()


def _config(folder: Path, base_url: str, **orchestration: Any) -> Path:
    """Comtrade (China with two partners, 2010-2013: four preview requests, one period
    each), ePing, WITS tariffs (the USA, 2017) and a remote feed on the replayed APIs; no
    BACI."""
    path = write_config(folder, first_year=2010, last_year=2013, **orchestration)
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("[sources.baci]\n")
    baci, _, rest = rest.partition("[sources.comtrade]\n")
    comtrade, _, eping = rest.partition("[sources.eping]\n")
    baci = baci.replace("enabled = true", "enabled = false", 1)
    comtrade = (comtrade.replace("enabled = false", "enabled = true", 1)
                .replace('endpoint = "data"', 'endpoint = "preview"', 1)
                .replace("reporters = []", 'reporters = ["CHN"]', 1)
                .replace("partners = []", 'partners = ["ARG", "DEU"]', 1)
                .replace('flows = ["M"]', 'flows = ["M", "X"]', 1)
                .replace('base_url = "https://comtradeapi.un.org"', f'base_url = "{base_url}"'))
    eping = (eping.replace("enabled = false", "enabled = true", 1)
             .replace('base_url = "https://api.wto.org/eping"', f'base_url = "{base_url}"')
             .replace("members = []", 'members = ["KOR", "USA"]', 1))
    eping = (eping.replace("wits_enabled = false", "wits_enabled = true")
             .replace('wits_base_url = "http://wits.worldbank.org/API/V1/SDMX/V21/'
                      'datasource/trn"', f'wits_base_url = "{base_url}"')
             .replace("wits_reporters = []", 'wits_reporters = ["USA"]')
             .replace("wits_year = 2023", "wits_year = 2017"))
    feed = (f'[feeds.market_news]\nurl = "{base_url}/rss"\nmarkets = ["USA"]\n'
            'keywords = { "tomat" = ["0702"] }\n')
    path.write_text(f"{head}[sources.baci]\n{baci}[sources.comtrade]\n{comtrade}"
                    f"[sources.eping]\n{eping}\n{feed}", encoding="utf-8")
    return path


def _warehouse_rows(published: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(published), read_only=True) as con:
        return {
            "trade_flows": con.execute(
                "select reported_by, exporter_iso3, importer_iso3, product_code, year, "
                "value_usd from core.trade_flows order by all").fetchall(),
            "notifications": con.execute(
                "select notification_id, symbol, version, is_current, title "
                "from core.notifications order by all").fetchall(),
            "tariffs": con.execute(
                "select importer_iso3, partner_iso3, regime, year, product_code, "
                "ad_valorem_pct from core.tariffs order by all").fetchall(),
            "feed_items": con.execute(
                "select * exclude (batch_id) from core.feed_items order by all").fetchall(),
        }


def _run_flow(api_url: str, config: Path) -> Any:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.nightly import nightly

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        return nightly(config_path=str(config), return_state=True)


def _task_runs(api_url: str, flow_run_id: Any) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}), \
            get_client(sync_client=True) as client:
        return client.read_task_runs(
            flow_run_filter=FlowRunFilter(id={"any_": [flow_run_id]}))


def _limit(api_url: str, name: str) -> Any:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}), \
            get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(name)


@pytest.fixture(scope="module")
def reference(prefect_api: str, apis: ReplayedApis, tmp_path_factory: pytest.TempPathFactory
              ) -> dict[str, Any]:
    """The nightly flow on the thread pool (four threads, one Comtrade slot): the rows it
    publishes, which the Dask runs must publish too, and what the APIs saw."""
    config = _config(tmp_path_factory.mktemp("threads"), f"http://127.0.0.1:{apis.port}",
                     task_runner="threads", max_workers=4, comtrade_concurrent_requests=1,
                     comtrade_requests_per_minute=6000, eping_requests_per_minute=6000)
    apis.reset(pair_first=False)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EPING_API_KEY", EPING_KEY)
        state = _run_flow(prefect_api, config)
    assert state.is_completed(), state
    assert state.result()["status"] == "published", state.result()
    return {"rows": _warehouse_rows(load_config(config).warehouse.published),
            "pids": apis.pids(PREVIEW), "max_in_flight": apis.max_in_flight,
            "data_requests": apis.data_requests}


@pytest.mark.slow
@pytest.mark.flow
def test_the_thread_pool_path_fetches_in_the_flow_process_within_the_limits(
    reference: dict[str, Any],
) -> None:
    rows = reference["rows"]
    assert len(rows["trade_flows"]) == 16 and len(rows["notifications"]) == 5
    assert len(rows["tariffs"]) == 3 and rows["feed_items"]
    # Four threads, one slot: the requests went one at a time, from this process.
    assert reference["data_requests"] == 4 and reference["max_in_flight"] == 1
    assert reference["pids"] == {os.getpid()}


@pytest.mark.slow
@pytest.mark.flow
def test_fetches_fan_out_to_dask_workers_and_the_flow_loads_them(
    prefect_api: str, dask_cluster: dict[str, Any], apis: ReplayedApis,
    reference: dict[str, Any], tmp_path: Path,
) -> None:
    config = _config(tmp_path, f"http://127.0.0.1:{apis.port}", task_runner="dask",
                     dask_address=dask_cluster["address"], comtrade_concurrent_requests=2,
                     comtrade_requests_per_minute=6000, eping_requests_per_minute=6000)
    apis.reset(pair_first=True)
    state = _run_flow(prefect_api, config)
    assert state.is_completed(), state
    summary = state.result()
    assert summary["status"] == "published", summary
    # The four Comtrade requests and the ePing search came from both Dask worker processes;
    # the flow's own process asked only for the availability answer.
    assert apis.pids(PREVIEW) == dask_cluster["pids"]
    assert apis.pids(SEARCH) <= dask_cluster["pids"]
    assert apis.pids(AVAILABILITY) == {os.getpid()} and os.getpid() not in dask_cluster["pids"]
    assert apis.max_in_flight == 2  # the first request waited for a second: in parallel
    assert apis.keys == [EPING_KEY]  # read by the worker from its own environment
    # The flow's process loaded what came back: the same rows as the thread pool's.
    assert _warehouse_rows(load_config(config).warehouse.published) == reference["rows"]
    # The server recorded the fetch tasks of the run, all completed.
    runs = _task_runs(prefect_api, state.state_details.flow_run_id)
    fetches = sorted(r.name.rsplit("-", 1)[0] for r in runs if r.name.startswith("fetch_"))
    assert fetches == (["fetch_comtrade_request"] * 4
                       + ["fetch_eping_notifications", "fetch_feed", "fetch_wits_tariffs"])
    assert apis.pids(WITS) | apis.pids("/rss") <= dask_cluster["pids"]
    assert all(r.state.is_completed() for r in runs if r.name.startswith("fetch_"))
    limit = _limit(prefect_api, "comtrade-api")
    assert (limit.limit, limit.active) == (2, True)
    rate = _limit(prefect_api, "comtrade-api-rate")
    assert (rate.limit, rate.slot_decay_per_second) == (1, 100.0)


@pytest.mark.slow
@pytest.mark.flow
def test_one_comtrade_slot_is_shared_by_every_worker_process(
    prefect_api: str, dask_cluster: dict[str, Any], apis: ReplayedApis,
    reference: dict[str, Any], tmp_path: Path,
) -> None:
    config = _config(tmp_path, f"http://127.0.0.1:{apis.port}", task_runner="dask",
                     dask_address=dask_cluster["address"], comtrade_concurrent_requests=1,
                     comtrade_requests_per_minute=6000, eping_requests_per_minute=6000)
    apis.reset(pair_first=False)
    state = _run_flow(prefect_api, config)
    assert state.is_completed(), state
    # Both worker processes fetched, each request held open 0.3 s, and yet never two at
    # once: the slot is taken on the server before each request and given back after it.
    assert apis.pids(PREVIEW) == dask_cluster["pids"]
    assert apis.data_requests == 4 and apis.max_in_flight == 1
    assert _limit(prefect_api, "comtrade-api").limit == 1  # updated from the configuration
    assert _warehouse_rows(load_config(config).warehouse.published) == reference["rows"]


# ------------------------------------------------------------------------------ work pools

@pytest.mark.slow
@pytest.mark.flow
def test_a_process_worker_runs_a_deployment_of_the_work_pool(
    prefect_api: str, tmp_path: Path,
) -> None:
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # No input files: the regulatory run is short, and still publishes the warehouse.
    config = write_config(tmp_path)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PREFECT_API_URL": prefect_api,
           "PREFECT_HOME": str(tmp_path / "prefect_home")}
    deployed = subprocess.run(
        [str(bin_dir / "observatory"), "--config", str(config), "deploy", "--pool", "warehouse"],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert deployed.returncode == 0, deployed.stderr
    assert "Deployment nightly/trade: cron '0 1 * * *'" in deployed.stdout
    assert "work pool warehouse" in deployed.stdout
    assert "Limit comtrade-api-rate: 10 requests a minute" in deployed.stdout

    with temporary_settings(updates={PREFECT_API_URL: prefect_api}):
        run = run_deployment("nightly/regulatory", timeout=0)
    worker = subprocess.run(
        [str(bin_dir / "prefect"), "worker", "start", "--pool", "warehouse", "--run-once"],
        env=env, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert worker.returncode == 0, worker.stdout[-3000:] + worker.stderr[-3000:]

    from prefect.client.orchestration import get_client

    with temporary_settings(updates={PREFECT_API_URL: prefect_api}), \
            get_client(sync_client=True) as client:
        done = client.read_flow_run(run.id)
        pool = client.read_work_pool("warehouse")
    assert done.state is not None and done.state.is_completed(), (
        done.state, worker.stdout[-3000:], worker.stderr[-3000:])
    assert pool.type == "process" and done.work_pool_name == "warehouse"
    cfg = load_config(config)
    assert cfg.warehouse.published.is_file()  # the worker's run published the warehouse


# ------------------------------------------------------------------------- without a server

def test_the_task_runner_follows_the_configuration_and_the_server(tmp_path: Path) -> None:
    from dataclasses import replace

    from observatory.orchestration import task_runner_kind

    cfg = load_config(write_config(tmp_path, task_runner="auto"))
    assert cfg.orchestration.task_runner == "auto"
    server = "http://127.0.0.1:4200/api"
    assert task_runner_kind(cfg, server) == "dask"
    assert task_runner_kind(cfg, None) == "threads"
    threads = replace(cfg, orchestration=replace(cfg.orchestration, task_runner="threads"))
    assert task_runner_kind(threads, server) == "threads"
    dask = replace(cfg, orchestration=replace(cfg.orchestration, task_runner="dask"))
    assert task_runner_kind(dask, server) == "dask"
    with pytest.raises(ConfigError, match='"dask" needs a Prefect server'):
        task_runner_kind(dask, None)
    with pytest.raises(ConfigError, match="orchestration.task_runner: 'spark' is not one"):
        load_config(write_config(tmp_path, task_runner="spark"))
    with pytest.raises(ConfigError, match="orchestration.dask_address: '10.0.0.5:8786'"):
        load_config(write_config(tmp_path, dask_address="10.0.0.5:8786"))


def test_the_runners_built_from_the_configuration(tmp_path: Path) -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from observatory.orchestration import build_task_runner

    cfg = load_config(write_config(tmp_path, max_workers=3))
    threads = build_task_runner(cfg, None)
    assert isinstance(threads, ThreadPoolTaskRunner) and threads._max_workers == 3
    remote = load_config(write_config(tmp_path, task_runner="dask",
                                      dask_address="tcp://10.0.0.5:8786"))
    runner = build_task_runner(remote, "http://127.0.0.1:4200/api")
    assert isinstance(runner, DaskTaskRunner) and runner.address == "tcp://10.0.0.5:8786"
    local = build_task_runner(load_config(write_config(tmp_path, task_runner="dask",
                                                       dask_workers=3)), "http://x/api")
    assert isinstance(local, DaskTaskRunner) and local.cluster_kwargs["n_workers"] == 3


def test_limits_from_the_configuration_and_no_prefect_outside_a_run(tmp_path: Path) -> None:
    from observatory.orchestration import api_slot, in_prefect_run, limit_specs

    cfg = load_config(write_config(tmp_path))
    assert [(s.name, s.limit, round(s.slot_decay_per_second, 4)) for s in limit_specs(cfg)] == [
        ("comtrade-api", 1, 0.0), ("comtrade-api-rate", 1, 0.1667),
        ("eping-api", 1, 0.0), ("eping-api-rate", 1, 0.1667)]
    assert not in_prefect_run()
    with api_slot("comtrade"):  # nothing to acquire: no server is asked
        pass


def test_clients_travel_to_workers_without_their_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import pickle

    from observatory.sources.comtrade.client import ComtradeClient
    from observatory.sources.eping.client import EpingClient

    sent = pickle.dumps([ComtradeClient(api_key="ct-secret-1"),
                         EpingClient(api_key="ep-secret-2")])
    assert b"ct-secret-1" not in sent and b"ep-secret-2" not in sent
    monkeypatch.setenv("COMTRADE_API_KEY", "worker-ct")
    monkeypatch.delenv("EPING_API_KEY", raising=False)
    comtrade, eping = pickle.loads(sent)
    assert comtrade.has_key and comtrade._api_key == "worker-ct"
    assert not eping.has_key and eping._getter.secret is None
