"""The exporter fabric beside the trade indicators: the study's product tables and its
"Tissu exportateur" section, and the line of each watch market page, read from the
published mart.fabric_* tables (a suppressed cell shows "c"; no fabric, nothing shown)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from observatory.fabric.refresh import TABLES as FABRIC_TABLES
from observatory.report.study_report import render_study_report
from observatory.report.watch_report import render_watch_reports
from tests.test_report import Node, parse, table_rows
from tests.test_study_report import GENERATED_AT, build_study_database
from tests.test_watch_report import build_watch_database

# mart.fabric_products: (year, hs6, status, fragile, n_exporters). The study's year is 2023
# (tests/test_study_report.py); 2022 must not be read. 080510 is suppressed by the primary
# rules (fragile), 030617 by secondary suppression (not fragile), 310530 has no cell.
FABRIC_PRODUCTS = [
    (2022, "251010", "ok", False, 99),
    (2023, "251010", "ok", False, 12),
    (2023, "080510", "c", True, None),
    (2023, "030617", "c", False, None),
    (2023, "870323", "ok", False, 3),
]
# mart.fabric_indicators, dimension 'total': (year, status, exporters, entry, exit, top 5 %).
# 2024 lies after the study's last year (2023): the section shows 2023.
FABRIC_TOTALS = [
    (2022, "ok", 100, None, None, 0.6),
    (2023, "ok", 120, 0.25, 0.1, 0.625),
    (2024, "ok", 999, 0.5, 0.5, 0.5),
]
# dimension 'destination': (year, market, status, exporters).
FABRIC_DESTINATIONS = [
    (2022, "FRA", "ok", 40),
    (2023, "FRA", "ok", 42),
    (2023, "SEN", "c", None),
]


def add_fabric(path: Path, *, empty: bool = False) -> Path:
    """The published fabric marts (their columns as the fabric refresh writes them)."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists mart")
        for table, columns in FABRIC_TABLES.items():
            body = ", ".join(f"{name} {kind}" for name, kind in columns.items())
            con.execute(f"create table {table} ({body})")
        if empty:
            return path
        for year, hs6, status, fragile, n in FABRIC_PRODUCTS:
            con.execute(
                "insert into mart.fabric_products (year, hs6, status, fragile, n_exporters) "
                "values (?, ?, ?, ?, ?)", [year, hs6, status, fragile, n])
        for year, status, n, entry, exit_, top5 in FABRIC_TOTALS:
            con.execute(
                "insert into mart.fabric_indicators (year, dimension, cell, status, "
                "n_exporters, entry_rate, exit_rate, top5_share) "
                "values (?, 'total', 'all', ?, ?, ?, ?, ?)", [year, status, n, entry, exit_, top5])
        for year, market, status, n in FABRIC_DESTINATIONS:
            con.execute(
                "insert into mart.fabric_indicators (year, dimension, cell, status, "
                "n_exporters, is_priority_market) values (?, 'destination', ?, ?, ?, true)",
                [year, market, status, n])
        con.execute(
            "insert into mart.fabric_disclosure (year, dimension, cells, suppressed_primary, "
            "suppressed_secondary, min_exporters, dominance_share, min_exporters_quantiles) "
            "values (2023, 'hs6', 4, 1, 1, 3, 0.8, 10)")
    finally:
        con.close()
    return path


def study_page(db: Path, out: Path, lang: str) -> Node:
    con = duckdb.connect(str(db), read_only=True)
    try:
        path = render_study_report(con, out, lang, generated_at=GENERATED_AT)
    finally:
        con.close()
    return parse(path.read_text(encoding="utf-8"))


def watch_pages(db: Path, out: Path, lang: str) -> dict[str, Node]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        paths = render_watch_reports(con, out, lang, generated_at=GENERATED_AT)
    finally:
        con.close()
    return {p.name: parse(p.read_text(encoding="utf-8")) for p in paths}


def headers(doc: Node, table_id: str) -> list[str]:
    return [th.text().strip() for th in doc.find("table", id=table_id).find("thead")
            .find_all("th")]


@pytest.fixture(scope="module")
def study_docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Node]:
    db = add_fabric(build_study_database(tmp_path_factory.mktemp("fabric-study") / "p.duckdb"))
    out = tmp_path_factory.mktemp("fabric-study-pages")
    return {lang: study_page(db, out, lang) for lang in ("fr", "en")}


