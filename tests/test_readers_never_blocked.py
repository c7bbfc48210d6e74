"""Readers query the published database while another process runs the nightly job."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from observatory.config import load_config
from observatory.sqlshell import run_query


def _work_db_is_held(pid: int, path: Path) -> bool:
    """Whether process `pid` has the working database open, read from /proc without
    touching the file (opening it, even read-only, would take a lock the job needs)."""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        targets = [os.readlink(fd_dir / fd) for fd in os.listdir(fd_dir)]
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    return str(path) in targets


@pytest.mark.slow  # a whole second demo scenario: make test-slow and CI
def test_sql_answers_while_a_second_nightly_runs(published_workspace: Path) -> None:
    cfg = load_config(published_workspace / "observatory.toml")  # its first run published
    (expected,) = run_query(cfg.warehouse.published, "select count(*) from core.trade_flows")[1]
    # Start again from an empty working database: the job reloads and republishes everything.
    cfg.warehouse.work.unlink()
    job = subprocess.Popen(
        [sys.executable, "-m", "observatory.cli", "--config", str(cfg.path), "nightly",
         "--without-prefect"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    answers, while_held = [], 0
    deadline = time.monotonic() + 300
    try:
        while job.poll() is None and time.monotonic() < deadline:
            held = _work_db_is_held(job.pid, cfg.warehouse.work)
            answer = run_query(cfg.warehouse.published, "select count(*) from core.trade_flows")
            answers.append(answer[1][0])
            while_held += held
            time.sleep(0.05)
        out, err = job.communicate(timeout=300)
    finally:
        job.kill()
    assert job.returncode == 0, err
    assert while_held > 0, "the job never held the working database while we queried"
    assert set(answers) == {expected}
    assert "Database: " in out
