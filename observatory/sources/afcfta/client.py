"""Read the analysts' files of this source (CSV or XLSX, as the AfCFTA e-Tariff Book and
the agreements' lists are downloaded) into text rows with their file line numbers.

A download may start with title lines ("AfCFTA e-Tariff Book", the search's parameters)
before its header: the header is the first line naming the required columns. CSV files are
UTF-8 (with or without a byte-order mark) or Windows-1252, separated by commas, semicolons
or tabs; a workbook is read from its first sheet, a row's number being its line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from observatory.errors import SourceError

HEADER_SEARCH_LINES = 30


@dataclass(frozen=True)
class Table:
    """A file's rows as text: `columns` maps our canonical names to the file's header,
    `years` the year columns (year -> header), `rows` (line number, {header: text})."""

    columns: dict[str, str]
    years: dict[int, str]
    rows: list[tuple[int, dict[str, str]]]
    encoding: str


def fold(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def read_table(path: Path, known: dict[str, tuple[str, ...]], required: tuple[str, ...],
               year_header: re.Pattern[str] | None = None) -> Table:
    """The rows of a CSV or XLSX file under its header (found among the first lines);
    raises SourceError naming the file and what is wrong (unreadable, no header with the
    required columns, a column given twice)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        lines, encoding = _xlsx_lines(path), "xlsx"
    else:
        lines, encoding = _csv_lines(path)
    aliases = {fold(a): name for name, spellings in known.items()
               for a in (name, *spellings)}
    for index, (_, cells) in enumerate(lines[:HEADER_SEARCH_LINES]):
        found = {aliases[fold(c)]: c for c in cells if fold(c) in aliases}
        if all(r in found for r in required):
            header, header_index = [c.strip() for c in cells], index
            break
    else:
        names = ", ".join(known[r][0] for r in required)
        raise SourceError(f"{path.name}: no header line with the columns {names} in its "
                          f"first {HEADER_SEARCH_LINES} lines")
    columns: dict[str, str] = {}
    years: dict[int, str] = {}
    for cell in header:
        if not cell:
            continue
        name = aliases.get(fold(cell))
        match = year_header.match(cell) if year_header else None
        target = name or (f"year:{match.group(1)}" if match else None)
        if target is None:
            continue
        if target in columns or (match and int(match.group(1)) in years):
            raise SourceError(f"{path.name}: column {cell!r} is given twice")
        if name:
            columns[name] = cell
        elif match:
            years[int(match.group(1))] = cell
    rows = []
    for line_number, cells in lines[header_index + 1:]:
        if not any(c.strip() for c in cells):
            continue
        padded = cells + [""] * (len(header) - len(cells))
        rows.append((line_number, {h: v.strip() for h, v in zip(header, padded, strict=False)
                                   if h}))
    return Table(columns, dict(sorted(years.items())), rows, encoding)


def _csv_lines(path: Path) -> tuple[list[tuple[int, list[str]]], str]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise SourceError(f"{path.name}: neither UTF-8 nor Windows-1252 text")
    if text.lstrip().startswith("<"):
        raise SourceError(f"{path.name}: an HTML or XML page, not a CSV export")
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_LINES])
    delimiter = max((",", ";", "\t"), key=sample.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines = []
    try:
        start = 1
        for cells in reader:
            lines.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceError(f"{path.name}: line {reader.line_num}: {exc}") from exc
    return lines, "utf-8" if encoding == "utf-8-sig" else encoding


def _xlsx_lines(path: Path) -> list[tuple[int, list[str]]]:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise SourceError(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
    try:
        sheet = book.worksheets[0]
        return [(number, ["" if v is None else _cell_text(v) for v in row])
                for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
