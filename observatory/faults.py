"""Fault injection: a documented test hook that kills the process at a named point of a run.

With `OBSERVATORY_FAULT=<name>` in the environment, the first `checkpoint(<name>)` the run
reaches sends SIGKILL to its own process: no `finally`, no `atexit`, no flush, as when the
machine loses power or the kernel's OOM killer strikes. Without the variable (always, outside
tests) `checkpoint` does nothing. `tests/test_fault_injection.py` uses it to prove that a run
killed anywhere leaves the published database as it was and that the next run completes the
work without duplicates.

The checkpoints, in the order a nightly run reaches them:

- `landed`: a BACI year file is landed under `warehouse.raw_dir` and its batch is `loading`
- `raw_loaded`: the batch's rows are in `raw`, the batch is `loaded`
- `validated`: a batch passed its gate (`validated`), not merged yet
- `merged`: a batch replaced its partition of core (`merged`); later batches are not
- `study`: the marts are rebuilt, the study refresh starts
- `watch`: the study is refreshed, the watch refresh starts
- `publication_staged`: the working database says `published` and its copy is written
- `reports_rendered`: the reports are rendered from that copy into a staging folder
- `snapshot_kept`: the previous published database is kept as a snapshot, not replaced yet
- `database_swapped`: the new database is published, the reports are not swapped yet
"""

from __future__ import annotations

import os
import signal

ENV_VAR = "OBSERVATORY_FAULT"

CHECKPOINTS = ("landed", "raw_loaded", "validated", "merged", "study", "watch",
               "publication_staged", "reports_rendered", "snapshot_kept", "database_swapped")


def checkpoint(name: str) -> None:
    """Kill this process with SIGKILL when `OBSERVATORY_FAULT` names this checkpoint."""
    if os.environ.get(ENV_VAR) == name:
        os.kill(os.getpid(), signal.SIGKILL)
