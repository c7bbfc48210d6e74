"""Progress on long runs: one line on stderr when each step starts and one when it ends,
with its duration, in the order the steps run; no value, no secret in them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from observatory import plan, progress


def test_each_step_says_when_it_starts_and_ends_in_order(capsys) -> None:
    runner = progress.wrap(plan.direct)
    assert runner("validate", lambda a, b: a + b, 2, 3, label="file.csv") == 5
    assert runner("merge", str.upper, "secret-value") == "SECRET-VALUE"
    with pytest.raises(ZeroDivisionError):
        runner("publish_database", lambda: 1 / 0)
    lines = capsys.readouterr().err.splitlines()
    assert [re.sub(r"[0-9.]+ s$", "N s", line) for line in lines] == [
        "step validate (file.csv): started", "step validate (file.csv): done in N s",
        "step merge: started", "step merge: done in N s",
        "step publish_database: started", "step publish_database: failed after N s"]
    assert not any("secret" in line.lower() for line in lines)
    # Wrapping twice says each line once.
    assert progress.wrap(runner) is runner


def test_a_quiet_nightly_says_each_step_in_order(published_workspace: Path, capfd) -> None:
    from observatory.config import load_config
    from observatory.nightly import run_nightly

    cfg = load_config(published_workspace / "observatory.toml")
    capfd.readouterr()
    summary = run_nightly(cfg)
    assert summary["published"] is False  # nothing new: the quiet night
    lines = [line for line in capfd.readouterr().err.splitlines() if line.startswith("step ")]
    assert lines[0] == "step prepare_warehouse: started"
    assert re.fullmatch(r"step prepare_warehouse: done in \d+\.\d s", lines[1])
    # Every step that started ended, right after the steps it ran inside it, in order.
    open_steps: list[str] = []
    for line in lines:
        name, what = line.rsplit(": ", 1)
        if what == "started":
            open_steps.append(name)
        else:
            assert re.fullmatch(r"done in \d+\.\d s", what) and open_steps.pop() == name
    assert not open_steps
    assert any(line.startswith("step ingest (baci)") for line in lines)
