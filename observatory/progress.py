"""Progress of a run: one line when each step of the plan starts, one when it ends with its
duration, on stderr (logger `observatory.progress`), so that an operator always knows what
the job is doing:

    step prepare_warehouse: started
    step prepare_warehouse: done in 1.2 s
    step ingest (baci): started
    ...

The lines name the step and what it is about (a source, a file name): never a value, a row
or a secret (they are not the step's arguments). `wrap(runner)` gives a `plan.Runner` that
says them around any runner (`plan.direct`, or the Prefect runner, whose own log lines stay
Prefect's). Set `OBSERVATORY_PROGRESS=0` to silence them.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

from observatory import plan

T = TypeVar("T")
LOGGER = "observatory.progress"
ENV = "OBSERVATORY_PROGRESS"


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the stderr of the moment (pytest and callers may swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def logger() -> logging.Logger:
    log = logging.getLogger(LOGGER)
    if not any(isinstance(h, _Stderr) for h in log.handlers):
        handler = _Stderr(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def say(text: str) -> None:
    """One progress line (unless OBSERVATORY_PROGRESS=0)."""
    if os.environ.get(ENV, "1") != "0":
        logger().info(text)


def wrap(runner: plan.Runner) -> plan.Runner:
    """`runner`, saying when each step starts and ends (with its duration, or its failure)."""
    if getattr(runner, "_says_progress", False):
        return runner

    def progress_runner(step: str, fn: Callable[..., T], *args: Any,
                        label: str | None = None) -> T:
        name = f"step {step}" + (f" ({label})" if label else "")
        say(f"{name}: started")
        started = time.perf_counter()
        try:
            result = runner(step, fn, *args, label=label)
        except BaseException:
            say(f"{name}: failed after {time.perf_counter() - started:.1f} s")
            raise
        say(f"{name}: done in {time.perf_counter() - started:.1f} s")
        return result

    progress_runner._says_progress = True  # type: ignore[attr-defined]
    return progress_runner
