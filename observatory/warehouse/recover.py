"""`observatory recover`: replace a damaged working database with a verified copy of the
published database (or of a snapshot).

The published database is a full copy of the working one as it was at that publication, so
the copy keeps the alert and study history up to it; the next run loads again what came
after it (its inputs are not in the copy's load ledger). The damaged file is moved aside,
never deleted. The other recovery, a rebuild from the landed files, needs no command: move
the working database aside and run the nightly job (README, Operations, "Recover a damaged
working database").
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from observatory.errors import WarehouseError
from observatory.warehouse import publish


@dataclass(frozen=True)
class Recovery:
    source: Path  # the published database or snapshot copied
    run_id: str | None  # the run that published it
    published_at: datetime | None
    sha256: str
    moved_aside: list[Path]  # the damaged working database (and its .wal), renamed


def recover_work(work: Path, published: Path, from_run: str | None = None) -> Recovery:
    """Copy the published database (or run `from_run`'s, published or a snapshot) over the
    working database, verified by its checksum while it is copied; the working database and
    its write-ahead log are moved aside first as `<work>.damaged-<UTC time>`. The caller
    holds the run lock."""
    source = _source(published, from_run)
    snapshots = ", ".join(s.run_id for s in publish.list_snapshots(published)) or "none"
    tmp = work.with_name(f".{work.name}.recover.tmp")
    entry = publish.verified_copy(
        source, tmp, f"recover from a snapshot instead: `observatory recover --from RUN_ID` "
                     f"(snapshots: {snapshots})")
    recorded = publish.publication(tmp)
    try:
        moved = _move_aside(work)
        os.replace(tmp, work)
        publish.fsync_dir(work.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WarehouseError(f"{work}: cannot put the recovered copy in place: {exc}") from exc
    return Recovery(source, entry.run_id, recorded.published_at if recorded else None,
                    entry.sha256, moved)


def _source(published: Path, from_run: str | None) -> Path:
    current = publish.publication(published) if published.is_file() else None
    if from_run is None or (current is not None and current.run_id == from_run):
        if not published.is_file():
            raise WarehouseError(
                f"{published}: no published database to recover from; move the working "
                "database aside and run `observatory nightly` to rebuild it from the landed "
                "files")
        return published
    snapshots = publish.list_snapshots(published)
    for snap in snapshots:
        if snap.run_id == from_run:
            return snap.path
    available = ", ".join(s.run_id for s in snapshots) or "none"
    raise WarehouseError(f"--from {from_run}: neither the published database nor a snapshot "
                         f"is that run's (published: run {current.run_id if current else '?'}; "
                         f"snapshots: {available})")


def _move_aside(work: Path) -> list[Path]:
    """Rename the working database and its write-ahead log to `<work>.damaged-<UTC time>`
    (and `.wal`); returns the new names."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = work.with_name(f"{work.name}.damaged-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = work.with_name(f"{work.name}.damaged-{stamp}-{n}")
    moved = []
    wal, aside_wal = (p.with_name(p.name + ".wal") for p in (work, aside))
    for path, target in ((work, aside), (wal, aside_wal)):
        if path.exists():
            os.replace(path, target)
            moved.append(target)
    return moved
