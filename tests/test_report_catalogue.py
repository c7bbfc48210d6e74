"""The table catalogue: its declarations against the marts, units as pages and workbooks
show them, a column the catalogue does not declare, and `render_all`."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from observatory.report import catalogue, render_all
from observatory.report.columns import (
    CODE,
    INTEGER,
    TEXT,
    USD,
    YEAR,
    Column,
    Table,
    decimal,
    label,
    percent,
    rate,
    signed,
)
from observatory.report.filenames import is_product_file
from observatory.report.formatting import NBSP, NNBSP, Formatter
from observatory.report.texts import translations
from observatory.report.workbook import write_study_workbook
from tests.test_report import build_database
from tests.test_study_report import build_study_database
from tests.test_watch_report import build_watch_database

GENERATED_AT = datetime(2026, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def study_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_study_database(tmp_path_factory.mktemp("catalogue") / "published.duckdb")


def mart_columns(db: Path, table: str) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        schema, name = table.split(".")
        return [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? "
            "and table_name = ? order by ordinal_position", [schema, name]).fetchall()]
    finally:
        con.close()


def test_every_sheet_declares_its_mart_columns_in_order(study_db: Path) -> None:
    for sheet in catalogue.SHEETS:
        declared = [c.key for c in sheet.columns if not c.derived]
        assert declared == mart_columns(study_db, sheet.source), sheet.key
        assert all(c.label == f"wb_col_{c.key}" for c in sheet.columns), sheet.key
        assert all(term.split()[0].split(".")[-1] in {c.key for c in sheet.columns}
                   for term in sheet.order), sheet.key


@pytest.mark.parametrize(
    ("unit", "excel", "value", "fr", "en"),
    [
        (USD, "#,##0", 12_345_678, f"12,3{NBSP}M$", "$12.3M"),
        (INTEGER, "#,##0", 1234, f"1{NNBSP}234", "1,234"),
        (percent(2), "0.00%", 0.1234, f"12,34{NNBSP}%", "12.34%"),
        (percent(1), "0.0%", 0.1234, f"12,3{NNBSP}%", "12.3%"),
        (decimal(3), "0.000", 0.5, "0,500", "0.500"),
        (rate(2), "0.00", 5.0, f"5,00{NNBSP}%", "5.00%"),
        (signed(2), "0.00", 1.5, "+1,50", "+1.50"),
        (YEAR, "0", 2024, "2024", "2024"),
        (CODE, None, None, "—", "—"),
        (TEXT, None, "Dattes", "Dattes", "Dattes"),
        (label("quadrant"), None, "champion", "Champions", "Champions"),
    ],
)
def test_a_unit_reads_the_same_in_pages_and_workbooks(unit, excel, value, fr, en) -> None:
    assert unit.excel_format == excel
    for lang, expected in (("fr", fr), ("en", en)):
        assert unit.page_text(value, Formatter(lang), translations(lang)) == expected


def test_coded_values_are_translated_in_the_workbook_and_missing_ones_kept() -> None:
    unit, t = label("access"), translations("fr")
    assert unit.workbook_value("neutral", t) == t["access_neutral"] != "neutral"
    assert unit.workbook_value(None, t) is None and unit.workbook_value("new", t) == "new"


def test_column_classes_follow_their_unit() -> None:
    assert Column("x", "col_rank", USD).cell_class == "num"
    assert Column("x", "col_rank", signed(2)).cell_class == "num change"
    assert Column("x", "col_rank", CODE).cell_class == "code"
    assert Column("x", "col_rank", TEXT).cell_class == ""
    assert Column("x", "col_rank", TEXT, css="num").numeric
    assert Column("x", "col_rank", USD, field="y").field == "y"


def test_a_table_refuses_a_column_twice_or_an_unknown_one() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        Table("t", "mart.t", (Column("a", "l", TEXT), Column("a", "l", USD)))
    with pytest.raises(KeyError, match="no column"):
        catalogue.ALERTS.without("nope")
    assert [c.key for c in catalogue.SHARE_MOVES.without("mirror_flag").columns][-1] == (
        "suppliers")


def test_a_column_the_catalogue_does_not_declare_still_reaches_the_workbook(
    study_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "p.duckdb"
    shutil.copy(study_db, db)
    con = duckdb.connect(str(db))
    con.execute("alter table mart.home_concentration add column extra_score double")
    con.execute("update mart.home_concentration set extra_score = 0.25")
    con.close()
    con = duckdb.connect(str(db), read_only=True)
    try:
        path = write_study_workbook(con, tmp_path / "study.en.xlsx", "en",
                                    generated_at=GENERATED_AT)
    finally:
        con.close()
    sheet = load_workbook(path)["home_concentration"]
    headers = [c.value for c in sheet[2]]
    assert headers[:2] == ["Year", "Dimension"] and headers[-1] == "extra_score"
    assert sheet.cell(row=3, column=len(headers)).value == 0.25
    assert sheet.cell(row=3, column=len(headers)).number_format == "0.000"


# --- render_all ----------------------------------------------------------------------------------


def with_index_marts(db: Path) -> Path:
    """The index page's marts, empty: the index then says it has no data."""
    con = duckdb.connect(str(db))
    con.execute("create table mart.home_rca_hs6 (year integer, hs6 varchar, description "
                "varchar, sector_name_fr varchar, sector_name_en varchar, home_exports_usd "
                "double, home_total_exports_usd double, rca double, world_market_share double)")
    con.execute("create table mart.home_top_markets (year integer, rank integer, importer_iso3 "
                "varchar, exports_usd double, share_of_home_exports double)")
    con.close()
    return db


