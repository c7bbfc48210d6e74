"""`observatory status`: the schedule from the configuration, the Prefect server when one is
configured (tests against a real server are in test_schedule.py), and the last failed run
from the run summaries; bad `[schedule]` values fail with one line naming the key."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from observatory.cli import main
from observatory.config import load_config
from observatory.errors import ConfigError
from tests.conftest import write_config


def _status(config: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["--config", str(config), "status"]) == 0
    return capsys.readouterr().out


def test_schedule_from_the_configuration_without_a_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "")
    out = _status(write_config(tmp_path), capsys)
    assert ("Schedule (time zone Africa/Casablanca):\n"
            "  nightly/nightly: 30 2 * * * (every source)\n"
            "  nightly/trade: 0 1 * * * (CEPII BACI, UN Comtrade, Eurostat Comext, national "
            "statistics and exporter-level files)\n"
            "  nightly/regulatory: 0 */6 * * * (WTO ePing, EU RASFF, WITS tariffs, "
            "trade-agreement schedules (AfCFTA) and RSS/Atom feeds)\n"
            "Prefect server: no Prefect server configured (PREFECT_API_URL unset)") in out
    assert "Last failed run: none" in out


def test_configured_crons_and_time_zone_are_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "")
    config = write_config(tmp_path, timezone="Europe/Paris", nightly_cron="15 3 * * mon-fri",
                          trade_cron="")
    out = _status(config, capsys)
    assert "Schedule (time zone Europe/Paris):\n  nightly/nightly: 15 3 * * mon-fri" in out
    assert "nightly/trade" not in out and "  nightly/regulatory: 0 */6 * * *" in out


def test_an_unreachable_server_is_one_line_and_quick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    started = time.monotonic()
    out = _status(write_config(tmp_path), capsys)
    assert time.monotonic() - started < 10
    assert f"Prefect server: http://127.0.0.1:{port}/api: not reachable (ConnectionError)" in out
    # The schedule still comes from the configuration.
    assert "  nightly/nightly: 30 2 * * * (every source)\n" in out


def _summary(runs: Path, run_id: str, status: str, **extra: object) -> None:
    runs.mkdir(parents=True, exist_ok=True)
    (runs / f"{run_id}.json").write_text(json.dumps(
        {"run_id": run_id, "status": status, "ended_at": f"{run_id[:8]}T03:00:00+00:00",
         "inputs": [], **extra}), encoding="utf-8")


def test_last_failed_run_and_its_reason_from_the_run_summaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "")
    config = write_config(tmp_path)
    runs = load_config(config).warehouse.runs_dir
    _summary(runs, "20261101T013000Z-aaaaaa", "failed",
             error="WarehouseError: another nightly run is in progress")
    _summary(runs, "20261102T013000Z-bbbbbb", "published")
    out = _status(config, capsys)
    assert ("Last failed run: 20261101T013000Z-aaaaaa (failed, ended "
            "20261101T03:00:00+00:00): WarehouseError: another nightly run is in progress"
            ) in out
    # A later run with a rejected input counts; a rollback, a quiet night do not.
    _summary(runs, "20261103T013000Z-cccccc", "completed_with_rejections", inputs=[
        {"file_name": "BACI_HS22_V202601.zip", "status": "rejected",
         "message": "trade_flows: 3 rows failed"},
        {"file_name": "eping.json", "status": "published"}])
    _summary(runs, "20261104T013000Z-dddddd", "rolled_back")
    _summary(runs, "20261105T013000Z-eeeeee", "unchanged")
    (runs / "20261106T013000Z-ffffff.json").write_text("{not json", encoding="utf-8")
    out = _status(config, capsys)
    assert ("Last failed run: 20261103T013000Z-cccccc (completed_with_rejections, ended "
            "20261103T03:00:00+00:00): inputs BACI_HS22_V202601.zip rejected "
            "(trade_flows: 3 rows failed)") in out


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('nightly_cron = "30 2 * * *"', 'nightly_cron = "30 2 * *"',
         "schedule.nightly_cron: '30 2 * *' is not a cron expression of five fields"),
        ('trade_cron = "0 1 * * *"', 'trade_cron = "0 25 * * *"',
         "schedule.trade_cron: '25' is outside the hour field (0-23)"),
        ('regulatory_cron = "0 */6 * * *"', 'regulatory_cron = "0 */0 * * *"',
         "schedule.regulatory_cron: '*/0' is not a valid hour field"),
        ('nightly_cron = "30 2 * * *"', 'nightly_cron = "30 2 * * fri-mun"',
         "schedule.nightly_cron: 'mun' is outside the day of week field (0-7)"),
        ('timezone = "Africa/Casablanca"', 'timezone = "Africa/Marrakech"',
         "schedule.timezone: 'Africa/Marrakech' is not an IANA time zone"),
        ("languages = []", 'languages = ["de"]',
         "schedule.languages[0]: 'de' is not one of fr, en"),
        ("top_alerts = 3", "top_alerts = 0", "notifications.top_alerts: must be greater"),
        ("on_failure = true", 'on_failure = "yes"',
         "notifications.on_failure: expected true or false"),
    ],
)
def test_bad_schedule_and_notification_values_fail_with_one_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = write_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_valid_cron_forms_are_accepted(tmp_path: Path) -> None:
    config = write_config(tmp_path, nightly_cron="*/15 1-5,22 1,15 jan-jun,12 sun",
                          trade_cron="0 0 * * 7", regulatory_cron="5 4 31 12 *")
    assert load_config(config).schedule.nightly_cron == "*/15 1-5,22 1,15 jan-jun,12 sun"
