"""Checksum manifests: prove that a published database (or a snapshot) is still the file the
job wrote.

The job never writes a published file in place: it streams the working database into a new
file, hashing the bytes as it writes them, and renames that file over the published one. The
SHA-256 of those bytes is recorded in a manifest beside the file, `<file>.sha256`: JSON with
`sha256`, `size`, `mtime_ns` (the file's size and modification time when it was published,
its "signature"), `run_id` and `seq` (the publication). Each snapshot gets its own manifest.

A manifest may name a second entry, `previous`: the file it replaced. The manifest is written
before the rename, so a reader (or a run killed) between the two still finds the file it sees
in the manifest. A file without a manifest was written by an older version: it is accepted as
it is.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from observatory.errors import DamagedDatabase

MANIFEST_SUFFIX = ".sha256"
CHUNK_BYTES = 4 << 20


@dataclass(frozen=True)
class Manifest:
    """What a published file (or snapshot) was when the job wrote it."""

    sha256: str
    size: int
    mtime_ns: int
    run_id: str | None = None
    seq: int | None = None

    def signature_matches(self, path: Path) -> bool:
        stat = path.stat()
        return (stat.st_size, stat.st_mtime_ns) == (self.size, self.mtime_ns)


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def copy_hashed(source: Path, target: Path) -> tuple[str, int]:
    """Copy `source` to `target` (created or truncated) and fsync it; the SHA-256 and size
    of the bytes written, hashed as they are copied (the source is read once)."""
    digest = hashlib.sha256()
    size = 0
    buffer = bytearray(CHUNK_BYTES)
    view = memoryview(buffer)
    with open(source, "rb") as src, open(target, "wb") as dst:
        while n := src.readinto(buffer):
            digest.update(view[:n])
            dst.write(view[:n])
            size += n
        dst.flush()
        os.fsync(dst.fileno())
    return digest.hexdigest(), size


def file_sha256(path: Path) -> tuple[str, int]:
    """The SHA-256 and size of a file, read once."""
    digest = hashlib.sha256()
    size = 0
    buffer = bytearray(CHUNK_BYTES)
    view = memoryview(buffer)
    with open(path, "rb") as fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
            size += n
    return digest.hexdigest(), size


def describe(path: Path, sha256: str, run_id: str | None, seq: int | None) -> Manifest:
    """The manifest entry of a file whose SHA-256 is known, with its current signature."""
    stat = path.stat()
    return Manifest(sha256, stat.st_size, stat.st_mtime_ns, run_id, seq)


def read_manifest(path: Path) -> list[Manifest] | None:
    """The entries of `path`'s manifest (its own, then the file it replaced), or None when
    there is no manifest. An unreadable manifest raises DamagedDatabase."""
    where = manifest_path(path)
    try:
        text = where.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DamagedDatabase(f"{where}: cannot read the checksum manifest of {path.name}: "
                              f"{exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
        entries = [data] + ([data["previous"]] if data.get("previous") else [])
        return [Manifest(str(e["sha256"]), int(e["size"]), int(e["mtime_ns"]),
                         e.get("run_id"), e.get("seq")) for e in entries]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise DamagedDatabase(f"{where}: the checksum manifest of {path.name} is not valid "
                              "JSON with sha256, size and mtime_ns") from exc


def write_manifest(path: Path, entry: Manifest, previous: Manifest | None = None) -> None:
    """Write `path`'s manifest atomically (a temporary file renamed over it)."""
    data: dict[str, object] = asdict(entry)
    data["previous"] = asdict(previous) if previous else None
    where = manifest_path(path)
    tmp = where.with_name(f".{where.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, where)


def remove_manifest(path: Path) -> None:
    manifest_path(path).unlink(missing_ok=True)


def verify(path: Path, *, quick: bool = False) -> Manifest | None:
    """Check a file against its manifest: the entry it matches, or None when it has no
    manifest (accepted as it is). Raises DamagedDatabase, one line naming the file, when the
    file is not what its manifest records.

    `quick`: a file whose size and modification time are the recorded ones is taken as
    intact without reading it; any other is read in full. Otherwise the file is read in full.
    """
    entries = read_manifest(path)
    if entries is None:
        return None
    try:
        if quick:
            found = next((e for e in entries if e.signature_matches(path)), None)
            if found is not None:
                return found
        sha, size = file_sha256(path)
    except OSError as exc:
        raise DamagedDatabase(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    found = next((e for e in entries if (e.sha256, e.size) == (sha, size)), None)
    if found is None:
        # A publication may have swapped the file and its manifest meanwhile (the manifest
        # first, then the file): the manifest read again names the file that was hashed.
        entries = read_manifest(path) or entries
        found = next((e for e in entries if (e.sha256, e.size) == (sha, size)), None)
    if found is None:
        raise DamagedDatabase(
            f"{path}: damaged: its content no longer matches its checksum manifest "
            f"{manifest_path(path).name} (recorded when run {entries[0].run_id} published it)")
    return found
