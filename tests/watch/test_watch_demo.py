"""The watch on the demo data: the first publication states the situation (the baseline)
and raises only the dated events; when the demo's last year and its RASFF spike arrive
after a first publication without them, every alert kind the demo was built to trigger is
raised, with its evidence; a second refresh on unchanged data raises nothing new."""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest

from observatory.watch.alerts import RULES
from observatory.watch.baselines import CHANGE_RULES
from tests.conftest import DEMO_TODAY


@pytest.fixture(scope="module")
def alerts(demo_run: dict[str, Any]) -> list[dict[str, Any]]:
    with duckdb.connect(str(demo_run["cfg"].warehouse.published), read_only=True) as con:
        frame = con.execute("select * from ops.alerts").df()
    return frame.to_dict("records")


def _find(alerts, rule, market=None, product=None, reference=None):
    return [a for a in alerts if a["rule"] == rule
            and (market is None or a["market_iso3"] == market)
            and (product is None or a["product_code"] == product)
            and (reference is None or a["reference"] == reference)]


def test_the_first_publication_states_the_situation_and_raises_only_dated_events(
        alerts, demo_run) -> None:
    # No baseline yet: the moves are the situation, not alerts; the deadlines and new
    # notifications are events with a date, raised from the first run (a handful).
    assert {a["rule"] for a in alerts} == {"new_notification", "deadline"}
    assert all(a["status"] == "open" for a in alerts) and len(alerts) <= 20
    outcome = demo_run["summary"]["watch"]["alerts"]
    assert all(outcome["raised"][rule] == 0 for rule in CHANGE_RULES)
    assert set(outcome["baseline"]["set"]) == set(CHANGE_RULES)
    with duckdb.connect(str(demo_run["cfg"].warehouse.published), read_only=True) as con:
        stated = {(r, m, p) for r, m, p in con.execute(
            "select rule, market_iso3, product_code from ops.alert_situation").fetchall()}
    # The planted events are in the situation the first publication states.
    assert ("share_drop", "FRA", "854430") in stated
    assert ("competitor_gain", "FRA", "854430") in stated
    assert ("demand_contraction", "BRA", "310540") in stated


@pytest.fixture(scope="module")
def second_run(demo_run: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
               ) -> dict[str, Any]:
    """A first publication without the demo's last year (BACI 2024) and without the RASFF
    notifications of the spike's year, then a second run with the full demo data: the
    planted events arrive against a baseline."""
    from observatory.config import load_config
    from observatory.nightly import run_nightly

    source = demo_run["cfg"].root
    folder = tmp_path_factory.mktemp("watch_second_run")
    shutil.copytree(source / "inputs", folder / "inputs")
    shutil.copytree(source / "data" / "demo", folder / "data" / "demo")
    shutil.copy(source / "observatory.toml", folder / "observatory.toml")
    full = {p: p.read_bytes() for p in (folder / "inputs").glob("BACI_*.zip")}
    rasff = next((folder / "data" / "demo" / "rasff").glob("*.csv"))
    rasff_full = rasff.read_bytes()
    last = max(int(row["year"]) for row in csv.DictReader(io.StringIO(rasff_full.decode())))
    for path in full:  # every member but the last year's file
        with zipfile.ZipFile(io.BytesIO(full[path])) as whole, \
                zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as part:
            for name in whole.namelist():
                if "_Y2024_" not in name:
                    part.writestr(name, whole.read(name))
    lines = rasff_full.decode().splitlines(keepends=True)
    rows = list(csv.DictReader(io.StringIO(rasff_full.decode())))
    # One CSV record per line in the demo export (no embedded line breaks).
    assert len(lines) == len(rows) + 1
    rasff.write_text(lines[0] + "".join(line for line, row in zip(lines[1:], rows, strict=True)
                                        if int(row["year"]) < last), encoding="utf-8")
    cfg = load_config(folder / "observatory.toml")
    first = run_nightly(cfg, as_of=DEMO_TODAY)
    assert first["status"] == "published", first
    for path, content in full.items():
        path.write_bytes(content)
    rasff.write_bytes(rasff_full)
    second = run_nightly(cfg, as_of=DEMO_TODAY)
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        frame = con.execute("select * from ops.alerts").df()
    return {"first": first, "second": second, "alerts": frame.to_dict("records"),
            "run_id": second["run_id"]}


