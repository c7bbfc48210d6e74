"""Read an analyst's file in bounded chunks, as text, with its line numbers.

CSV is streamed by pandas in chunks (encodings and decimal commas handled there); Parquet
by pyarrow record batches; XLSX (at most about a million rows by the format's design) is
read by openpyxl. Every value stays text here; typing and code mapping happen in SQL.

Whatever is wrong with the file (not a regular file, unreadable, empty, damaged, truncated,
in another format than the profile's) raises `SourceError` with one line naming the file.
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from observatory.errors import SourceError
from observatory.sources.batches import check_regular_file
from observatory.sources.files.settings import Profile, file_year

CHUNK_ROWS = 200_000
CANONICAL = {"reporter_column": "reporter", "partner_column": "partner",
             "product_column": "product", "year_column": "year", "month_column": "month",
             "flow_column": "flow", "value_column": "value",
             "quantity_column": "quantity", "classification_column": "classification"}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def file_format(path: Path, profile: Profile) -> str:
    if profile.format != "auto":
        return profile.format
    suffix = path.suffix.lower()
    formats = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx",
               ".parquet": "parquet"}
    if suffix not in formats:
        raise SourceError(f"{path.name}: cannot tell the format from '{suffix}'; "
                          "set the profile's format")
    return formats[suffix]


def detect_encoding(path: Path, profile: Profile) -> tuple[str, list[str]]:
    """The encoding to read with, and notes: UTF-8 (BOM or not) if the whole file decodes,
    else cp1252 (Windows Western European, as French spreadsheets save)."""
    if profile.encoding != "auto":
        return profile.encoding, []
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", []
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252", [f"{path.name}: not UTF-8, read as cp1252"]
    return "utf-8", []


def _check_not_html(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(512).lstrip(codecs.BOM_UTF8).lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")):
        raise SourceError(f"{path.name}: line 1: an HTML/XML page, not a data file")


def _line_of_byte(path: Path, position: int) -> int:
    with path.open("rb") as fh:
        return fh.read(position).count(b"\n") + 1


def _select(frame: pd.DataFrame, profile: Profile, path: Path) -> pd.DataFrame:
    """The profile's columns under their canonical names (text); the year is the profile's
    (year, or from the file name) when no column gives it."""
    missing = [c for c in profile.source_columns()
               if c not in frame.columns and c not in profile.optional_columns]
    if missing:
        raise SourceError(f"{path.name}: line {profile.skip_rows + 1}: missing column(s) "
                          f"{', '.join(missing)} (found: {', '.join(map(str, frame.columns))})")
    out = pd.DataFrame(index=frame.index)
    for key, canonical in CANONICAL.items():
        column = getattr(profile, key)
        present = column and column in frame.columns
        out[canonical] = frame[column].astype("string") if present else pd.NA
    year = file_year(profile, path.name)
    if year is not None:
        out["year"] = pd.Series(str(year), index=out.index, dtype="string")
    if profile.totals_only:
        for column, total in (("mot_code", "0"), ("customs_code", "C00"),
                              ("partner2_code", "0")):
            if column in frame.columns:
                value = frame[column].astype("string").str.strip()
                out[f"_{column}"] = value.fillna(total)
        keep = pd.Series(True, index=out.index)
        for column, total in (("mot_code", "0"), ("customs_code", "C00"),
                              ("partner2_code", "0")):
            if f"_{column}" in out.columns:
                keep &= out[f"_{column}"] == total
                out = out.drop(columns=f"_{column}")
        out["is_breakdown"] = ~keep
    else:
        out["is_breakdown"] = False
    return out


def read_chunks(path: Path, profile: Profile) -> Iterator[tuple[pd.DataFrame, list[str]]]:
    """Yield (chunk, notes): canonical text columns plus `line_number` (1 = header line)."""
    check_regular_file(path)
    kind = file_format(path, profile)
    try:
        if path.stat().st_size == 0:
            raise SourceError(f"{path.name}: the file is empty (0 bytes)")
        if kind == "parquet":
            yield from _parquet(path, profile)
            return
        _check_not_html(path)
        if kind == "xlsx":
            yield from _xlsx(path, profile)
            return
        yield from _csv(path, profile)
    except OSError as exc:  # e.g. permission denied, an I/O error of the disk
        raise SourceError(f"{path.name}: cannot be read ({exc.strerror or _one_line(exc)})") \
            from exc


def _rename(frame: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    if profile.column_style == "comtrade":
        from observatory.sources.formats import normalise_columns

        return normalise_columns(frame)
    return frame


def _csv(path: Path, profile: Profile) -> Iterator[tuple[pd.DataFrame, list[str]]]:
    encoding, notes = detect_encoding(path, profile)
    try:
        reader = pd.read_csv(
            path, sep=profile.delimiter, decimal=profile.decimal,
            thousands=profile.thousands or None, encoding=encoding, dtype=str,
            keep_default_na=False, na_values=[""], skiprows=profile.skip_rows,
            chunksize=CHUNK_ROWS, on_bad_lines="error", engine="c",
        )
        first_line = profile.skip_rows + 2  # the header is line skip_rows + 1
        for chunk in reader:
            chunk = _rename(chunk, profile)
            out = _select(chunk, profile, path)
            out.insert(0, "line_number", range(first_line, first_line + len(out)))
            first_line += len(out)
            yield out, notes
            notes = []
    except UnicodeDecodeError as exc:
        line = _line_of_byte(path, exc.start)
        raise SourceError(f"{path.name}: line {line}: not valid {encoding} "
                          f"(byte {exc.object[exc.start:exc.start + 1]!r}); set the profile's "
                          "encoding") from exc
    except pd.errors.ParserError as exc:
        raise SourceError(f"{path.name}: {str(exc).strip().splitlines()[-1]}") from exc
    except pd.errors.EmptyDataError as exc:
        raise SourceError(f"{path.name}: line 1: the file is empty") from exc


def _xlsx(path: Path, profile: Profile) -> Iterator[tuple[pd.DataFrame, list[str]]]:
    if not zipfile.is_zipfile(path):
        # An XLSX workbook is a zip archive; without its central directory (at the end of
        # the file) this is a truncated workbook or another format (a CSV saved as .xlsx,
        # an old binary .xls).
        raise SourceError(f"{path.name}: not a readable XLSX workbook (no complete zip "
                          "archive: truncated, damaged, or another format such as CSV; "
                          f"profile '{profile.name}' reads it as xlsx)")
    try:
        frame = pd.read_excel(path, sheet_name=profile.sheet or 0, dtype=str,
                              skiprows=profile.skip_rows, engine="openpyxl")
    except (ValueError, KeyError) as exc:  # e.g. no sheet of that name
        raise SourceError(f"{path.name}: cannot read the workbook: {_one_line(exc)}") from exc
    except Exception as exc:  # a damaged archive or XML: zipfile, zlib, XML parser errors
        raise SourceError(f"{path.name}: not a readable XLSX workbook "
                          f"({_one_line(exc)})") from exc
    frame = _rename(frame, profile)
    out = _select(frame, profile, path)
    # Text cells keep the file's number format (converted in staging with the profile's
    # marks); numeric cells arrive in Python's format, which a '.' thousands mark would
    # misread: such workbooks need thousands = "".
    out.insert(0, "line_number", range(profile.skip_rows + 2, profile.skip_rows + 2 + len(out)))
    yield out, []


def _parquet(path: Path, profile: Profile) -> Iterator[tuple[pd.DataFrame, list[str]]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise SourceError(f"{path.name}: not a readable Parquet file: "
                          f"{_one_line(exc)}") from exc
    first = 1  # Parquet has no header line: rows are numbered from 1
    batches = parquet.iter_batches(batch_size=CHUNK_ROWS)
    while True:
        try:
            batch = next(batches, None)
        except Exception as exc:  # the footer read, but a page is damaged or cut
            raise SourceError(f"{path.name}: rows from {first}: not readable Parquet data "
                              f"({_one_line(exc)})") from exc
        if batch is None:
            break
        frame = _rename(batch.to_pandas().astype("string"), profile)
        out = _select(frame, profile, path)
        out.insert(0, "line_number", range(first, first + len(out)))
        first += len(out)
        yield out, []
