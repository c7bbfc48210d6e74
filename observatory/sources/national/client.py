"""Read the Office des Changes' files as text, with their line (or sheet and row) numbers.

`read_annual` reads the annual table by partner and flow and unpivots its year columns:
one record per (line, year) with the value as written (`1132030,866`); a blank cell is "no
data" (counted, not a record). `read_workbook` reads the monthly CVS-CJO workbook: one
record per (sheet, row, column). Typing, units, codes and rates are staging's.

Whatever is wrong with a file (not a regular file, empty, an HTML page saved under the
file's name, not UTF-8, a truncated last line, an unknown column, a cell that is not a
number or a month) raises `SourceError`: one line naming the file, the line (or sheet and
row) and the field.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from observatory.errors import SourceError
from observatory.sources.batches import check_regular_file
from observatory.sources.national import settings
from observatory.text import shown

RECORD_COLUMNS = ["line_number", "partner_code", "partner_label", "flow_code", "flow_label",
                  "field", "year", "value_text"]
SERIES_COLUMNS = ["line_number", "sheet", "row_number", "field", "series", "flow",
                  "groupement", "year", "month", "value", "unit_multiplier", "adjusted"]


@dataclass
class NationalFile:
    """What was read from one file: its records, its lines as read (for the quarantine),
    and what the reading noticed (blank cells, sheets left aside)."""

    kind: str  # annual | monthly
    records: pd.DataFrame
    lines: pd.DataFrame
    data_lines: int
    blank_values: int = 0
    years: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "annual"
    if suffix == ".xlsx":
        return "monthly"
    raise SourceError(f"{path.name}: '{suffix}' is neither an Office des Changes annual table "
                      "(.csv) nor a monthly CVS-CJO workbook (.xlsx)")


def read(path: Path) -> NationalFile:
    """The file's records, by kind (from its extension)."""
    kind = file_kind(path)
    check_regular_file(path)
    try:
        if path.stat().st_size == 0:
            raise SourceError(f"{path.name}: line 1: the file is empty (0 bytes)")
        _check_not_html(path, kind)
        return read_annual(path) if kind == "annual" else read_workbook(path)
    except OSError as exc:  # permission denied, an I/O error of the disk
        raise SourceError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc


def fold_header(text: str) -> str:
    """A header as compared: accents and case folded, spaces collapsed ("Libellé du
    pays" and "LIBELLE  DU PAYS" are one)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _check_not_html(path: Path, kind: str) -> None:
    with path.open("rb") as fh:
        head = fh.read(512).removeprefix(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"<"):
        where = ("line 1, field 'Code du pays'" if kind == "annual" else "line 1")
        expected = ("the Office des Changes table's header" if kind == "annual"
                    else "an XLSX workbook")
        raise SourceError(f"{path.name}: {where}: an HTML or XML page (a web page saved "
                          f"under the file's name?) where {expected} should be")


# --------------------------------------------------------------------------- annual CSV


class _Lines:
    """The file's lines decoded as UTF-8 (BOM dropped), remembering the last one read; a
    byte that is not UTF-8 stops the read naming its line and field."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.number = 0
        self.last = ""
        self.header: list[str] = []

    def __iter__(self) -> Iterator[str]:
        with self.path.open("rb") as fh:
            for raw in fh:
                self.number += 1
                if self.number == 1:
                    raw = raw.removeprefix(codecs.BOM_UTF8)
                try:
                    self.last = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise SourceError(
                        f"{self.path.name}: line {self.number}, field "
                        f"{self._field_at(raw, exc.start)}: not valid UTF-8 (byte "
                        f"{raw[exc.start:exc.start + 1]!r}); Office des Changes files are "
                        "UTF-8 (with a BOM): save the file as UTF-8") from None
                yield self.last

    def _field_at(self, raw: bytes, position: int) -> str:
        index = raw[:position].count(b";")
        if self.number == 1 or index >= len(self.header):
            cell = raw.split(b";")[index].decode("utf-8", "replace").strip().strip('"')
            return shown(cell) if self.number == 1 else f"{index + 1}"
        return shown(self.header[index])