def is_fiche(name: str) -> bool:
    return is_product_file(name) or name.startswith("sector-")


def test_render_all_writes_every_report_the_database_holds(tmp_path: Path) -> None:
    db = with_index_marts(build_watch_database(tmp_path / "p.duckdb"))
    con = duckdb.connect(str(db), read_only=True)
    try:
        paths = render_all(con, tmp_path / "out", ("fr", "en"), top_n=5, top_markets=3,
                           top_opportunities=1)
        only = render_all(con, tmp_path / "only", ("en",), top_n=5, top_markets=3,
                          top_opportunities=1, markets=["SEN"])
    finally:
        con.close()
    pages = ["index{}.html", "study{}.xlsx", "study{}.html", "watch{}.html",
             "market-FRA{}.html", "market-SEN{}.html", "digest{}.html"]
    pages += ["search{}.html", "search-index{}.json"]  # after the product fiches
    assert [p.name for p in paths if not is_fiche(p.name)] == [
        name.format(suffix) for suffix in ("", ".en") for name in pages]
    fiches = {p.name for p in paths if is_product_file(p.name)}
    assert "product-080510.html" in fiches and "product-080510.en.html" in fiches
    assert "sector-agri.html" in {p.name for p in paths}
    study = (tmp_path / "out" / "study.html").read_text(encoding="utf-8")
    assert 'href="study.xlsx"' in study and 'id="potential-top"' in study
    potential = study.split('id="potential-top"')[1].split("</table>")[0]
    assert potential.count("<tr") == 2  # the header and top_opportunities=1 row
    assert [p.name for p in only] == ["watch.en.html", "market-SEN.en.html", "digest.en.html"]


def test_render_all_without_study_or_watch_writes_the_index_only(tmp_path: Path) -> None:
    db = build_database(tmp_path / "p.duckdb", synthetic=False, failures=False)
    con = duckdb.connect(str(db), read_only=True)
    try:
        paths = render_all(con, tmp_path / "out", ("fr",), top_n=5, top_markets=3,
                           top_opportunities=4)
    finally:
        con.close()
    assert [p.name for p in paths] == ["index.html"]
