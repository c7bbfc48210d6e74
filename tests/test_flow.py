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
    import ast

    for path in (REPO / "observatory").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = [
            node for node in ast.walk(tree)
            if (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "flows")
            or (isinstance(node, ast.Import)
                and any(a.name.split(".")[0] == "flows" for a in node.names))
        ]
        assert not imports, path


@pytest.mark.flow
def test_expected_source_failures_print_no_traceback(
        prefect_server: None, tmp_path: Path, capfd: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A damaged BACI archive and an ePing API that refuses the key are failed inputs with
    their one-line reasons; Prefect prints no task traceback for them."""
    from pytest_httpserver import HTTPServer

    from flows.nightly import nightly
    from tests.conftest import write_config

    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "BACI_HS22_V202601.zip").write_bytes(b"PK\x03\x04 not a zip")
    path = write_config(tmp_path, baci_paths=["inputs/BACI_*.zip"])
    with HTTPServer() as server:
        server.expect_request("/notifications/search").respond_with_json(
            {"statusCode": 401, "message": "Access denied due to invalid subscription key."},
            status=401)
        text = path.read_text(encoding="utf-8")
        eping = text.index("[sources.eping]")
        head, tail = text[:eping], text[eping:]
        tail = (tail.replace("enabled = false", "enabled = true", 1)
                    .replace('base_url = "https://api.wto.org/eping"',
                             f'base_url = "{server.url_for("").rstrip("/")}"', 1))
        path.write_text(head + tail, encoding="utf-8")
        monkeypatch.setenv("EPING_API_KEY", "not-a-key")
        capfd.readouterr()
        summary = nightly(config_path=str(path))
    out, err = capfd.readouterr()
    failed = {i["source"]: i["message"] for i in summary["inputs"] if i["status"] == "failed"}
    assert set(failed) == {"baci", "eping"}, summary["inputs"]
    assert "BACI_HS22_V202601.zip" in failed["baci"]
    assert "401" in failed["eping"]
    assert "Traceback" not in out + err
    assert "not-a-key" not in out + err