@pytest.mark.slow  # a whole second demo scenario: make test-slow and CI
def test_every_kind_of_alert_is_raised_against_the_baseline(second_run) -> None:
    alerts = second_run["alerts"]
    assert {a["rule"] for a in alerts} == set(RULES)
    assert all(a["status"] == "open" for a in alerts)
    raised = second_run["second"]["watch"]["alerts"]["raised"]
    assert all(raised[rule] >= 1 for rule in CHANGE_RULES)
    # The change alerts are the second run's: the first stated its situation.
    assert {a["raised_run"] for a in alerts if a["rule"] in CHANGE_RULES} == \
        {second_run["run_id"]}
    assert sum(second_run["first"]["watch"]["alerts"]["raised"][r] for r in CHANGE_RULES) == 0


@pytest.mark.slow  # a whole second demo scenario: make test-slow and CI
def test_the_planted_events_raise_their_alerts_with_evidence(second_run) -> None:
    alerts = second_run["alerts"]
    # The demo's planted events (observatory.demo.profiles.PLANTED_EVENTS): MAR loses about
    # 11 points of France's wiring-set imports (854430) to TUR; Brazil's imports of MAP
    # fertiliser (310540) fall by 35 %; a cephalopod RASFF spike; ePing notifications on
    # top products with deadlines within 21 days of the demo's date.
    drop, = _find(alerts, "share_drop", "FRA", "854430")
    row = json.loads(drop["evidence"])["row"]
    assert row["share_change_pts"] == pytest.approx(-11.0, abs=0.2)
    assert row["period"] == "2024" and row["previous_period"] == "2023"
    gain, = _find(alerts, "competitor_gain", "FRA", "854430", "TUR")
    assert json.loads(gain["evidence"])["row"]["share_change_pts"] == pytest.approx(11.0, abs=0.2)
    demand, = _find(alerts, "demand_contraction", "BRA", "310540")
    assert json.loads(demand["evidence"])["row"]["growth_pct"] == pytest.approx(-35.0, abs=0.5)
    spike, = _find(alerts, "rasff_spike", reference="MAR")
    assert "cephalopod" in spike["product_code"]
    deadlines = _find(alerts, "deadline")
    assert deadlines and all(0 <= json.loads(a["evidence"])["row"]["days_left"] <= 21
                             for a in deadlines)
    assert _find(alerts, "deadline", "BRA") and _find(alerts, "new_notification", "BRA")


def test_a_second_refresh_raises_nothing_new(demo_run, tmp_path: Path) -> None:
    from observatory.config import load_config
    from observatory.nightly import run_nightly, run_refresh

    source = demo_run["cfg"].root
    copy = tmp_path / "copy"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("*.lock", "tmp"))
    cfg = load_config(copy / "observatory.toml")
    # Same inputs, same day: nothing to publish, nothing raised.
    again = run_nightly(cfg, as_of=DEMO_TODAY)
    assert again["published"] is False and "watch" not in again
    # The watch refreshed anyway on the same data: every alert is still open, none new.
    watch = run_refresh(cfg, ("watch",), as_of=DEMO_TODAY)["watch"]["alerts"]
    assert sum(watch["raised"].values()) == 0 and watch["cleared"] == 0
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        assert con.execute("select count(*) from ops.alerts").fetchall() == \
            [(watch["open"],)]
        digest = dict(con.execute("select section, count(*) from mart.watch_digest "
                                  "group by section").fetchall())
    assert "alert_raised" not in digest and "vintage" not in digest
