"""Write the study tables to one Excel workbook, for analysts who filter and pivot them.

`write_study_workbook` reads the published database (select statements only) and writes a
README sheet (parameters, markets, data vintages, units, what each sheet holds) and one
sheet per study table, named after its mart table. Each table sheet has a note row naming
its source table (and saying when rows were left out), then a header row whose labels carry
their unit ("Exportations du pays (USD)", "Part du pays (%)"), frozen and filtered, then the
rows with number formats. Rows are streamed (openpyxl write-only mode) and the file is
written to a temporary name, then moved in place: readers never see half a workbook.
"""

from __future__ import annotations

import math
import os
import tempfile
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
from observatory.report.i18n import check_language, code_label, column_label, translations
from observatory.report.study_report import StudyTables

STUDY_WORKBOOK_FILES = {"fr": "study.xlsx", "en": "study.en.xlsx"}
ROW_CAP = 500_000  # per sheet: Excel's limit is 1,048,576 rows
MARKET_SHARES_CAP = 25_000  # above this, market_product_shares keeps its last year only
TOP_COUNTRIES = 20  # complexity_countries: the home country and the top countries by ECI
FETCH_ROWS = 10_000
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell

USD = "#,##0"
PERCENT = "0.00%"
INDEX = "0.00"
DECIMAL = "0.000"
INTEGER = "#,##0"
YEAR = "0"
# Formats of the columns whose name does not say their unit; the others follow their
# suffix (_usd, _share, _cagr, _pct, _pts, year) or their type.
FORMATS = {
    "rca": INDEX,
    "home_rca": INDEX,
    "rsca": DECIMAL,
    "trade_balance_index": DECIMAL,
    "market_penetration": PERCENT,
    "home_share": PERCENT,
    "outside_share": PERCENT,
    "share_of_change": PERCENT,
    "demand_growth_rate": PERCENT,
    "feasibility_pct": PERCENT,  # percentile ranks in [0, 1], not percents
    "desirability_pct": PERCENT,
    "trade_complementarity": "0.0",
    "trade_intensity": INDEX,
    "ease_of_trade": DECIMAL,
    "market_access_factor": DECIMAL,
    "supply_growth_factor": DECIMAL,
    "net_exporter_factor": DECIMAL,
    "equivalent_number": "0.0",
}
# Columns holding codes that the report translates (column -> message prefix).
CODED_COLUMNS = {
    "quadrant": "quadrant",
    "effect": "effect",
    "change": "change",
    "dimension": "dimension",
    "market_access_term": "access",
}
WIDE_TEXT = {
    "description",
    "description_fr",
    "detail",
    "market_name_en",
    "market_name_fr",
    "importer_name_en",
    "importer_name_fr",
    "country_name",
}

# The table sheets, in the report's order (study_changes only when the table exists).
TABLE_SHEETS = (
    "product_competitiveness",
    "market_product_shares",
    "market_indicators",
    "home_concentration",
    "cms_decomposition",
    "complexity_countries",
    "home_product_space",
    "diversification_opportunities",
    "export_potential",
    "afcfta_openings",
    "study_changes",
)
SHEET_ORDER: dict[str, tuple[str, ...]] = {
    "product_competitiveness": ("year desc", "level", "home_exports_usd desc", "code"),
    "market_indicators": ("year desc", "home_exports_usd desc", "market_iso3"),
    "home_concentration": ("dimension desc", "year"),
    "cms_decomposition": ("scope", "effect"),
    "diversification_opportunities": ("opportunity_rank", "hs6"),
    "export_potential": ("market_iso3", "untapped_usd desc", "hs6"),
    "afcfta_openings": ("opening_usd desc", "importer_iso3", "hs6"),
    "study_changes": ("change", "hs6"),
}

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


def number_format(column: str, type_name: str) -> str | None:
    """The Excel number format of a column, from its name, else from its DuckDB type."""
    if column in FORMATS:
        return FORMATS[column]
    if column.endswith("_usd"):
        return USD
    if column.endswith(("_share", "_cagr")):
        return PERCENT
    if column.endswith(("_pct", "_pts")):
        return INDEX  # tariffs in percent (5.0 = 5 %), margins in points
    if column == "year" or column.endswith("_year"):
        return YEAR
    if type_name in ("DOUBLE", "FLOAT", "REAL") or type_name.startswith("DECIMAL"):
        return DECIMAL
    if type_name in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT"):
        return INTEGER
    return None


