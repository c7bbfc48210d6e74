"""Notifications through apprise, against a local webhook receiver (apprise's json:// POSTs
JSON): the alerts message, the failure message, a channel that is down, secrets never
logged."""

from __future__ import annotations

import json
import logging
import shutil
import socket
from pathlib import Path
from typing import Any

# Imported before any test: apprise logs its locale when first imported, which the test
# that checks apprise says nothing must not see, whichever test comes first.
import apprise  # noqa: F401
import duckdb
import pytest

from observatory import notify
from observatory.cli import main
from observatory.config import load_config
from observatory.errors import ConfigError
from observatory.nightly import run_nightly
from tests.conftest import write_config

SECRET = "pa55-W0rd-not-for-logs"
ENV = "OBSERVATORY_NOTIFY_URLS"


def _hook(httpserver: Any, path: str = "/hook") -> str:
    httpserver.expect_request(path, method="POST").respond_with_data("ok")
    return f"json://team:{SECRET}@127.0.0.1:{httpserver.port}{path}"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _messages(httpserver: Any) -> list[dict[str, Any]]:
    return [request.get_json() for request, _ in httpserver.log]


def test_alerts_message_has_counts_per_rule_and_the_largest_alerts(
    demo_run: dict[str, Any], httpserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, summary = demo_run["cfg"], demo_run["summary"]
    monkeypatch.setenv(ENV, _hook(httpserver))
    assert notify.notify_alerts(cfg, summary) == notify.Delivery(sent=1, failed=0)
    (message,) = _messages(httpserver)
    # Independent reference: the run's alerts in the published database.
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        counts = dict(con.execute("select rule, count(*) from ops.alerts where raised_run = ? "
                                  "group by rule", [summary["run_id"]]).fetchall())
        top = dict(con.execute(
            "select rule, list(title_fr order by severity desc nulls last, alert_key)[1] "
            "from ops.alerts where raised_run = ? group by rule",
            [summary["run_id"]]).fetchall())
    total = sum(counts.values())
    # A first publication raises only dated events (notifications, deadlines): no baseline.
    assert len(counts) >= 2 and total == sum(summary["watch"]["alerts"]["raised"].values())
    assert message["title"] == f"Observatoire MAR: {total} new watch alerts"
    body = message["message"]
    for rule, n in counts.items():
        assert f"{rule.replace('_', ' ')} {n}" in body, rule
        assert f"- [{rule.replace('_', ' ')}] {top[rule]}" in body, rule
    titles = [line for line in body.splitlines() if line.startswith("- [")]
    assert len(titles) <= 3 * len(counts)
    assert f"Run {summary['run_id']} raised {total} alerts" in body


def test_no_alerts_or_no_channel_sends_nothing(
    demo_run: dict[str, Any], httpserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = demo_run["cfg"]
    quiet = {**demo_run["summary"],
             "watch": {"alerts": {"raised": {"share_drop": 0}, "cleared": 2, "open": 5}}}
    monkeypatch.setenv(ENV, _hook(httpserver))
    assert notify.notify_alerts(cfg, quiet) is None
    monkeypatch.delenv(ENV)
    assert notify.notify_alerts(cfg, demo_run["summary"]) is None
    assert httpserver.log == []


def _broken(config: Path) -> Path:
    """A configuration whose run fails at once: its working database's folder is a file
    (the runs and reports it writes stay beside the original's)."""
    broken = config.with_name("broken.toml")
    broken.write_text(config.read_text(encoding="utf-8").replace(
        'work = "data/warehouse/work.duckdb"', 'work = "observatory.toml/work.duckdb"'),
        encoding="utf-8")
    return broken


def test_a_failed_run_is_notified_recorded_and_reported_in_one_line(
    workspace: Path, httpserver: Any, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:

    caplog.set_level(logging.DEBUG)
    cfg = load_config(_broken(workspace / "observatory.toml"))
    monkeypatch.setenv(ENV, _hook(httpserver))
    # The working database's folder is a file: this run fails at once.
    code = main(["--config", str(cfg.path), "nightly", "--without-prefect"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("observatory: error: ") and err.count("\n") == 1
    assert "File exists" in err and "Traceback" not in err
    (message,) = _messages(httpserver)
    assert message["title"] == "Observatoire MAR: nightly run failed"
    assert message["type"] == "failure"
    assert "failed at " in message["message"]
    assert "FileExistsError: " in message["message"]
    (summary,) = cfg.warehouse.runs_dir.glob("*.json")
    recorded = json.loads(summary.read_text(encoding="utf-8"))
    assert recorded["status"] == "failed" and recorded["run_id"] == summary.stem
    assert recorded["error"].startswith("FileExistsError: ")
    assert recorded["run_id"] in message["message"]
    assert SECRET not in caplog.text


def test_a_channel_down_or_invalid_does_not_stop_the_others_and_no_secret_is_logged(
    httpserver: Any, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)  # apprise logs payloads and URLs at debug level
    down = f"json://team:{SECRET}@127.0.0.1:{_closed_port()}/hook"
    invalid = f"bogus://team:{SECRET}@nowhere"
    delivery = notify.send([down, invalid, _hook(httpserver)], "Title", "Body")
    assert delivery == notify.Delivery(sent=1, failed=2)
    assert [m["message"] for m in _messages(httpserver)] == ["Body"]
    out = capsys.readouterr()
    for text in (caplog.text, out.out, out.err):
        assert SECRET not in text
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("json://team:****@127.0.0.1" in w and "did not take the message" in w
               for w in warnings), warnings
    assert any("not a valid apprise URL (scheme 'bogus')" in w for w in warnings), warnings
    assert all(r.name != "apprise" for r in caplog.records)


def test_urls_env_must_name_a_variable(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('urls_env = "OBSERVATORY_NOTIFY_URLS"',
                                 'urls_env = "json://hook@example.org"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="notifications.urls_env: 'json://hook@example.org' "
                                          "is not the name of an environment variable"):
        load_config(path)


@pytest.mark.flow
def test_the_flow_notifies_alerts_once_and_failures_once_with_a_channel_down(
    prefect_server: None, workspace: Path, httpserver: Any, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flows.nightly import nightly

    folder = workspace / "two_years"
    (folder / "inputs").mkdir(parents=True)
    for archive in (workspace / "inputs").glob("BACI_*.zip"):
        shutil.copy(archive, folder / "inputs" / archive.name)
    # A first publication (2022-2023) is the baseline: change alerts come with 2024.
    config = write_config(folder, baci_paths=["inputs/BACI_*.zip"], first_year=2022,
                          last_year=2023)
    run_nightly(load_config(config))
    config = write_config(folder, baci_paths=["inputs/BACI_*.zip"], first_year=2023,
                          last_year=2024)
    down = f"json://team:{SECRET}@127.0.0.1:{_closed_port()}/hook"
    monkeypatch.setenv(ENV, f"{down} {_hook(httpserver)}")

    state = nightly(config_path=str(config), return_state=True)
    assert state.is_completed()  # the channel that is down did not fail the run
    summary = state.result()
    raised = sum(summary["watch"]["alerts"]["raised"].values())
    assert raised > 0
    assert [m["title"] for m in _messages(httpserver)] == [
        f"Observatoire MAR: {raised} new watch alerts"]

    # A failure inside the flow launched by the CLI is notified once, by the flow.
    cfg = load_config(config)
    assert main(["--config", str(_broken(config)), "nightly"]) == 1
    assert "File exists" in capsys.readouterr().err
    titles = [m["title"] for m in _messages(httpserver)]
    assert titles[1:] == ["Observatoire MAR: nightly run failed"]
    assert [json.loads(p.read_text(encoding="utf-8"))["status"]
            for p in sorted(cfg.warehouse.runs_dir.glob("*.json"))] == [
                "published", "published", "failed"]