@pytest.fixture(scope="module")
def market_docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Node]:
    db = add_fabric(build_watch_database(tmp_path_factory.mktemp("fabric-watch") / "p.duckdb"))
    out = tmp_path_factory.mktemp("fabric-watch-pages")
    return {**watch_pages(db, out, "fr"), **watch_pages(db, out, "en")}


def test_product_tables_show_exporters_and_fragility_of_the_study_year(
    study_docs: dict[str, Node],
) -> None:
    doc = study_docs["en"]
    assert headers(doc, "sector-products-1")[-2:] == ["Exporters", "Fragile product"]
    # (code, exporters, fragile): 2023 cells, "c" where suppressed, "—" without a cell.
    shown = {r[0]: (r[-2], r[-1]) for i in (1, 2, 3, 4)
             for r in table_rows(doc, f"sector-products-{i}")}
    assert shown == {
        "251010": ("12", "no"),  # 2023, not the 2022 cell (99)
        "080510": ("c", "yes"),  # suppressed, fragile: carried by few firms or dominated
        "030617": ("c", "no"),  # secondary suppression
        "870323": ("3", "no"),
        "310530": ("—", "—"),  # no fabric cell for it
    }
    french = {r[0]: (r[-2], r[-1]) for r in table_rows(study_docs["fr"], "sector-products-2")}
    assert french == {"080510": ("c", "oui"), "030617": ("c", "non")}


def test_the_confidentiality_rule_is_stated_once(study_docs: dict[str, Node]) -> None:
    note = study_docs["en"].find("p", id="fabric-products-note").text()
    assert "in 2023" in note
    assert "fewer than 3 firms" in note and "more than 80%" in note
    assert "confidential: value not published" in note
    assert "mart.fabric_products" in note
    assert len(study_docs["fr"].find_all("p", id="fabric-products-note")) == 1
    assert "moins de 3 entreprises" in study_docs["fr"].find("p", id="fabric-products-note").text()


def test_fabric_section_gives_the_headline_figures(study_docs: dict[str, Node]) -> None:
    for lang, href, title in (("fr", "fabric.html", "Tissu exportateur"),
                              ("en", "fabric.en.html", "Exporter fabric")):
        doc = study_docs[lang]
        section = doc.find("section", id="fabric")
        assert section.find("h2").text() == title
        assert section.find("a", id="fabric-link").attrs["href"] == href
        assert doc.find("nav", class_="toc").find("a", href="#fabric").text() == title
    section = study_docs["en"].find("section", id="fabric")
    # 2023, the last year within the study (2024 is after it).
    assert "Exporting firms in 2023" in section.text()
    assert section.find("dd", id="kf-fabric-exporters").text() == "120"
    assert section.find("dd", id="kf-fabric-entry").text() == "25.0%"
    assert section.find("dd", id="kf-fabric-exit").text() == "10.0%"
    assert section.find("dd", id="kf-fabric-top5").text() == "62.5%"


def test_without_fabric_marts_the_columns_and_section_are_absent(tmp_path: Path) -> None:
    for empty in (False, True):
        db = build_study_database(tmp_path / f"p{empty}.duckdb")
        if empty:
            add_fabric(db, empty=True)
        doc = study_page(db, tmp_path / f"out{empty}", "en")
        assert "Exporters" not in headers(doc, "sector-products-1")
        assert len(headers(doc, "sector-products-1")) == 11
        assert doc.find_all("section", id="fabric") == []
        assert doc.find_all("p", id="fabric-products-note") == []


def test_market_pages_give_the_exporters_serving_the_market(
    market_docs: dict[str, Node],
) -> None:
    line = market_docs["market-FRA.en.html"].find("p", id="fabric-exporters")
    # FRA's latest destination cell: 2023, 42 exporters.
    assert "Home-country firms exporting to this market in 2023: 42." in line.text()
    assert line.find("a").attrs["href"] == "fabric.en.html"
    line = market_docs["market-FRA.html"].find("p", id="fabric-exporters")
    assert line.find("a").attrs["href"] == "fabric.html"
    assert "en 2023" in line.text() and "42." in line.text()
    # SEN's cell is suppressed: "c", with the rule.
    line = market_docs["market-SEN.en.html"].find("p", id="fabric-exporters")
    assert "in 2023: c." in line.text()
    assert "confidential: value not published" in line.text()


def test_market_pages_without_fabric_have_no_line(tmp_path: Path) -> None:
    db = build_watch_database(tmp_path / "p.duckdb")
    docs = watch_pages(db, tmp_path / "out", "en")
    assert docs["market-FRA.en.html"].find_all("p", id="fabric-exporters") == []