def column_width(column: str, header: str, type_name: str) -> float:
    if column in WIDE_TEXT:
        return 50
    base = 16 if type_name != "VARCHAR" else 12
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
    """Builds the workbook: one method per table sheet that needs more than `select *`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, lang: str) -> None:
        self.con = con
        self.lang = lang
        self.t = translations(lang)
        self.tables = StudyTables(con)
        self.params = self._parameters()

    def _parameters(self) -> dict[str, Any]:
        if not self.tables.has("ops.study_parameters"):
            return {}
        rows = self.tables.records("select * from ops.study_parameters limit 1")
        return rows[0] if rows else {}

    def _home(self) -> str:
        return str(self.params.get("home_iso3") or "")

    # --- table sheets ------------------------------------------------------------------

    def sheets(self) -> list[tuple[str, str]]:
        """(sheet name, table) of every table sheet, in the report's order."""
        names = [n for n in TABLE_SHEETS if n != "study_changes"]
        if self.tables.has("mart.study_changes"):
            names.append("study_changes")
        return [(name, f"mart.{name}") for name in names]

    def query(self, name: str, table: str) -> SheetQuery:
        total = self.tables.count(table)
        source = self.t["wb_sheet_source"].format(table=table)
        special = getattr(self, f"_query_{name}", None)
        if special is not None:
            query: SheetQuery = special(table, total, source)
        else:
            query = SheetQuery(f"select * from {table}{self._order(name)}", [], total, [source])
        if query.total > ROW_CAP:
            note = self.t["wb_capped"].format(shown=ROW_CAP, total=query.total)
            query = SheetQuery(
                f"{query.sql} limit {ROW_CAP}", query.params, ROW_CAP, [*query.notes, note]
            )
        return query

    def _order(self, name: str) -> str:
        """The sheet's sort order, on the columns its table has."""
        present = set(self.tables.columns(f"mart.{name}"))
        keys = [key for key in SHEET_ORDER.get(name, ()) if key.split()[0] in present]
        return f" order by {', '.join(keys)}" if keys else ""

    def _query_product_competitiveness(self, table: str, total: int, source: str
                                       ) -> SheetQuery:
        """Only the products the home country trades: the world's other codes (most rows)
        stay in the database."""
        where = " where home_exports_usd > 0 or home_imports_usd > 0"
        rows = int(self.tables.value(f"select count(*) from {table}{where}") or 0)
        note = self.t["wb_home_trades_only"].format(shown=rows, total=total)
        sql = f"select * from {table}{where}{self._order('product_competitiveness')}"
        return SheetQuery(sql, [], rows, [source, note])

    def _query_market_product_shares(self, table: str, total: int, source: str) -> SheetQuery:
        order = " order by market_iso3, year desc, market_imports_usd desc, hs6"
        if total <= MARKET_SHARES_CAP:
            return SheetQuery(f"select * from {table}{order}", [], total, [source])
        year = self.tables.value(f"select max(year) from {table}")
        rows = int(self.tables.value(f"select count(*) from {table} where year = ?", [year]))
        note = self.t["wb_last_year_only"].format(year=year, total=total)
        sql = f"select * from {table} where year = ?{order}"
        if rows > MARKET_SHARES_CAP:
            sql += f" limit {MARKET_SHARES_CAP}"
            capped = self.t["wb_capped"].format(shown=MARKET_SHARES_CAP, total=rows)
            return SheetQuery(sql, [year], MARKET_SHARES_CAP, [source, note, capped])
        return SheetQuery(sql, [year], rows, [source, note])

    def _query_complexity_countries(self, table: str, total: int, source: str) -> SheetQuery:
        names = self.tables.has("ref.countries")
        column = "name_fr" if self.lang == "fr" else "name_en"
        name_select = f", n.{column} as country_name" if names else ""
        name_join = "left join ref.countries as n on n.iso3 = r.iso3" if names else ""
        sql = f"""
            with ranked as (
                select *, rank() over (partition by year, level order by eci desc nulls last)
                    as eci_rank
                from {table}
            )
            select r.year, r.level, r.iso3{name_select}, r.eci_rank,
                   r.* exclude (year, level, iso3, eci_rank)
            from ranked as r
            {name_join}
            where r.iso3 = ? or r.eci_rank <= ?
            order by r.year desc, r.level desc, r.eci_rank, r.iso3
        """
        params = [self._home(), TOP_COUNTRIES]
        rows = int(self.tables.value(f"select count(*) from ({sql})", params) or 0)
        note = self.t["wb_home_and_top"].format(n=TOP_COUNTRIES)
        return SheetQuery(sql, params, rows, [source, note])

    def _query_home_product_space(self, table: str, total: int, source: str) -> SheetQuery:
        if not self.tables.has("mart.complexity_products"):
            return SheetQuery(
                f"select * from {table} order by year desc, level desc, product_code",
                [],
                total,
                [source],
            )
        sql = f"""
            select ps.*, cp.pci
            from {table} as ps
            left join mart.complexity_products as cp
              on cp.year = ps.year and cp.level = ps.level and cp.product_code = ps.product_code
            order by ps.year desc, ps.level desc, ps.product_code
        """
        note = self.t["wb_sheet_source"].format(table="mart.complexity_products (pci)")
        return SheetQuery(sql, [], total, [source, note])

    def write_table(self, book: Workbook, name: str, table: str) -> SheetOutcome:
        writer = _SheetWriter(book, name)
        sheet = writer.sheet
        if not self.tables.has(table):
            writer.note(self.t["wb_missing"].format(table=table))
            return SheetOutcome(name, table, 0, [self.t["wb_missing"].format(table=table)])
        query = self.query(name, table)
        columns, batches = _fetch_batches(self.con, query.sql, query.params)
        headers = [column_label(column, self.lang) for column, _ in columns]
        formats = [number_format(column, type_name) for column, type_name in columns]
        coded = [CODED_COLUMNS.get(column) for column, _ in columns]
        # Write-only sheets take their layout before their first row.
        for index, ((column, type_name), header) in enumerate(zip(columns, headers, strict=True)):
            sheet.column_dimensions[get_column_letter(index + 1)].width = column_width(
                column, header, type_name
            )
        sheet.freeze_panes = "A3"
        writer.note(" ".join(query.notes))
        writer.header(headers)
        written = 0
        for batch in batches:
            for row in batch:
                sheet.append(
                    [
                        writer.cell(
                            code_label(prefix, value, self.t) if prefix and value else value,
                            number_format,
                        )
                        for value, number_format, prefix in zip(row, formats, coded, strict=True)
                    ]
                )
            written += len(batch)
        if columns:
            sheet.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{written + 2}"
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
        writer.heading([t["wb_parameter"], t["wb_value"]])
        for key, value in self.params.items():
            writer.pair(key, value)
        writer.blank()
        if self.tables.has("ops.study_markets"):
            writer.section(t["wb_markets"])
            writer.heading(["ISO3", t["wb_role"]])
            for row in self.tables.records(
                "select iso3, role from ops.study_markets order by role desc, iso3"
            ):
                writer.row([row["iso3"], row["role"]])
            writer.blank()
        writer.section(t["wb_vintages"])
        vintages = self._vintages()
        if vintages:
            writer.heading([t["col_source"], t["col_vintage"], t["col_detail"], t["col_rows"]])
            for row in vintages:
                writer.row([row["source"], row["vintage"], row["detail"], row["n_rows"]])
        else:
            writer.row([t["vintages_none"]])
        writer.blank()
        writer.section(t["wb_sheets"])
        writer.heading([t["wb_sheet"], t["col_table"], t["wb_rows"], t["wb_note"]])
        for outcome in outcomes:
            writer.row(
                [outcome.sheet, outcome.table, outcome.rows, " ".join(outcome.notes) or None]
            )
        writer.blank()
        writer.row([t["wb_units"]])

    def _vintages(self) -> list[dict[str, Any]]:
        if not (self.tables.has("ops.study_vintages") and self.tables.has("ops.study_versions")):
            return []
        return self.tables.records(
            """
            select v.source, v.vintage, v.detail, v.n_rows
            from ops.study_vintages as v
            where v.study_id = (
                select study_id from ops.study_versions
                order by refreshed_at desc, study_id desc limit 1
            )
            order by v.source, v.vintage
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
    outcomes = [study.write_table(book, name, table) for name, table in study.sheets()]
    study.write_readme(readme, outcomes, generated_at or datetime.now(UTC))

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        book.save(tmp_name)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path
