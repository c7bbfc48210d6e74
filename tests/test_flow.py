"""The real Prefect flow, on the session's single test server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.flow
def test_nightly_flow_runs_end_to_end(prefect_server: None, workspace: Path) -> None:
    from prefect.artifacts import Artifact

    from flows.nightly import nightly

    state = nightly(config_path=str(workspace / "observatory.toml"), return_state=True)
    assert state.is_completed()
    summary = state.result()
    assert summary["status"] == "published"
    assert Path(summary["published_path"]).is_file()
    assert all(Path(p).is_file() for p in summary["report_paths"])
    artifact = Artifact.get("nightly-summary")
    assert artifact is not None and summary["run_id"] in str(artifact.data)


def test_flows_only_import_the_package_never_the_reverse() -> None:
    import re

    for path in (REPO / "observatory").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        imports = re.findall(r"^\s*(?:from flows[ .]|import flows\b)", text, re.MULTILINE)
        assert not imports or path.name == "cli.py", path
