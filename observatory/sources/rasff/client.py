"""Read RASFF Window export files (CSV or XLSX) as text, with line numbers, and parse the
two fields the export garbles: the reference (stored as a float) and the timestamp (two
formats in one file).

Every malformed input raises `SourceError` with one line naming the file, the line and the
field: a missing column, an HTML page saved instead of the export, a row with the wrong
number of fields, a reference or date that cannot be read.
"""

from __future__ import annotations

import codecs
import csv
import io
from datetime import datetime
from pathlib import Path

import pandas as pd

from observatory.errors import SourceError
from observatory.sources.rasff import settings


def read_export(path: Path) -> pd.DataFrame:
    """The export's columns as text ('' when empty) plus `line_number` (the header is line 1;
    for XLSX, the sheet row). Optional columns that the file lacks are added empty."""
    if not path.is_file():
        raise SourceError(f"{path}: file not found")
    _check_not_html(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        frame = _read_xlsx(path)
    elif suffix in (".csv", ".txt", ""):
        frame = _read_csv(path)
    else:
        raise SourceError(f"{path.name}: unknown export format '{suffix}' (expected .csv or "
                          ".xlsx)")
    missing = [c for c in settings.REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise SourceError(f"{path.name}: line 1: missing column(s) {', '.join(missing)} "
                          f"(found: {', '.join(c for c in frame.columns if c != 'line_number')})")
    for column in settings.COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    return frame[["line_number", *settings.COLUMNS]]


def _check_not_html(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(512).lstrip(codecs.BOM_UTF8).lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")):
        raise SourceError(f"{path.name}: line 1: an HTML/XML page, not a RASFF export "
                          "(was a login or error page saved?)")


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves CSV as cp1252 (Western European).
        return data.decode("cp1252", errors="strict")


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        text = _decode(path)
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise SourceError(f"{path.name}: line {line}: neither UTF-8 nor cp1252 text") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise SourceError(f"{path.name}: line 1: empty file, expected a header") from None
    rows: list[list[str]] = []
    lines: list[int] = []
    start = reader.line_num + 1
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                start = reader.line_num + 1
                continue
            if len(record) != len(header):
                raise SourceError(f"{path.name}: line {start}: {len(record)} fields, the "
                                  f"header has {len(header)}")
            rows.append(record)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceError(f"{path.name}: line {reader.line_num}: {exc}") from exc
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame.insert(0, "line_number", lines)
    return frame


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise SourceError(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("").astype(str)
    frame.insert(0, "line_number", range(2, 2 + len(frame)))
    return frame


def repair_reference(raw: str, where: str) -> str:
    """"YYYY.NNNN" from the export's float-mangled reference.

    The export stored references as floats, which drop trailing zeros of the four-digit
    number: 2024.0010 became 2024.001, 2024.1000 became 2024.1, 2024.0100 became 2024.01.
    Leading zeros survive, so right-padding the fraction with zeros to four digits restores
    the reference exactly (2024.001 -> 2024.0010, 2024.962 -> 2024.9620). References already
    written with four digits are kept. A fifth digit (numbers past 9999 in one year, not seen
    in 2024-2025 exports) cannot be told apart from a padded four-digit number, so such a
    value is rejected rather than guessed. `where` is "file: line N" for the error message.
    """
    text = raw.strip()
    match = settings.RAW_REFERENCE.match(text)
    if not match:
        raise SourceError(f"{where}: reference: {raw!r} is not YYYY.NNNN")
    year, number = match.group(1), match.group(2) or ""
    return f"{year}.{number.ljust(settings.REFERENCE_DIGITS, '0')}"


def parse_timestamp(raw: str, where: str) -> datetime:
    """A notification timestamp in any format of `settings.DATE_FORMATS`."""
    text = " ".join(raw.split())
    for fmt in settings.DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise SourceError(f"{where}: date: {raw!r} is not a date in a known format "
                      f"(e.g. 2024-01-02 10:21:09 or 02-01-2024 10:21:09)")


def parse_timestamps(values: pd.Series, lines: pd.Series, file_name: str) -> pd.Series:
    """Vectorised `parse_timestamp`: each format tried in turn on what is still unparsed."""
    text = values.astype(str).str.split().str.join(" ")
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in settings.DATE_FORMATS:
        todo = out.isna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    bad = out.isna()
    if bad.any():
        position = int(bad.to_numpy().argmax())
        raw = str(values.iloc[position])
        where = f"{file_name}: line {lines.iloc[position]}"
        parse_timestamp(raw, where)
        raise SourceError(f"{where}: date: {raw!r} cannot be read")
    return out
