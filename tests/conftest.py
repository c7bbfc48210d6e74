"""Shared fixtures: configurations in temporary folders, the demo archive, one demo run,
one published workspace to copy, the Prefect servers, and the real samples.

Every warehouse is built from code in a temporary folder with a fixed seed; read-only tests
share the session-scoped demo run, and tests that need a published warehouse to start from
get a copy of one built once (`published_workspace`). Prefect's test harness starts once,
only for the few tests that run the real flow; the tests that need a real `prefect server
start` (schedules, work pools, Dask workers) share one (`prefect_api`).

`make test` runs every test not marked `slow` on two processes (pytest-xdist, `--dist
loadfile`: a module's tests run in one process, so its module fixtures are built once;
session fixtures are built once per process). `make test-slow` runs the slow ones in one
process (one Prefect server for them all); CI runs both.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
# Real samples: the copies vendored with the tests (scripts/vendor_real_samples.py, with
# their provenance and licence); the suite reads nothing outside the repository.
VENDORED_REAL = REPO / "tests" / "fixtures" / "real"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_UI_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

# The local HTTP servers' request lines (werkzeug, INFO, with ANSI colours) would reach
# whatever handler a Prefect run left on the root logger, in any later test of the process.
logging.getLogger("werkzeug").setLevel(logging.WARNING)

DEMO_YEARS = (2019, 2024)
DEMO_TODAY = __import__("datetime").date(2026, 11, 29)  # the regulatory demo's "today"


def real_sample(*parts: str) -> Path:
    """A vendored real sample (folder, file) under tests/fixtures/real/; a `<name>.gz` copy is
    unpacked once per test process, under its own name, into a temporary folder. A sample
    that is not vendored is an error naming it: the suite runs whole from a fresh clone."""
    vendored = VENDORED_REAL.joinpath(*parts)
    if vendored.is_file():
        return vendored
    packed = vendored.with_name(vendored.name + ".gz")
    if packed.is_file():
        return _unpacked(packed, parts)
    raise FileNotFoundError(f"{'/'.join(parts)}: not vendored under tests/fixtures/real/ "
                            "(scripts/vendor_real_samples.py copies it with its provenance)")


_unpacked_dir: list[Path] = []


def _unpacked(packed: Path, parts: tuple[str, ...]) -> Path:
    """`packed` (gzip) decompressed into this process's temporary folder, once."""
    import atexit
    import gzip
    import tempfile

    if not _unpacked_dir:
        folder = Path(tempfile.mkdtemp(prefix="observatory-real-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _unpacked_dir.append(folder)
    path = _unpacked_dir[0].joinpath(*parts)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        with gzip.open(packed, "rb") as source, open(part, "wb") as out:
            shutil.copyfileobj(source, out)
        part.replace(path)
    return path


def write_config(folder: Path, *, baci_paths: list[str] | None = None,
                 demo_feed: bool = False, product_fiches: bool = False, **study: Any) -> Path:
    """A configuration whose every path lives in `folder`, from the committed defaults.

    `orchestration.task_runner` is "threads"; `report.product_fiches` is off unless
    `product_fiches=True`. The committed `[feeds.demo_market_news]` is
    kept only with `demo_feed=True`: it reads the feed `observatory demo` writes, which other
    folders do not have (a missing feed is a failed input, unlike a demo glob that matches
    nothing)."""
    import re

    text = (REPO / "observatory.toml").read_text(encoding="utf-8")
    if not demo_feed:
        text = re.sub(r"(?ms)^\[feeds\.demo_market_news[\].].*?(?=^\[(?!feeds\.demo_market_news))",
                      "", text)
    path = folder / "observatory.toml"
    # Flow tests fan out on threads unless they ask for Dask (task_runner="dask"): "auto"
    # would start a Dask cluster under the test server.
    text = text.replace('task_runner = "auto"', 'task_runner = "threads"')
    # The product fiches (thousands of pages per run) only where a test reads them.
    if not product_fiches:
        text = text.replace("product_fiches = true", "product_fiches = false")
    if baci_paths is not None:
        quoted = ", ".join(f'"{p}"' for p in baci_paths)
        text = text.replace('paths = ["data/demo/baci/BACI_*.zip"]', f"paths = [{quoted}]")
    for key, value in study.items():
        if isinstance(value, (list, tuple)):
            rendered = "[" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v)
                                       for v in value) + "]"
            # Lists may span several lines in the committed file.
            text = re.sub(rf"(?ms)^{key} = \[[^\]]*\]", lambda _, line=f"{key} = {rendered}": line,
                          text, count=1)
            continue
        rendered = f'"{value}"' if isinstance(value, str) else str(value)
        text = re.sub(rf"(?m)^{key} = .*$", lambda _, line=f"{key} = {rendered}": line,
                      text, count=1)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded demo archive, generated once per session with the default seed."""
    from observatory.demo.generate import generate_demo

    out = tmp_path_factory.mktemp("demo")
    return generate_demo(out, years=range(DEMO_YEARS[0], DEMO_YEARS[1] + 1))


@pytest.fixture
def workspace(tmp_path: Path, demo_archive: Path) -> Path:
    """A fresh folder with a configuration pointing at a private copy of the demo archive."""
    baci = tmp_path / "inputs"
    baci.mkdir()
    shutil.copy(demo_archive, baci / demo_archive.name)
    write_config(tmp_path, baci_paths=["inputs/BACI_*.zip"])
    return tmp_path


@pytest.fixture(scope="session")
def _published_workspace_template(tmp_path_factory: pytest.TempPathFactory,
                                  demo_archive: Path) -> Path:
    """A `workspace` after one nightly run (published), built once per test process."""
    from observatory.config import load_config
    from observatory.nightly import run_nightly

    folder = tmp_path_factory.mktemp("published_workspace")
    (folder / "inputs").mkdir()
    shutil.copy(demo_archive, folder / "inputs" / demo_archive.name)
    cfg = load_config(write_config(folder, baci_paths=["inputs/BACI_*.zip"]))
    summary = run_nightly(cfg)
    assert summary["status"] == "published", summary
    return folder


@pytest.fixture
def published_workspace(tmp_path: Path, _published_workspace_template: Path) -> Path:
    """`workspace` as its first nightly run leaves it: a private copy (every path in the
    configuration is relative to its folder) of one published once per session."""
    shutil.copytree(_published_workspace_template, tmp_path, dirs_exist_ok=True)
    return tmp_path


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory, demo_archive: Path) -> dict[str, Any]:
    """One nightly run on the demo data (plain stages); read-only tests share it."""

    from observatory.config import load_config
    from observatory.demo.regulatory import generate_regulatory_demo
    from observatory.demo.sources import write_source_demos
    from observatory.nightly import run_nightly

    folder = tmp_path_factory.mktemp("demo_run")
    (folder / "inputs").mkdir()
    shutil.copy(demo_archive, folder / "inputs" / demo_archive.name)
    # The regulatory demo files (and the demo feed), the rates, the national table and the
    # Comext extract where the configuration's defaults look for them.
    generate_regulatory_demo(folder / "data" / "demo", today=DEMO_TODAY)
    cfg = load_config(write_config(folder, baci_paths=["inputs/BACI_*.zip"], demo_feed=True))
    write_source_demos(folder / "data" / "demo", home=cfg.study.home, years=DEMO_YEARS,
                       markets=cfg.study.priority_markets, today=DEMO_TODAY,
                       seed=cfg.demo.seed)
    # The watch counts comment deadlines from the regulatory demo's "today".
    summary = run_nightly(cfg, langs=("fr", "en"), as_of=DEMO_TODAY)
    return {"cfg": cfg, "summary": summary, "archive": demo_archive}


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One Prefect test server for the whole session (only tests that run real flows)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real `prefect server start` (scheduler included) on a free port, with its own
    home, for the session; yields its API URL. tests/test_schedule.py and
    tests/test_workers.py share it: the harness has no scheduler and no work pools."""
    from tests.test_schedule import prefect_server_process

    with prefect_server_process(tmp_path_factory.mktemp("prefect_home")) as api_url:
        yield api_url
