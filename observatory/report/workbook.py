"""Write the study tables to one Excel workbook, for analysts who filter and pivot them.

`write_study_workbook` reads the published database (select statements only) and writes a
README sheet (parameters, markets, data vintages, what each sheet holds, units) and one
sheet per study mart, declared in the catalogue (`catalogue.SHEETS`): its columns in order,
the header of each (its unit in parentheses: "Exportations du pays (USD)"), its number
format and the sort. A column a mart has and the catalogue does not declare still reaches
the sheet, after the declared ones, under its own name. Each table sheet has a note row
naming its source table (and saying when rows were left out), then the frozen and filtered
header row, then the rows. Rows are streamed (openpyxl write-only mode) and the file is
written to a temporary name, then moved in place: readers never see half a workbook.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from observatory.errors import WarehouseError
from observatory.report import catalogue, parameters
from observatory.report.atomic import save_atomic
from observatory.report.columns import TRANSLATED, Column, Table
from observatory.report.filenames import STUDY_WORKBOOK_FILES
from observatory.report.formatting import check_language
from observatory.report.published import PublishedTables
from observatory.report.texts import translations

__all__ = ["STUDY_WORKBOOK_FILES", "TABLE_SHEETS", "write_study_workbook"]

ROW_CAP = 500_000  # per sheet: Excel's limit is 1,048,576 rows
MARKET_SHARES_CAP = 25_000  # above this, market_product_shares keeps its last year only
TOP_COUNTRIES = 20  # complexity_countries: the home country and the top countries by ECI
FETCH_ROWS = 10_000
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell

# The table sheets, in the report's order (study_changes only when the table exists).
TABLE_SHEETS = tuple(sheet.key for sheet in catalogue.SHEETS)

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E9F1F7")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="bottom")
NOTE_FONT = Font(italic=True, color="5B6472")
TITLE_FONT = Font(bold=True, size=14)


@dataclass(frozen=True)
class SheetQuery:
    """What one table sheet shows: its rows' query and the notes of its first row."""

    sql: str
    params: list[Any]
    total: int
    notes: list[str]


@dataclass(frozen=True)
class SheetOutcome:
    sheet: str
    table: str
    rows: int
    notes: list[str]


def type_format(type_name: str) -> str | None:
    """The number format of a column the catalogue does not declare, from its DuckDB type."""
    if type_name in ("DOUBLE", "FLOAT", "REAL") or type_name.startswith("DECIMAL"):
        return "0.000"
    if type_name in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT"):
        return "#,##0"
    return None


def column_width(header: str, *, text: bool, wide: bool = False) -> float:
    if wide:
        return 50
    base = 12 if text else 16
    return min(max(base, len(header) * 0.9 + 2), 40)


