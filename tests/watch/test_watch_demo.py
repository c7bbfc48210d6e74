"""The watch on the demo data: every alert kind the demo was built to trigger is raised,
with its evidence, and a second refresh on unchanged data raises nothing new."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from observatory.watch.alerts import RULES
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


def test_every_kind_of_alert_is_raised(alerts, demo_run) -> None:
    assert {a["rule"] for a in alerts} == set(RULES)
    assert all(a["status"] == "open" for a in alerts)
    raised = demo_run["summary"]["watch"]["alerts"]["raised"]
    assert all(raised[rule] >= 1 for rule in RULES)


def test_the_planted_events_raise_their_alerts_with_evidence(alerts) -> None:
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