def read_annual(path: Path) -> NationalFile:
    """The annual table by partner and flow, unpivoted: one record per (line, year)."""
    lines = _Lines(path)
    reader = csv.reader(lines, delimiter=";", strict=True)
    records: list[tuple[Any, ...]] = []
    kept: list[tuple[int, str]] = []
    blanks = 0
    try:
        header = next(reader, None)
        if header is None:
            raise SourceError(f"{path.name}: line 1: the file is empty")
        lines.header = [h.strip() for h in header]
        columns = _annual_columns(path.name, lines.header)
        width = len(header)
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # an empty line
            if len(row) != width:
                raise SourceError(_width_error(path.name, number, row, lines.header))
            cells = [c.strip() for c in row]
            for index in columns["unnamed"]:
                if cells[index]:
                    raise SourceError(f"{path.name}: line {number}, field {index + 1}: "
                                      f"{shown(cells[index])} in a column without a header")
            code = cells[columns["code"]].upper()
            label = cells[columns["label"]] if columns["label"] is not None else None
            flow = cells[columns["flow"]]
            flow_label = (cells[columns["flow_label"]]
                          if columns["flow_label"] is not None else None)
            for index, year in columns["years"]:
                value = cells[index]
                if not value:
                    blanks += 1
                    continue
                records.append((number, code, label, flow, flow_label, lines.header[index],
                                year, value))
            kept.append((number, ";".join(row)))
    except csv.Error as exc:
        raise SourceError(_quote_error(path.name, lines, exc)) from None
    return NationalFile(
        "annual", pd.DataFrame(records, columns=RECORD_COLUMNS),
        pd.DataFrame(kept, columns=["line_number", "record"]), data_lines=len(kept),
        blank_values=blanks, years=sorted(y for _, y in columns["years"]))


def _annual_columns(name: str, header: list[str]) -> dict[str, Any]:
    """Where each field is, by its folded header; an unknown column stops the read."""
    found: dict[str, int] = {}
    years: list[tuple[int, int]] = []
    unnamed: list[int] = []
    for index, text in enumerate(header):
        folded = fold_header(text)
        year = settings.YEAR_HEADER.match(folded)
        if not folded:
            unnamed.append(index)
        elif year:
            if any(y == int(year.group(1)) for _, y in years):
                raise SourceError(f"{name}: line 1, field {shown(text)}: the year "
                                  f"{year.group(1)} has two columns")
            years.append((index, int(year.group(1))))
        elif folded in (*settings.REQUIRED_HEADERS, *settings.OPTIONAL_HEADERS):
            found[folded] = index
        else:
            raise SourceError(
                f"{name}: line 1, field {shown(text)}: not a column of the Office des Changes "
                "annual table (Code du pays, Libellé du pays, Code du flux, Libellé du flux, "
                "Valeur DHS <year>)")
    missing = [h for h in settings.REQUIRED_HEADERS if h not in found]
    if missing or not years:
        wanted = [*missing, *([] if years else ["Valeur DHS <year>"])]
        raise SourceError(f"{name}: line 1: missing column(s) {', '.join(wanted)} (found: "
                          f"{', '.join(h for h in header if h) or 'none'})")
    return {"code": found[settings.PARTNER_CODE], "label": found.get(settings.PARTNER_LABEL),
            "flow": found[settings.FLOW_CODE], "flow_label": found.get(settings.FLOW_LABEL),
            "years": years, "unnamed": unnamed}


def _width_error(name: str, number: int, row: list[str], header: list[str]) -> str:
    if len(row) < len(header):
        return (f"{name}: line {number}, field {shown(header[len(row)] or len(row) + 1)}: "
                f"missing (the line has {len(row)} of the header's {len(header)} fields: a "
                "truncated file?)")
    return (f"{name}: line {number}, field {len(header) + 1}: the line has {len(row)} fields, "
            f"the header {len(header)} (a ';' inside a value that is not quoted?)")


def _quote_error(name: str, lines: _Lines, exc: csv.Error) -> str:
    """The line and field where a quoted value never ends (a file cut in the middle)."""
    text = lines.last.rstrip("\r\n")
    try:
        fields = next(csv.reader([text + '"'], delimiter=";"))
    except csv.Error:
        fields = text.split(";")
    index = len(fields) - 1
    label = lines.header[index] if index < len(lines.header) and lines.header[index] else \
        index + 1
    return (f"{name}: line {lines.number}, field {shown(label)}: the file ends inside a quoted "
            f"value ({exc}: a truncated file?)")


# --------------------------------------------------------------------- monthly workbook


