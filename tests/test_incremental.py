"""Incremental nightly runs: unchanged inputs do no trade work; a new day re-evaluates only
the date-dependent watch and republishes when an alert is raised; a regulatory input alone
does not recompute the study."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from observatory import plan
from observatory.config import load_config
from observatory.nightly import run_nightly
from tests.conftest import DEMO_TODAY

COUNTED = ("build_marts", "refresh_study", "refresh_watch", "publish_database")


def _counting_steps(calls: dict[str, int]) -> plan.Runner:
    """The plan's direct runner, counting the calls of the indicator and publish steps."""
    def runner(step: str, fn: Callable[..., Any], *args: Any, label: str | None = None) -> Any:
        if step in COUNTED:
            calls[step] = calls.get(step, 0) + 1
        return plan.direct(step, fn, *args, label=label)
    return runner


@pytest.mark.slow  # a whole second demo scenario: make test-slow and CI
def test_quiet_nights_new_days_and_regulatory_inputs(workspace: Path) -> None:
    from observatory.demo.regulatory import generate_regulatory_demo

    # The demo's notifications have comment deadlines 9 to 60 days after DEMO_TODAY.
    generate_regulatory_demo(workspace / "data" / "demo", today=DEMO_TODAY)
    cfg = load_config(workspace / "observatory.toml")
    month_before = DEMO_TODAY - timedelta(days=30)

    calls: dict[str, int] = {}
    first = run_nightly(cfg, runner=_counting_steps(calls), as_of=month_before)
    assert first["published"] and calls == {"build_marts": 1, "refresh_study": 1,
                                            "refresh_watch": 1, "publish_database": 1}
    assert first["watch"]["alerts"]["raised"]["deadline"] == 0  # all > 21 days away

    calls.clear()
    quiet = run_nightly(cfg, runner=_counting_steps(calls), as_of=month_before)
    assert quiet["published"] is False
    assert calls == {"refresh_watch": 1}  # the date-dependent part only, nothing published

    calls.clear()
    new_day = run_nightly(cfg, runner=_counting_steps(calls), as_of=DEMO_TODAY)
    assert calls == {"refresh_watch": 1, "publish_database": 1}
    assert new_day["published"] and new_day["watch"]["alerts"]["raised"]["deadline"] >= 1

    # A new RASFF export only: republished, the study and trade marts are not recomputed.
    rasff = workspace / "data" / "demo" / "rasff"
    text = (rasff / "demo_rasff_export.csv").read_text(encoding="utf-8")
    header, *rows = text.splitlines()
    reference, rest = rows[0].split(",", 1)
    (rasff / "demo_rasff_export_2.csv").write_text(
        f"{header}\n2026.8888,{rest}\n", encoding="utf-8")
    calls.clear()
    regulatory = run_nightly(cfg, runner=_counting_steps(calls), as_of=DEMO_TODAY)
    assert regulatory["published"], regulatory["inputs"]
    assert calls == {"refresh_watch": 1, "publish_database": 1}
    assert "skipped" in regulatory["study"]
