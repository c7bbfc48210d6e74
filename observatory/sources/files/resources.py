"""Analysts' files into `raw.file_records` (text, line numbers) and their code maps."""

from __future__ import annotations

from pathlib import Path

import duckdb

from observatory.reference.codes import map_codes
from observatory.sources.files import client
from observatory.sources.files.settings import Profile


def source_name(profile: Profile) -> str:
    return f"file:{profile.name}"


def load_raw(con: duckdb.DuckDBPyConnection, path: Path, profile: Profile,
             batch_id: str) -> tuple[int, int, list[str]]:
    """Read the file in chunks into raw.file_records and map its country codes.

    Returns (rows read, breakdown rows among them, notes such as the encoding used). With
    the profile's blank_values = "no_data", rows whose value is blank are not loaded: they
    are counted in raw.file_batches.blank_values and said in the notes.
    """
    for table in ("file_records", "file_batches", "file_code_map"):
        con.execute(f"delete from raw.{table} where batch_id = ?", [batch_id])
    con.execute(
        "insert into raw.file_batches (batch_id, profile, fixed_reporter, has_partner, flow, "
        "decimal_mark, thousands_mark, value_multiplier, quantity_unit, reported_by, "
        "classification) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [batch_id, profile.name, profile.reporter or None, bool(profile.partner_column),
         profile.flow, profile.decimal, profile.thousands, profile.value_multiplier,
         profile.quantity_unit, profile.reported_by, profile.classification],
    )
    rows = breakdown = blanks = 0
    notes: list[str] = []
    reporters: set[str] = set()
    partners: set[str] = set()
    for chunk, chunk_notes in client.read_chunks(path, profile):
        notes += chunk_notes
        rows += len(chunk)
        breakdown += int(chunk["is_breakdown"].sum())
        if profile.blank_values == "no_data":
            blank = (chunk["value"].isna() | (chunk["value"].str.strip() == "")) \
                .fillna(True).astype(bool) & ~chunk["is_breakdown"].astype(bool)
            blanks += int(blank.sum())
            chunk = chunk[~blank].copy()
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
    if blanks:
        con.execute("update raw.file_batches set blank_values = ? where batch_id = ?",
                    [blanks, batch_id])
        notes.append(f"{blanks:,} blank values read as no data (rows not loaded)")
    if breakdown:
        notes.append(f"{breakdown} breakdown rows (mode of transport, customs procedure or "
                     "second partner) left out: only totals are kept")
    return rows, breakdown, notes
