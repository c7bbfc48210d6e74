"""Analysts' files into `raw.file_records`, then `core.trade_flows` and `core.trade_totals`."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb

from observatory.errors import SourceError
from observatory.reference.codes import map_codes
from observatory.sources import Resource
from observatory.sources.files import client
from observatory.sources.files.settings import Profile
from observatory.warehouse.merge import replace_reported_partitions

TRADE_FLOWS = Resource(
    table="core.trade_flows",
    primary_key=("source", "reported_by", "freq", "year", "month", "exporter_iso3",
                 "importer_iso3", "classification", "product_code"),
    load_mode="replace_partition",
    partition=("source", "reporter", "flow", "freq", "year"),
)
TRADE_TOTALS = Resource(
    table="core.trade_totals",
    primary_key=("source", "reporter_iso3", "flow", "freq", "year", "month", "classification",
                 "product_code"),
    load_mode="replace_partition",
    partition=("source", "reporter_iso3", "flow", "freq", "year"),
)


def source_name(profile: Profile) -> str:
    return f"file:{profile.name}"


def land(path: Path, raw_dir: Path) -> tuple[Path, str]:
    """Copy the file under raw_dir/files/<sha256 prefix>/ (streamed); returns path, sha256.

    Raises SourceError naming the file when it is not a regular file (a directory, a FIFO,
    a device: never opened) or cannot be read."""
    client.check_regular_file(path)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    sha = digest.hexdigest()
    dest = raw_dir / "files" / sha[:16] / path.name
    if not dest.is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + f".{os.getpid()}.tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, dest)
    return dest, sha


def load_raw(con: duckdb.DuckDBPyConnection, path: Path, profile: Profile,
             batch_id: str) -> tuple[int, int, list[str]]:
    """Read the file in chunks into raw.file_records and map its country codes.

    Returns (rows read, breakdown rows among them, notes such as the encoding used).
    """
    for table in ("file_records", "file_batches", "file_code_map"):
        con.execute(f"delete from raw.{table} where batch_id = ?", [batch_id])
    con.execute(
        "insert into raw.file_batches values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [batch_id, profile.name, profile.reporter or None, bool(profile.partner_column),
         profile.flow, profile.decimal, profile.thousands, profile.value_multiplier,
         profile.quantity_unit, profile.reported_by, profile.classification],
    )
    rows = breakdown = 0
    notes: list[str] = []
    reporters: set[str] = set()
    partners: set[str] = set()
    for chunk, chunk_notes in client.read_chunks(path, profile):
        notes += chunk_notes
        rows += len(chunk)
        breakdown += int(chunk["is_breakdown"].sum())
        reporters.update(chunk["reporter"].dropna().unique())
        partners.update(chunk["partner"].dropna().unique())
        chunk.insert(0, "batch_id", batch_id)
        con.register("_file_chunk", chunk)
        try:
            con.execute("insert into raw.file_records by name select * from _file_chunk")
        finally:
            con.unregister("_file_chunk")
    code_rows = []
    for role, values, scheme in (("reporter", reporters, profile.reporter_codes),
                                 ("partner", partners, profile.partner_codes)):
        for raw_code, match in map_codes(values, scheme).items():
            code_rows.append([batch_id, role, raw_code, match.label, match.is_world])
    if code_rows:
        con.executemany("insert into raw.file_code_map values (?, ?, ?, ?, ?)", code_rows)
    if breakdown:
        notes.append(f"{breakdown} breakdown rows (mode of transport, customs procedure or "
                     "second partner) left out: only totals are kept")
    return rows, breakdown, notes


def merge(con: duckdb.DuckDBPyConnection, batch_id: str, source: str, release: str) -> dict[
        str, int]:
    """Replace the batch's partitions in core.trade_flows and core.trade_totals."""
    return replace_reported_partitions(con, "staging.stg_file_records", batch_id, source,
                                       release)