def _cell_value(value: Any) -> Any:
    """A value openpyxl can store: no NaN or infinity, no time zone, no control character,
    no string longer than a cell holds."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARS]
    if isinstance(value, list | tuple | dict):
        return str(value)[:MAX_CELL_CHARS]
    return value


class _SheetWriter:
    """Appends styled rows to one write-only sheet."""

    def __init__(self, book: Workbook, title: str) -> None:
        if len(title) > 31 or any(c in title for c in "[]:*?/\\"):
            raise ValueError(f"workbook: {title!r} is not a valid sheet name")
        self.sheet = book.create_sheet(title)

    def cell(self, value: Any, number_format: str | None = None, font: Font | None = None) -> Any:
        """A cell, or the bare value when it needs no style (openpyxl wraps it faster)."""
        value = _cell_value(value)
        formula_like = isinstance(value, str) and value.startswith("=")
        formatted = (
            number_format is not None
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        )
        if not (formula_like or formatted or font is not None):
            return value
        cell = WriteOnlyCell(self.sheet, value=value)
        if formula_like:
            cell.data_type = "s"  # text, never a formula (descriptions come from data)
        if formatted:
            cell.number_format = number_format
        if font is not None:
            cell.font = font
        return cell

    def note(self, text: str) -> None:
        self.sheet.append([self.cell(text, font=NOTE_FONT)])

    def header(self, labels: list[str]) -> None:
        cells = []
        for label in labels:
            cell = self.cell(label, font=HEADER_FONT)
            cell.fill = HEADER_FILL
            cell.alignment = HEADER_ALIGNMENT
            cells.append(cell)
        self.sheet.append(cells)


def _fetch_batches(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]
) -> tuple[list[tuple[str, str]], Iterator[list[tuple[Any, ...]]]]:
    try:
        result = con.execute(sql, params)
        columns = [(d[0], str(d[1])) for d in result.description or []]
    except duckdb.Error as exc:
        raise WarehouseError(f"workbook: cannot read the published database: {exc}") from exc

    def batches() -> Iterator[list[tuple[Any, ...]]]:
        while rows := result.fetchmany(FETCH_ROWS):
            yield rows

    return columns, batches()


class StudyWorkbook:
    """Builds the workbook: the sheets' queries from their declarations, and the README."""

    def __init__(self, con: duckdb.DuckDBPyConnection, lang: str) -> None:
        self.con = con
        self.lang = lang
        self.t = translations(lang)
        self.tables = PublishedTables(con, "study report")
        self.params = parameters.study_parameters(self.tables) or {}

    def _home(self) -> str:
        return str(self.params.get("home_iso3") or "")

    # --- table sheets ------------------------------------------------------------------

    def sheets(self) -> list[Table]:
        """Every table sheet, in the report's order (study_changes when its table exists)."""
        return [
            sheet
            for sheet in catalogue.SHEETS
            if sheet.key != "study_changes" or self.tables.has(sheet.source)
        ]

    def select_list(
        self, sheet: Table, alias: str = "", derived: dict[str, str] | None = None
    ) -> str:
        """The declared columns the table has (and the `derived` expressions the query adds)
        in the declared order, then the columns the catalogue does not declare."""
        present = self.tables.columns(sheet.source)
        declared = {c.key for c in sheet.columns}
        items = []
        for column in sheet.columns:
            if column.derived:
                if derived and column.key in derived:
                    items.append(f"{derived[column.key]} as {column.key}")
            elif column.key in present:
                items.append(f'{alias}"{column.key}"')
        items += [f'{alias}"{name}"' for name in present if name not in declared]
        return ", ".join(items)

    def query(self, sheet: Table) -> SheetQuery:
        table = sheet.source
        total = self.tables.count(table)
        source = self.t["wb_sheet_source"].format(table=table)
        special = getattr(self, f"_query_{sheet.key}", None)
        if special is not None:
            query: SheetQuery = special(sheet, total, source)
        else:
            query = SheetQuery(
                f"select {self.select_list(sheet)} from {table}{self._order(sheet)}",
                [],
                total,
                [source],
            )
        if query.total > ROW_CAP:
            note = self.t["wb_capped"].format(shown=ROW_CAP, total=query.total)
            query = SheetQuery(
                f"{query.sql} limit {ROW_CAP}", query.params, ROW_CAP, [*query.notes, note]
            )
        return query

    def _order(self, sheet: Table) -> str:
        """The sheet's sort order, on the columns its table has."""
        present = set(self.tables.columns(sheet.source))
        keys = [key for key in sheet.order if key.split()[0] in present]
        return f" order by {', '.join(keys)}" if keys else ""

    def _query_product_competitiveness(self, sheet: Table, total: int, source: str) -> SheetQuery:
        """Only the products the home country trades: the world's other codes (most rows)
        stay in the database."""
        table = sheet.source
        where = " where home_exports_usd > 0 or home_imports_usd > 0"
        rows = int(self.tables.value(f"select count(*) from {table}{where}") or 0)
        note = self.t["wb_home_trades_only"].format(shown=rows, total=total)
        sql = f"select {self.select_list(sheet)} from {table}{where}{self._order(sheet)}"
        return SheetQuery(sql, [], rows, [source, note])

    def _query_market_product_shares(self, sheet: Table, total: int, source: str) -> SheetQuery:
        """HS6 rows (the other levels, HS4, HS2 and CN8, stay in the database); above the
        cap, the last year only."""
        table, columns, order = sheet.source, self.select_list(sheet), self._order(sheet)
        notes = [source]
        where = ""
        if "level" in self.tables.columns(table):
            where = " where level = 'hs6'"
            hs6 = int(self.tables.value(f"select count(*) from {table}{where}") or 0)
            if hs6 < total:
                notes.append(self.t["wb_hs6_only"].format(shown=hs6, total=total))
            total = hs6
        if total <= MARKET_SHARES_CAP:
            return SheetQuery(f"select {columns} from {table}{where}{order}", [], total, notes)
        year = self.tables.value(f"select max(year) from {table}{where}")
        where = f"{where} and year = ?" if where else " where year = ?"
        rows = int(self.tables.value(f"select count(*) from {table}{where}", [year]))
        notes.append(self.t["wb_last_year_only"].format(year=year, total=total))
        sql = f"select {columns} from {table}{where}{order}"
        if rows > MARKET_SHARES_CAP:
            sql += f" limit {MARKET_SHARES_CAP}"
            notes.append(self.t["wb_capped"].format(shown=MARKET_SHARES_CAP, total=rows))
            return SheetQuery(sql, [year], MARKET_SHARES_CAP, notes)
        return SheetQuery(sql, [year], rows, notes)

    def _query_complexity_countries(self, sheet: Table, total: int, source: str) -> SheetQuery:
        names = self.tables.has("ref.countries")
        column = "name_fr" if self.lang == "fr" else "name_en"
        derived = {"eci_rank": "r.eci_rank"}
        if names:
            derived["country_name"] = f"n.{column}"
        name_join = "left join ref.countries as n on n.iso3 = r.iso3" if names else ""
        sql = f"""
            with ranked as (
                select *, rank() over (partition by year, level order by eci desc nulls last)
                    as eci_rank
                from {sheet.source}
            )
            select {self.select_list(sheet, "r.", derived)}
            from ranked as r
            {name_join}
            where r.iso3 = ? or r.eci_rank <= ?
            {sheet.order_by("r.")}
        """
        params = [self._home(), TOP_COUNTRIES]
        rows = int(self.tables.value(f"select count(*) from ({sql})", params) or 0)
        note = self.t["wb_home_and_top"].format(n=TOP_COUNTRIES)
        return SheetQuery(sql, params, rows, [source, note])

    def _query_home_product_space(self, sheet: Table, total: int, source: str) -> SheetQuery:
        table = sheet.source
        if not self.tables.has("mart.complexity_products"):
            return SheetQuery(
                f"select {self.select_list(sheet)} from {table}{sheet.order_by()}",
                [],
                total,
                [source],
            )
        sql = f"""
            select {self.select_list(sheet, "ps.", {"pci": "cp.pci"})}
            from {table} as ps
            left join mart.complexity_products as cp
              on cp.year = ps.year and cp.level = ps.level and cp.product_code = ps.product_code
            {sheet.order_by("ps.")}
        """
        note = self.t["wb_sheet_source"].format(table="mart.complexity_products (pci)")
        return SheetQuery(sql, [], total, [source, note])

    def write_table(self, book: Workbook, sheet: Table) -> SheetOutcome:
        name, table = sheet.key, sheet.source
        writer = _SheetWriter(book, name)
        if not self.tables.has(table):
            writer.note(self.t["wb_missing"].format(table=table))
            return SheetOutcome(name, table, 0, [self.t["wb_missing"].format(table=table)])
        query = self.query(sheet)
        result_columns, batches = _fetch_batches(self.con, query.sql, query.params)
        declared = {c.key: c for c in sheet.columns}
        columns: list[Column | None] = [declared.get(key) for key, _ in result_columns]
        headers = [
            self.t[c.label] if c else key
            for c, (key, _) in zip(columns, result_columns, strict=True)
        ]
        formats = [
            c.unit.excel_format if c else type_format(type_name)
            for c, (_, type_name) in zip(columns, result_columns, strict=True)
        ]
        # Only coded columns need a look at each value (a workbook holds 10^5+ cells).
        translators = [
            c.unit.workbook_value if c and c.unit.kind in TRANSLATED else None for c in columns
        ]
        # Write-only sheets take their layout before their first row.
        for index, (c, (_, type_name), header) in enumerate(
            zip(columns, result_columns, headers, strict=True)
        ):
            text = c.unit.textual if c else type_name == "VARCHAR"
            writer.sheet.column_dimensions[get_column_letter(index + 1)].width = column_width(
                header, text=text, wide=bool(c and c.wide)
            )
        writer.sheet.freeze_panes = "A3"
        writer.note(" ".join(query.notes))
        writer.header(headers)
        written = 0
        for batch in batches:
            for row in batch:
                writer.sheet.append(
                    [
                        writer.cell(translate(value, self.t) if translate else value, fmt)
                        for value, fmt, translate in zip(row, formats, translators, strict=True)
                    ]
                )
            written += len(batch)
        if result_columns:
            writer.sheet.auto_filter.ref = (
                f"A2:{get_column_letter(len(result_columns))}{written + 2}"
            )
        return SheetOutcome(name, table, written, query.notes[1:])

    # --- README ------------------------------------------------------------------------

    def write_readme(
        self, sheet: Any, outcomes: list[SheetOutcome], generated_at: datetime
    ) -> None:
        t = self.t
        writer = _ReadmeRows(sheet)
        writer.title(t["wb_title"])
        writer.pair(t["wb_generated_at"], generated_at.replace(microsecond=0))
        writer.pair(t["home_country"], self._home())
        writer.blank()
        writer.section(t["wb_parameters"])
        writer.heading(self._labels(catalogue.README_PARAMETERS))
        for key, value in self.params.items():
            writer.pair(key, value)
        writer.blank()
        markets = parameters.study_markets(self.tables)
        if markets is not None:
            writer.section(t["wb_markets"])
            writer.heading(self._labels(catalogue.README_MARKETS))
            for iso3, role in markets:
                writer.row([iso3, role])
            writer.blank()
        writer.section(t["wb_vintages"])
        vintages = self._vintages()
        if vintages:
            writer.heading(self._labels(catalogue.README_VINTAGES))
            for row in vintages:
                writer.row(list(row))
        else:
            writer.row([t["vintages_none"]])
        writer.blank()
        writer.section(t["wb_sheets"])
        writer.heading(self._labels(catalogue.README_SHEETS))
        for outcome in outcomes:
            writer.row(
                [outcome.sheet, outcome.table, outcome.rows, " ".join(outcome.notes) or None]
            )
        writer.blank()
        writer.row([t["wb_units"]])

    def _labels(self, table: Table) -> list[str]:
        return [self.t[c.label] for c in table.columns]

    def _vintages(self) -> list[Any]:
        """The data vintages of the latest study version."""
        table = catalogue.README_VINTAGES
        if not (self.tables.has(table.source) and self.tables.has("ops.study_versions")):
            return []
        return self.tables.rows(
            f"""
            select {", ".join("v." + f for f in table.fields)}
            from {table.source} as v
            where v.study_id = (
                select study_id from ops.study_versions
                order by refreshed_at desc, study_id desc limit 1
            )
            {table.order_by("v.")}
            """
        )