def read_workbook(path: Path) -> NationalFile:
    """The monthly CVS-CJO workbook: one record per (sheet, row, column) of the known
    sheets (`settings.SHEETS`); other sheets are named in the notes."""
    if not zipfile.is_zipfile(path):
        raise SourceError(f"{path.name}: not a readable XLSX workbook (no complete zip "
                          "archive: truncated, damaged, or another format such as CSV)")
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, zlib and XML parser errors of a damaged workbook
        raise SourceError(f"{path.name}: not a readable XLSX workbook "
                          f"({type(exc).__name__}: {' '.join(str(exc).split())})") from exc
    records: list[tuple[Any, ...]] = []
    lines: list[tuple[int, str]] = []
    blanks = 0
    left: list[str] = []
    try:
        for sheet in book.worksheets:
            known = settings.SHEETS.get(sheet.title.strip())
            if known is None:
                left.append(sheet.title)
                continue
            blanks += _read_sheet(path.name, sheet, known, records, lines)
    except SourceError:
        raise
    except Exception as exc:  # a sheet whose XML is cut or damaged
        raise SourceError(f"{path.name}: not a readable XLSX workbook "
                          f"({type(exc).__name__}: {' '.join(str(exc).split())})") from exc
    finally:
        book.close()
    if not lines:
        raise SourceError(f"{path.name}: none of the sheets {', '.join(settings.SHEETS)} "
                          f"(found: {', '.join(repr(s) for s in book.sheetnames)})")
    notes = [f"sheet(s) not read: {', '.join(repr(s) for s in left)}"] if left else []
    years = sorted({r[7] for r in records})
    return NationalFile("monthly", pd.DataFrame(records, columns=SERIES_COLUMNS),
                        pd.DataFrame(lines, columns=["line_number", "record"]),
                        data_lines=len(lines), blank_values=blanks, years=years, notes=notes)


def _read_sheet(name: str, sheet: Any, known: tuple[str, str | None, float],
                records: list[tuple[Any, ...]], lines: list[tuple[int, str]]) -> int:
    series, sheet_flow, multiplier = known
    where = f"{name}: sheet {sheet.title!r}"
    rows = sheet.iter_rows(values_only=True)
    header = [("" if h is None else str(h).strip()) for h in next(rows, ())]
    if not header or fold_header(header[0]) != settings.DATE_HEADER:
        raise SourceError(f"{where}, row 1, field 'A': expected the header "
                          f"{settings.DATE_HEADER!r}, found {shown(header[0] if header else '')}")
    columns = []
    for index, text in enumerate(header[1:], start=1):
        if not text:
            continue  # an empty column (the import sheet has one); a value there is an error
        flow = sheet_flow or _flow_of(where, index, text)
        groupement = None if series == "total" else \
            text.removesuffix(settings.ADJUSTED_SUFFIX).strip()
        columns.append((index, text, flow, groupement,
                        settings.ADJUSTED_SUFFIX in text.upper()))
    blanks = 0
    for number, row in enumerate(rows, start=2):
        cells = list(row) + [None] * (len(header) - len(row))
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        year, month = _month(where, number, cells[0])
        line = len(lines) + 1
        for index, cell in enumerate(cells[1:], start=1):
            if index >= len(header) or not header[index]:
                if cell is not None and str(cell).strip():
                    raise SourceError(f"{where}, row {number}, column {index + 1}: "
                                      f"{shown(cell)} in a column without a header")
        for index, text, flow, groupement, adjusted in columns:
            value = _number(where, number, text, cells[index])
            if value is None:
                blanks += 1
                continue
            records.append((line, sheet.title, number, text, series, flow, groupement, year,
                            month, value, multiplier, adjusted))
        shown_cells = " | ".join("" if c is None else str(c) for c in cells[:len(header)])
        lines.append((line, f"sheet {sheet.title!r}, row {number}: {shown_cells}"))
    return blanks


def _flow_of(where: str, index: int, text: str) -> str:
    folded = fold_header(text)
    if "export" in folded:
        return "X"
    if "import" in folded:
        return "M"
    raise SourceError(f"{where}, row 1, field {shown(text)}: neither an export nor an import "
                      "series")


def _month(where: str, number: int, cell: Any) -> tuple[int, int]:
    if isinstance(cell, dt.datetime | dt.date):
        return cell.year, cell.month
    text = str(cell).strip() if cell is not None else ""
    parts = text.replace("/", "-").split("-")
    if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit() and len(parts[0]) == 4 \
            and 1 <= int(parts[1]) <= 12:
        return int(parts[0]), int(parts[1])
    raise SourceError(f"{where}, row {number}, field 'date': {shown(cell)} is not a month "
                      "(a date, or YYYY-MM)")


def _number(where: str, number: int, field_name: str, cell: Any) -> float | None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, bool):
        raise SourceError(f"{where}, row {number}, field {shown(field_name)}: {cell!r} is not "
                          "a number")
    if isinstance(cell, int | float):
        return float(cell)
    text = "".join(str(cell).split()).replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise SourceError(f"{where}, row {number}, field {shown(field_name)}: {shown(cell)} is "
                          "not a number") from None
