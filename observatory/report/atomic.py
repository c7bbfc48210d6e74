"""Write report files so that a reader never sees half of one: into a temporary file in the
same folder, then `os.replace` over the old file (which stays as it was if anything fails)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` (UTF-8, `\\n` line ends, mode 0644)."""

    def write(tmp_name: str, handle: int) -> None:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as tmp:
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())

    _replace(path, write)


def save_atomic(path: Path, save: Callable[[str], None]) -> None:
    """Let `save` write the file at a temporary name (a workbook's `save`), then move it
    to `path`."""

    def write(tmp_name: str, handle: int) -> None:
        os.close(handle)
        save(tmp_name)

    _replace(path, write)


def _replace(path: Path, write: Callable[[str, int], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        write(tmp_name, handle)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
