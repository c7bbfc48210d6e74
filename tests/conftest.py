"""Shared fixtures: configurations in temporary folders, the demo archive, one demo run.

Every warehouse is built from code in a temporary folder with a fixed seed; read-only tests
share the session-scoped demo run. Prefect's test harness starts once, only for the few
tests that run the real flow.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_REAL = REPO.parent / "shared" / "data" / "real"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_UI_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

DEMO_YEARS = (2019, 2024)
DEMO_TODAY = __import__("datetime").date(2026, 11, 29)  # the regulatory demo's "today"


def shared_real(*parts: str) -> Path:
    """A file of the shared real-data samples, or skip the test with the reason."""
    path = SHARED_REAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared real data not available: {path}")
    return path


def write_config(folder: Path, *, baci_paths: list[str] | None = None,
                 demo_feed: bool = False, **study: Any) -> Path:
    """A configuration whose every path lives in `folder`, from the committed defaults.

    `orchestration.task_runner` is "threads". The committed `[feeds.demo_market_news]` is
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
def demo_run(tmp_path_factory: pytest.TempPathFactory, demo_archive: Path) -> dict[str, Any]:
    """One nightly run on the demo data (plain stages); read-only tests share it."""

    from observatory.config import load_config
    from observatory.demo.regulatory import generate_regulatory_demo
    from observatory.nightly import run_nightly

    folder = tmp_path_factory.mktemp("demo_run")
    (folder / "inputs").mkdir()
    shutil.copy(demo_archive, folder / "inputs" / demo_archive.name)
    # The regulatory demo files (and the demo feed) where the configuration's defaults look
    # for them.
    generate_regulatory_demo(folder / "data" / "demo", today=DEMO_TODAY)
    cfg = load_config(write_config(folder, baci_paths=["inputs/BACI_*.zip"], demo_feed=True))
    # The watch counts comment deadlines from the regulatory demo's "today".
    summary = run_nightly(cfg, langs=("fr", "en"), as_of=DEMO_TODAY)
    return {"cfg": cfg, "summary": summary, "archive": demo_archive}


@pytest.fixture(scope="session")
def prefect_server():
    """One Prefect test server for the whole session (only tests that run real flows)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