class _ReadmeRows:
    """The README sheet: a title, label-value pairs and small tables, in two+ columns."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        sheet.column_dimensions["A"].width = 34
        sheet.column_dimensions["B"].width = 40
        sheet.column_dimensions["C"].width = 30
        sheet.column_dimensions["D"].width = 60

    def _cell(self, value: Any, font: Font | None = None) -> Any:
        value = _cell_value(value)
        cell = WriteOnlyCell(self.sheet, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"
        if isinstance(value, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        if font is not None:
            cell.font = font
        return cell

    def title(self, text: str) -> None:
        self.sheet.append([self._cell(text, TITLE_FONT)])

    def section(self, text: str) -> None:
        self.sheet.append([self._cell(text, HEADER_FONT)])

    def heading(self, labels: list[str]) -> None:
        cells = [self._cell(label, HEADER_FONT) for label in labels]
        for cell in cells:
            cell.fill = HEADER_FILL
        self.sheet.append(cells)

    def pair(self, label: str, value: Any) -> None:
        self.sheet.append([self._cell(label), self._cell(value)])

    def row(self, values: list[Any]) -> None:
        self.sheet.append([self._cell(v) for v in values])

    def blank(self) -> None:
        self.sheet.append([])


def write_study_workbook(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    lang: str = "fr",
    *,
    generated_at: datetime | None = None,
) -> Path:
    """Write the study workbook to `path` (e.g. `study.xlsx`); returns `path`.

    Sheets: README (parameters, markets, vintages, sheets with their row counts and notes,
    units), then one sheet per study table named after it (`TABLE_SHEETS` order;
    `study_changes` only when the table exists). A missing table gives a sheet holding one
    sentence. Raises ValueError for an unknown language, WarehouseError when the database
    cannot be read; a failed write leaves any previous file at `path` untouched.
    """
    check_language(lang)
    path = Path(path)
    study = StudyWorkbook(con, lang)
    book = Workbook(write_only=True)
    readme = book.create_sheet(study.t["wb_readme"])
    outcomes = [study.write_table(book, sheet) for sheet in study.sheets()]
    study.write_readme(readme, outcomes, generated_at or datetime.now(UTC))
    save_atomic(path, book.save)
    return path
