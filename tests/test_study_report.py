"""The study report and workbook: sections, escaping, traceability, missing marts, charts."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from markupsafe import Markup
from openpyxl import load_workbook  # type: ignore[import-untyped]

from observatory.errors import WarehouseError
from observatory.report import atomic as atomic_module
from observatory.report import workbook as workbook_module
from observatory.report.charts import Bubble, Point, bubble_chart_svg, scatter_svg, waterfall_svg
from observatory.report.formatting import NBSP, NNBSP
from observatory.report.study_report import STUDY_REPORT_FILES, render_study_report
from observatory.report.workbook import TABLE_SHEETS, write_study_workbook
from tests.parameter_rows import write_parameters
from tests.report_scripts import without_package_scripts
from tests.test_report import EXTERNAL, Node, parse, table_rows

GENERATED_AT = datetime(2026, 2, 3, 4, 5, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"
HOSTILE = f"Oranges & citrons {SCRIPT}"
SECTOR_HOSTILE = "Agriculture & <b>pêche</b>"

# hs6 rows of mart.product_competitiveness in 2023 (the last year):
# (code, description, sector, home exports, rca, home CAGR, world demand CAGR, quadrant).
# World trade grows by 3 % a year: the quadrant follows from the two CAGRs against 0.03.
PRODUCTS = [
    ("251010", "Natural calcium phosphates", "mining", 1.0e9, 40.0, 0.10, 0.05, "champion"),
    ("080510", HOSTILE, "agri", 2.0e8, 5.0, 0.01, 0.06, "losing_ground"),
    ("030617", "Frozen shrimps", "agri", 5.0e7, 1.5, 0.04, 0.01, "declining_winner"),
    ("870323", "Cars", "auto", 3.0e7, 0.8, -0.05, 0.0, "declining_loser"),
    # Exported without a growth window (no exports at the window's start): no quadrant.
    ("310530", "Fertilisers", "chem", 2.0e7, 0.5, None, 0.02, None),
    # Traded by the world, not exported by the home country.
    ("999999", "Not exported", "other", 0.0, 0.0, None, 0.02, None),
]
HOME_TOTAL = sum(p[3] for p in PRODUCTS)  # 1.3e9
WORLD_TOTAL_CAGR = 0.03


# The run's parameters (ops.run_parameters): those of every page, then the study's.
RUN_PARAMETERS = {"run_id": "run-2", "home_iso3": "MAR", "first_year": 2022, "last_year": 2023,
                  "hs_revision": "HS22", "rca_threshold": 1.0,
                  "started_at": datetime(2026, 2, 3, 4, 0)}
STUDY_PARAMETERS = {"growth_window": 1, "cms_base_year": 2022, "cms_end_year": 2023,
                    "horizon_years": 5, "home_growth": 0.03, "world_growth": 0.02,
                    "demand_growth": "trend", "demand_growth_cap": 0.1, "tariff_elasticity": 1.0,
                    "actual_years": 2}
MARKETS = [("FRA", "priority"), ("SEN", "priority"), ("ESP", "competitor")]


def _create(con: duckdb.DuckDBPyConnection, table: str, columns: str, rows: list[tuple]) -> None:
    con.execute(f"create table {table} ({columns})")
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        con.executemany(f"insert into {table} values ({marks})", rows)


def build_study_database(path: Path, *, drop: tuple[str, ...] = ()) -> Path:
    """A published database with the run metadata, the study parameters and every study
    mart of the contract, from a few hand-written rows; `drop` leaves tables out."""
    con = duckdb.connect(str(path))
    for schema in ("ops", "ref", "mart"):
        con.execute(f"create schema {schema}")
    # Rows on one or two lines, so that they read as the tables they fill.
    # fmt: off
    tables: dict[str, tuple[str, list[tuple]]] = {
        "ops.load_ledger": (
            "batch_id varchar, source varchar, release varchar, file_name varchar, "
            "file_sha256 varchar, rows_read bigint, rows_loaded bigint, rows_rejected bigint, "
            "started_at timestamp, ended_at timestamp, status varchar, is_synthetic boolean, "
            "message varchar",
            [
                ("b1", "baci", "202501", "BACI_HS22_Y2023_V202501.csv", "a" * 64, 10, 10, 0,
                 datetime(2026, 2, 3, 4, 0), datetime(2026, 2, 3, 4, 1), "published", False, None),
            ],
        ),
        "ops.validation_results": (
            "batch_id varchar, suite varchar, expectation varchar, column_name varchar, "
            "success boolean, element_count bigint, unexpected_count bigint, sample varchar, "
            "checked_at timestamp",
            [
                ("b1", "baci_flows", "expect_column_values_to_not_be_null", "value_usd", True, 10,
                 0, None, datetime(2026, 2, 3, 4, 1))
            ],
        ),
        "ops.study_versions": (
            "study_id varchar, run_id varchar, refreshed_at timestamp, fingerprint varchar, "
            "parameters varchar, previous_id varchar",
            [
                ("run-1", "run-1", datetime(2026, 1, 3, 4, 0), "f1", "{}", None),
                ("run-2", "run-2", datetime(2026, 2, 3, 4, 2), "f2", "{}", "run-1"),
            ],
        ),
        "ops.study_vintages": (
            "study_id varchar, source varchar, vintage varchar, detail varchar, n_rows bigint",
            [
                ("run-1", "baci", "202412", "trade flows 2022-2022", 5),
                ("run-2", "baci", "202501", "trade flows 2022-2023", 10),
                ("run-2", "wits tariffs", "2022", "1 importers", 3),
            ],
        ),
        "ref.countries": (
            "iso3 varchar, name_en varchar, name_fr varchar, region varchar, "
            "eu_member boolean, afcfta_state_party boolean",
            [
                ("MAR", "Morocco", "Maroc", "Africa", False, True),
                ("FRA", "France", "France", "Europe", True, False),
                ("SEN", "Senegal", "Sénégal", "Africa", False, True),
                ("ESP", "Spain", "Espagne", "Europe", True, False),
                ("CHN", "China", "Chine", "Asia", False, False),
            ],
        ),
        "ref.hs_nomenclature": (
            "hs_code varchar, level integer, description varchar",
            [
                ("284110", 6, "Aluminates"),
                ("850440", 6, "Static converters"),
            ],
        ),
        "ref.hs_sectors": (
            "hs6 varchar, sector varchar, sector_name_fr varchar, sector_name_en varchar",
            [
                ("251010", "mining", "Mines", "Mining"),
                ("080510", "agri", SECTOR_HOSTILE, "Agriculture & fishing"),
                ("870323", "auto", "Automobile", "Automotive"),
            ],
        ),
        "mart.product_competitiveness": (
            "year integer, level varchar, code varchar, description varchar, "
            "description_fr varchar, sector varchar, home_exports_usd double, "
            "home_imports_usd double, world_exports_usd double, home_total_exports_usd double, "
            "world_total_exports_usd double, world_market_share double, "
            "world_market_share_change_pts double, rca double, rsca double, "
            "trade_balance_index double, markets_served integer, markets_importing integer, "
            "market_penetration double, window_start_year integer, home_exports_cagr double, "
            "world_demand_cagr double, world_total_cagr double, quadrant varchar, "
            "input varchar, source varchar, vintage varchar",
            [
                (2023, "hs6", code, desc, desc, sector, x, 1e6, 1e10, HOME_TOTAL, 1e12, x / 1e10,
                 0.5, rca, (rca - 1) / (rca + 1), 0.9, 3, 10, 0.3, 2022, home_g, demand_g,
                 WORLD_TOTAL_CAGR, quadrant, "reconciled", "baci", "202501")
                for code, desc, sector, x, rca, home_g, demand_g, quadrant in PRODUCTS
            ]
            + [
                # An earlier year: the report shows the last one.
                (2022, "hs6", "251010", "Natural calcium phosphates", "x", "mining", 9e8, 0.0,
                 1e10, 1.2e9, 1e12, 0.09, None, 99.0, 0.98, 1.0, 2, 10, 0.2, None, None, None,
                 None, None, "reconciled", "baci", "202501"),
                (2023, "sector", "mining", "Mining", "Mines", None, 1.0e9, 0.0, 2e10, HOME_TOTAL,
                 1e12, 0.05, 0.2, 38.0, 0.95, 1.0, 3, 10, 0.3, 2022, 0.1, 0.05, WORLD_TOTAL_CAGR,
                 "champion", "reconciled", "baci", "202501"),
                (2023, "sector", "agri", "Agriculture & fishing", SECTOR_HOSTILE, None, 2.5e8, 1e6,
                 3e10, HOME_TOTAL, 1e12, 0.008, -0.1, 4.0, 0.6, 0.99, 4, 10, 0.4, 2022, 0.02, 0.05,
                 WORLD_TOTAL_CAGR, "losing_ground", "reconciled", "baci", "202501"),
            ],
        ),
        "mart.market_product_shares": (
            "year integer, market_iso3 varchar, level varchar, hs_level integer, "
            "code varchar, hs6 varchar, market_imports_usd double, "
            "home_exports_usd double, home_share double, partners_complete boolean, "
            "home_rank integer, suppliers integer, top_supplier_iso3 varchar, "
            "top_supplier_share double, total_from varchar, input varchar, source varchar, "
            "vintage varchar",
            [
                (2022, "FRA", "hs6", 6, "080510", "080510", 1e9, 5e7, 0.05, True, 3, 12, "ESP",
                 0.4, "partners", "reconciled", "baci", "202501"),
                (2023, "FRA", "hs6", 6, "080510", "080510", 1.1e9, 1.1e8, 0.1, True, 2, 12,
                 "ESP", 0.4, "partners", "reconciled", "baci", "202501"),
                (2023, "FRA", "hs4", 4, "0805", None, 1.5e9, 1.2e8, 0.08, True, 2, 12, "ESP",
                 0.4, "partners", "reconciled", "baci", "202501"),
                (2023, "SEN", "hs6", 6, "251010", "251010", 2e8, 5e7, 0.25, True, 1, 4, "MAR",
                 0.25, "partners", "reconciled", "baci", "202501"),
            ],
        ),
        "mart.market_indicators": (
            "year integer, market_iso3 varchar, market_name_en varchar, "
            "market_name_fr varchar, market_imports_usd double, home_exports_usd double, "
            "home_share double, trade_complementarity double, trade_intensity double, "
            "products_exported integer, export_hhi double",
            [
                (2023, "FRA", "France", "France", 6e11, 6e8, 0.001, 45.2, 3.5, 1200, 0.12),
                (2023, "SEN", "Senegal", "Sénégal", 1e10, 2e8, 0.02, 30.1, 8.25, 300, 0.3),
                (2022, "FRA", "France", "France", 5e11, 9e8, 0.5, 1.0, 1.0, 1, 1.0),
            ],
        ),
        "mart.home_concentration": (
            "year integer, dimension varchar, n_items integer, hhi double, "
            "normalized_hhi double, equivalent_number double, input varchar, source varchar, "
            "vintage varchar",
            [
                (2023, "product", 5, 0.25, 0.0625, 4.0, "reconciled", "baci", "202501"),
                (2023, "market", 2, 0.5, 0.0, 2.0, "reconciled", "baci", "202501"),
                (2022, "product", 4, 0.3, 0.0667, 3.33, "reconciled", "baci", "202501"),
            ],
        ),
        "mart.input_coverage": (
            "side varchar, input varchar, source varchar, release varchar, year integer, "
            "hs_level integer, market_iso3 varchar, units bigint, n_rows bigint, "
            "value_usd double, used boolean, reason varchar, feeds varchar",
            [
                ("exporter", "reconciled", "baci", "202501", 2023, 6, None, 200, 10, 5e9,
                 True, "chosen for the year and level",
                 "product_competitiveness, complexity"),
                ("left_out", "reported_totals", "file:ots", "abc", 2017, 4, None, 224, 7, 1e9,
                 False, "outside the study years", None),
            ],
        ),
        "mart.cms_decomposition": (
            "base_year integer, end_year integer, scope varchar, effect varchar, "
            "value_usd double, share_of_change double",
            [
                (2022, 2023, "all", "world_growth", 3.6e7, 0.36),
                (2022, 2023, "all", "commodity_composition", 2.4e7, 0.24),
                (2022, 2023, "all", "market_distribution", -1.0e7, -0.1),
                (2022, 2023, "all", "competitiveness", 5.0e7, 0.5),
                (2022, 2023, "all", "total", 1.0e8, 1.0),
                (2022, 2023, "mining", "total", 9.9e9, 1.0),  # a sector scope: not shown
            ],
        ),
        "mart.complexity_countries": (
            "year integer, level integer, iso3 varchar, diversity integer, eci double, coi double",
            [
                (2023, 6, "CHN", 900, 1.5, 0.5),
                (2023, 6, "FRA", 800, 1.2, 0.4),
                (2023, 6, "MAR", 150, -0.3, 0.1),
                (2023, 6, "SEN", 60, -0.9, -0.2),
                (2022, 6, "CHN", 880, 1.4, 0.5),
                (2022, 6, "MAR", 140, -0.4, 0.1),
                (2023, 4, "MAR", 100, 0.2, 0.0),
            ],
        ),
        "mart.complexity_products": (
            "year integer, level integer, product_code varchar, ubiquity integer, pci double",
            [
                (2023, 6, "284110", 10, 1.25),
                (2023, 6, "850440", 20, 0.5),
                (2023, 6, "251010", 5, -1.0),
            ],
        ),
        "mart.home_product_space": (
            "year integer, level integer, product_code varchar, rca double, m integer, "
            "density double, cog double, distance double",
            [
                (2023, 6, "284110", 0.2, 0, 0.35, 0.8, 0.65),
                (2023, 6, "850440", 0.1, 0, 0.15, 1.1, 0.85),
                (2023, 6, "251010", 40.0, 1, 0.5, 0.0, 0.5),  # exported with advantage
            ],
        ),
        "mart.diversification_opportunities": (
            "hs6 varchar, description varchar, sector varchar, year integer, rca double, "
            "density double, distance double, pci double, cog double, "
            "world_imports_usd double, world_demand_cagr double, top_importers varchar, "
            "top_importers_share double, feasibility_pct double, desirability_pct double, "
            "opportunity_score double, opportunity_rank bigint",
            [
                ("850440", "Static converters", "other", 2023, 0.1, 0.15, 0.85, 0.5, 1.1, 5e10,
                 0.07, "CHN,USA,DEU", 0.5, 0.0, 1.0, 0.5, 2),
                ("284110", '=HYPERLINK("x")', "chem", 2023, 0.2, 0.35, 0.65, 1.25, 0.8, 1e9, 0.02,
                 "FRA", 0.3, 1.0, 0.0, 0.5, 1),
            ],
        ),
        "mart.export_potential": (
            "market_iso3 varchar, hs6 varchar, description varchar, sector varchar, "
            "supply_share double, net_exporter_factor double, supply_growth_factor double, "
            "market_imports_usd double, demand_growth_rate double, "
            "projected_demand_usd double, home_tariff_pct double, average_tariff_pct double, "
            "market_access_factor double, market_access_term varchar, ease_of_trade double, "
            "potential_usd double, actual_usd double, untapped_usd double, "
            "realised_share double, reference_year integer, years_averaged bigint",
            [
                ("FRA", "080510", HOSTILE, "agri", 0.02, 1.0, 1.05, 1e9, 0.03, 1.16e9, 0.0, 5.0,
                 1.05, "tariffs", 1.2, 3e8, 1e8, 2e8, 1 / 3, 2023, 2),
                ("FRA", "251010", "Natural calcium phosphates", "mining", 0.3, 1.0, 1.05, 1e8, 0.0,
                 1e8, 0.0, 0.0, 1.0, "tariffs", 1.0, 3e7, 5e7, 0.0, 5 / 3, 2023, 2),
                ("SEN", "251010", "Natural calcium phosphates", "mining", 0.3, 1.0, 1.05, 2e8, 0.1,
                 3.2e8, None, None, 1.0, "neutral", 1.1, 1.1e8, 5e7, 6e7, 5 / 11, 2023, 2),
            ],
        ),
        "mart.afcfta_openings": (
            "importer_iso3 varchar, importer_name_en varchar, importer_name_fr varchar, "
            "hs6 varchar, description varchar, sector varchar, importer_imports_usd double, "
            "from_africa_usd double, from_outside_africa_usd double, outside_share double, "
            "top_outside_supplier_iso3 varchar, home_exports_usd double, home_share double, "
            "home_rca double, mfn_pct double, afcfta_pct double, tariff_margin_pts double, "
            "tariff_data varchar, opening_usd double, reference_year integer, "
            "years_averaged bigint",
            [
                ("SEN", "Senegal", "Sénégal", "080510", HOSTILE, "agri", 1e7, 2e6, 8e6, 0.8, "ESP",
                 1e6, 0.1, 5.0, 20.0, 0.0, 20.0, "loaded", 8e6, 2023, 2),
            ],
        ),
        "mart.study_changes": (
            "hs6 varchar, description varchar, sector varchar, previous_study_id varchar, "
            "study_id varchar, change varchar, previous_value double, current_value double, "
            "detail varchar",
            [
                ("080510", HOSTILE, "agri", "run-1", "run-2", "quadrant", None, None,
                 "champion -> losing_ground"),
                ("030617", "Frozen shrimps", "agri", "run-1", "run-2", "new_advantage", 0.9, 1.5,
                 "RCA crossed the threshold upwards"),
                ("251010", "Natural calcium phosphates", "mining", "run-1", "run-2", "untapped",
                 1e7, 6e7, "untapped potential changed"),
            ],
        ),
    }
    # fmt: on
    for table, (columns, rows) in tables.items():
        if table not in drop:
            _create(con, table, columns, rows)
    write_parameters(con, {**RUN_PARAMETERS, **STUDY_PARAMETERS}, MARKETS)
    con.close()
    return path


def render(db: Path, out: Path, lang: str, **kwargs: object) -> Path:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return render_study_report(con, out, lang=lang, generated_at=GENERATED_AT, **kwargs)
    finally:
        con.close()


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def study_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_study_database(tmp_path_factory.mktemp("study") / "published.duckdb")


@pytest.fixture(scope="module")
def pages(study_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("study-pages")
    return {
        lang: read(render(study_db, out, lang, workbook_name=f"study{suffix}.xlsx"))
        for lang, suffix in (("fr", ""), ("en", ".en"))
    }


@pytest.fixture(scope="module")
def docs(pages: dict[str, str]) -> dict[str, Node]:
    return {lang: parse(html) for lang, html in pages.items()}


@pytest.fixture(scope="module")
def workbook_path(study_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    con = duckdb.connect(str(study_db), read_only=True)
    try:
        path = tmp_path_factory.mktemp("workbook") / "study.xlsx"
        return write_study_workbook(con, path, "fr", generated_at=GENERATED_AT)
    finally:
        con.close()


def section(doc: Node, section_id: str) -> Node:
    return doc.find("section", id=section_id)


# --- the page ------------------------------------------------------------------------------


def test_both_languages_are_written_under_their_names(study_db: Path, tmp_path: Path) -> None:
    paths = {lang: render(study_db, tmp_path, lang) for lang in ("fr", "en")}
    assert paths["fr"].name == STUDY_REPORT_FILES["fr"] == "study.html"
    assert paths["en"].name == STUDY_REPORT_FILES["en"] == "study.en.html"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.en.html", "study.html"]
    assert '<html lang="fr">' in read(paths["fr"])
    assert '<html lang="en">' in read(paths["en"])
    # Deterministic: the same database renders the same page.
    assert read(render(study_db, tmp_path / "again", "fr")) == read(paths["fr"])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_page_is_well_formed_offline_and_printable(lang: str, pages: dict[str, str]) -> None:
    html = pages[lang]
    assert html.startswith("<!DOCTYPE html>")
    parse(html)  # raises on an unbalanced tag, svg included
    assert "http://" not in html and "https://" not in html
    assert not EXTERNAL.search(html)
    assert "<script" not in without_package_scripts(html).lower()  # only report.js
    assert "<link" not in html.lower()
    assert "@media print" in html


def test_titles(docs: dict[str, Node]) -> None:
    assert docs["fr"].find("h1").text() == (
        "Observatoire du Commerce Extérieur — étude de l’offre exportable"
    )
    assert docs["en"].find("h1").text() == "Foreign Trade Observatory — exportable offer study"
    subtitle = docs["fr"].find("p", class_="subtitle").text()
    assert "Maroc" in subtitle and "2022–2023" in subtitle and "run-2" in subtitle


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_hostile_text_is_escaped(lang: str, pages: dict[str, str]) -> None:
    html = pages[lang]
    assert SCRIPT not in html
    assert "<b>pêche</b>" not in html
    assert "Oranges &amp; citrons &lt;script&gt;alert(1)&lt;/script&gt;" in html
    if lang == "fr":
        assert "Agriculture &amp; &lt;b&gt;pêche&lt;/b&gt;" in html
    else:
        assert "Agriculture &amp; fishing" in html


def test_summary_counts_products_with_advantage(docs: dict[str, Node]) -> None:
    summary = section(docs["en"], "summary")
    # RCA >= 1 among exported products: 40, 5 and 1.5 (0.8 and 0.5 are below).
    assert summary.find("dd", id="kf-products-rca").text() == "3"
    text = summary.find("p", class_="lead").text()
    assert "In 2023, Morocco exported $1.30bn of goods. 3 products (HS6)" in text
    # (1e9 + 2e8 + 5e7) / 1.3e9 = 96.2 %
    assert "96.2%" in text
    values = [dd.text() for dd in summary.find_all("dd")]
    assert values[-1] == "3 of 4"  # ECI rank at HS6: CHN, FRA, MAR, SEN
    assert summary.find("a").attrs["href"] == "study.en.xlsx"


def test_positioning_chart_and_quadrant_table(docs: dict[str, Node]) -> None:
    doc = docs["fr"]
    svg = doc.find("svg", id="chart-positioning")
    assert svg.attrs["role"] == "img"
    circles = svg.find_all("circle", class_="bubble")
    assert len(circles) == 4  # the fertiliser has no window, the unexported product no exports
    # Area proportional to exports: r(cars) / r(phosphates) = sqrt(3e7 / 1e9).
    radii = {c.find("title").text().split()[0]: float(c.attrs["r"]) for c in circles}
    assert radii["870323"] / radii["251010"] == pytest.approx(math.sqrt(0.03), abs=0.01)
    assert len(svg.find_all("g", class_="x-reference")) == 1
    assert "commerce mondial 3,0" in svg.find("g", class_="x-reference").text()
    assert len(svg.find_all("g", class_="diagonal")) == 1
    assert "1 de ces produits" in section(doc, "positioning").text()
    rows = table_rows(doc, "positioning-quadrants")
    assert [r[1] for r in rows] == ["1", "1", "1", "1"]
    champion = doc.find("table", id="positioning-quadrants").find("tbody").find_all("tr")[0]
    assert champion.find("th").text() == "Champions"
    assert rows[0][2] == f"1,00{NBSP}Md$"
    assert rows[0][3] == f"76,9{NNBSP}%"  # 1e9 / 1.3e9


def test_competitiveness_sectors_and_products(docs: dict[str, Node]) -> None:
    doc = docs["en"]
    table = doc.find("table", id="sector-summary")
    assert [th.text() for th in table.find("tbody").find_all("th")] == [
        "Mining",
        "Agriculture & fishing",
    ]
    # Products of each sector, in the order of the sector table, then the other sectors.
    first = table_rows(doc, "sector-products-1")
    assert [r[0] for r in first] == ["251010"]
    second = table_rows(doc, "sector-products-2")
    assert [r[0] for r in second] == ["080510", "030617"]
    assert second[1][5] == "1.50"
    captions = [
        doc.find("table", id=f"sector-products-{i}").find("caption").text() for i in (1, 2, 3, 4)
    ]
    assert captions[2].startswith("Automotive: top exported products in 2023")
    assert "Other industries" not in "".join(captions)  # the unexported product is left out


def test_markets_chart_and_table(docs: dict[str, Node]) -> None:
    doc = docs["fr"]
    rows = table_rows(doc, "market-indicators")
    assert [r[0] for r in rows] == ["FRA", "SEN"]  # the market name is the row header
    assert rows[1][3] == f"2,00{NNBSP}%"
    assert rows[1][4:6] == ["30,1", "8,25"]
    svg = doc.find("svg", id="chart-market-shares")
    assert len(svg.find_all("rect", class_="bar")) == 2
    # The chart ranks the markets by share, largest first.
    assert [t.text() for t in svg.find_all("text", class_="bar-label")] == ["Sénégal", "France"]


def test_cms_waterfall_and_table(docs: dict[str, Node]) -> None:
    doc = docs["en"]
    rows = table_rows(doc, "cms-table")
    labels = [th.text() for th in doc.find("table", id="cms-table").find("tbody").find_all("th")]
    assert labels == [
        "World trade growth",
        "Product composition",
        "Market distribution",
        "Competitiveness (residual)",
        "Total change",
    ]
    assert rows[2] == ["-$10.0M", "-10.0%"]
    svg = doc.find("svg", id="chart-cms")
    bars = svg.find_all("rect", class_="bar")
    assert [b.attrs["class"] for b in bars] == [
        "bar step up",
        "bar step up",
        "bar step down",
        "bar step up",
        "bar total",
    ]
    # Each step starts where the one before ends: 0 -> 36 -> 60 -> 50 -> 100 (M$); the fall
    # is drawn from 60 back to 50, and the total from 0 to 100.
    left = [float(b.attrs["x"]) for b in bars]
    right = [float(b.attrs["x"]) + float(b.attrs["width"]) for b in bars]
    assert left[0] == pytest.approx(left[4])  # zero
    assert left[1] == pytest.approx(right[0], abs=0.1)
    assert right[2] == pytest.approx(right[1], abs=0.1)
    assert left[3] == pytest.approx(left[2], abs=0.1)
    assert right[3] == pytest.approx(right[4], abs=0.1)
    values = [t.text() for t in svg.find_all("text", class_="bar-value")]
    assert values == ["$36.0M", "$24.0M", "-$10.0M", "$50.0M", "$100M"]
    assert "$100M" in section(doc, "cms").find("p", class_="intro").text()


def test_complexity_table_and_scatter(docs: dict[str, Node]) -> None:
    doc = docs["en"]
    rows = table_rows(doc, "eci-table")
    # Level 6 is present: 2022 (MAR second of 2) and 2023 (third of 4).
    assert [r[:4] for r in rows] == [["2022", "-0.40", "2", "2"], ["2023", "-0.30", "3", "4"]]
    assert "HS6" in doc.find("table", id="eci-table").find("caption").text()
    svg = doc.find("svg", id="chart-product-space")
    points = svg.find_all("circle", class_="point")
    # Products without advantage (m = 0) only.
    assert sorted(p.find("title").text().split()[0] for p in points) == ["284110", "850440"]


def test_opportunities_potential_and_afcfta(docs: dict[str, Node]) -> None:
    doc = docs["en"]
    assert [r[:2] for r in table_rows(doc, "diversification-table")] == [
        ["1", "284110"],
        ["2", "850440"],
    ]
    top = table_rows(doc, "potential-top")
    assert [(r[1], r[2]) for r in top] == [("France", "080510"), ("Senegal", "251010")]
    assert top[0][8:] == ["tariffs", "0.0%", "5.0%"]
    assert top[1][8:] == ["neutral", "—", "—"]
    markets = table_rows(doc, "potential-markets")
    assert markets[0][:6] == ["FRA", "2", "$330M", "$150M", "$200M", "45.5%"]
    afcfta = table_rows(doc, "afcfta-table")
    assert afcfta[0][:2] == ["1", "Senegal"] and afcfta[0][4] == "$8.00M"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_neutral_tariff_sentence_per_market(lang: str, docs: dict[str, Node]) -> None:
    notes = [
        p.text() for p in section(docs[lang], "potential").find_all("p", class_="neutral-tariffs")
    ]
    assert len(notes) == 1  # France has tariffs for every product
    if lang == "en":
        assert notes[0] == (
            "Senegal: the market-access term was neutral (factor 1) for every product, "
            "tariffs not loaded for this market."
        )
    else:
        assert notes[0].startswith(f"Sénégal{NBSP}: le terme d’accès au marché est neutre")
        assert "n’étant pas chargés" in notes[0]


def test_changes_since_the_last_refresh(docs: dict[str, Node]) -> None:
    doc = docs["fr"]
    caption = doc.find("table", id="changes-table").find("caption").text()
    assert "de la version run-1 à la version run-2" in caption
    rows = table_rows(doc, "changes-table")
    # Ordered by kind of change: new advantage, quadrant, untapped potential.
    assert [r[2] for r in rows] == [
        "Nouvel avantage comparatif",
        "Changement de quadrant",
        "Variation du potentiel inexploité",
    ]
    assert rows[0][3:] == ["0,90", "1,50"]
    assert rows[1][3:] == ["Champions", "Perte de terrain"]
    assert rows[2][3:] == [f"10,0{NBSP}M$", f"60,0{NBSP}M$"]


def test_every_table_caption_names_its_source_table(docs: dict[str, Node]) -> None:
    for doc in docs.values():
        main = doc.find("main")
        tables = main.find_all("table")
        assert len(tables) >= 14
        for table in tables:
            source = table.find("caption").find("span", class_="source").text()
            assert re.search(r"\b(mart|ops)\.[a-z_]+", source), table.attrs.get("id")
        for figure in main.find_all("figure"):
            assert "mart." in figure.find("figcaption").text()


def test_method_notes_quote_the_parameters(docs: dict[str, Node]) -> None:
    method = section(docs["en"], "method").text()
    for title in (
        "Revealed comparative advantage",
        "Symmetric RCA",
        "Trade balance index",
        "positioning quadrants",
        "Trade complementarity",
        "Trade intensity",
        "Herfindahl-Hirschman",
        "Market penetration",
        "Constant market shares",
        "Economic complexity",
        "Export potential",
        "diversification opportunities",
        "AfCFTA openings",
    ):
        assert title in method, title
    assert "n = 1 years" in method  # growth_window
    assert "((1 + 3.0%) / (1 + 2.0%))^5" in method  # home/world growth, horizon
    assert "bounded to ±10.0%" in method  # demand_growth_cap
    assert "))^1;" in method  # tariff_elasticity
    assert "last 2 years" in method  # actual_years
    assert "between 2022 and 2023" in method  # CMS years
    assert "RCA ≥ 1.00" in method


def test_vintages_and_run_metadata(docs: dict[str, Node]) -> None:
    doc = docs["en"]
    rows = table_rows(doc, "vintages-table")
    assert rows == [
        ["CEPII BACI", "release 202501", "trade flows 2022–2023", "10"],
        ["WITS (World Bank), tariffs", "2022", "1 importers", "3"],
    ]
    assert "previous version: run-1" in section(doc, "vintages").text()
    counts = dict(r[:2] for r in table_rows(doc, "row-counts"))
    assert counts["mart.export_potential"] == "3"
    assert "All checks passed." in doc.find("footer", id="run-metadata").text()


def test_missing_and_empty_marts_give_a_no_data_sentence(tmp_path: Path) -> None:
    missing = (
        "mart.market_indicators",
        "mart.cms_decomposition",
        "mart.complexity_countries",
        "mart.export_potential",
        "mart.afcfta_openings",
        "mart.study_changes",
        "ops.study_vintages",
    )
    db = build_study_database(tmp_path / "p.duckdb", drop=missing)
    con = duckdb.connect(str(db))
    con.execute("delete from mart.diversification_opportunities")
    # The first version of the study: no earlier one to compare with.
    con.execute("delete from ops.study_versions where study_id = 'run-1'")
    con.execute("update ops.study_versions set previous_id = null")
    con.close()
    doc = parse(read(render(db, tmp_path / "out", "en")))
    empty = [p.text() for p in doc.find("main").find_all("p", class_="no-data")]
    for table in (
        "mart.market_indicators",
        "mart.cms_decomposition",
        "mart.complexity_countries",
        "mart.export_potential",
        "mart.afcfta_openings",
        "mart.diversification_opportunities",
    ):
        assert f"No data: table {table} is missing or empty." in empty, table
    assert section(doc, "changes").find("p", id="changes-first").text() == (
        "First version of the study: there is no earlier version to compare with."
    )
    assert "No vintage recorded." in section(doc, "vintages").text()
    # The sections whose marts are there still show them.
    assert len(table_rows(doc, "positioning-quadrants")) == 4


def test_empty_changes_after_a_previous_version_say_nothing_changed(tmp_path: Path) -> None:
    db = build_study_database(tmp_path / "p.duckdb")
    con = duckdb.connect(str(db))
    con.execute("delete from mart.study_changes")
    con.close()
    text = section(parse(read(render(db, tmp_path, "en"))), "changes").text()
    assert "No notable change since version run-1." in text


def test_a_database_without_study_parameters_is_refused(tmp_path: Path) -> None:
    # A database whose run parameters predate the study's (no such columns).
    db = build_study_database(tmp_path / "p.duckdb")
    con = duckdb.connect(str(db))
    con.execute("alter table ops.run_parameters drop column growth_window")
    con.close()
    with pytest.raises(WarehouseError, match="ops.run_parameters lacks growth_window"):
        render(db, tmp_path / "out", "fr")
    assert not (tmp_path / "out").exists()


def test_bad_arguments_are_refused(study_db: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown report language 'de'"):
        render(study_db, tmp_path, "de")
    with pytest.raises(ValueError, match="top_n"):
        render(study_db, tmp_path, "fr", top_n=0)


def test_top_n_limits_the_ranked_tables(study_db: Path, tmp_path: Path) -> None:
    doc = parse(read(render(study_db, tmp_path, "en", top_n=1)))
    assert len(table_rows(doc, "diversification-table")) == 1
    assert len(table_rows(doc, "potential-top")) == 1
    assert len(doc.find("svg", id="chart-positioning").find_all("circle", class_="bubble")) == 1


def test_failed_write_keeps_the_previous_page(
    study_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "study.html"
    page.write_text("previous", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    # The page is written by atomic.write_atomic, through os.replace.
    monkeypatch.setattr(atomic_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        render(study_db, tmp_path, "fr")
    assert page.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["study.html"]


# --- the workbook --------------------------------------------------------------------------


def sheet_rows(path: Path, name: str) -> list[tuple]:
    book = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in book[name].iter_rows(values_only=True)]
    finally:
        book.close()


def test_workbook_sheets(workbook_path: Path) -> None:
    book = load_workbook(workbook_path)
    assert book.sheetnames == [
        "LISEZMOI",
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
        "input_coverage",
    ]
    assert all(len(name) <= 31 for name in book.sheetnames)
    # No temporary file is left beside the workbook.
    assert [p.name for p in workbook_path.parent.iterdir()] == ["study.xlsx"]


def test_workbook_headers_units_and_values(workbook_path: Path) -> None:
    book = load_workbook(workbook_path)
    sheet = book["export_potential"]
    assert sheet["A1"].value == "Table mart.export_potential de la base publiée."
    headers = [c.value for c in sheet[2]]
    assert headers[:3] == ["Marché (ISO3)", "SH6", "Désignation (anglais)"]
    assert "Potentiel (USD)" in headers
    assert "Part réalisée (%)" in headers
    assert "Droit appliqué au pays (% ad valorem)" in headers
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == f"A2:{sheet.cell(2, len(headers)).column_letter}5"
    row = {h: c for h, c in zip(headers, sheet[3], strict=True)}
    # Sorted by market, then untapped potential: FRA 080510 first.
    assert row["SH6"].value == "080510"
    assert row["Désignation (anglais)"].value == HOSTILE  # text stays text
    assert row["Potentiel (USD)"].value == 3e8
    assert row["Potentiel (USD)"].number_format == "#,##0"
    assert row["Part réalisée (%)"].number_format == "0.00%"
    assert row["Terme d’accès au marché"].value == "droits de douane"
    shares = book["market_indicators"]
    assert [c.value for c in shares[2]][6] == "Part du pays (%)"


def test_workbook_text_that_looks_like_a_formula_stays_text(workbook_path: Path) -> None:
    sheet = load_workbook(workbook_path)["diversification_opportunities"]
    cell = sheet["B3"]
    assert cell.value == '=HYPERLINK("x")'
    assert cell.data_type == "s"


def test_workbook_readme_and_complexity_sheet(workbook_path: Path) -> None:
    readme = sheet_rows(workbook_path, "LISEZMOI")
    flat = [v for row in readme for v in row if v is not None]
    assert "Étude de l’offre exportable — classeur des tables" in flat
    assert "growth_window" in flat and "tariff_elasticity" in flat
    assert ("baci", "202501", "trade flows 2022-2023", 10) in [r[:4] for r in readme]
    sheets = {r[0]: r[1:] for r in readme if r and r[0] in TABLE_SHEETS}
    assert sheets["export_potential"] == ("mart.export_potential", 3)  # no note
    assert sheets["complexity_countries"][:2] == ("mart.complexity_countries", 7)
    complexity = sheet_rows(workbook_path, "complexity_countries")
    assert complexity[1][:5] == ("Année", "Niveau", "Pays (ISO3)", "Pays", "Rang ICE")
    assert ("MAR", "Maroc", 3) in [r[2:5] for r in complexity[2:]]
    space = sheet_rows(workbook_path, "home_product_space")
    assert space[1][2] == "Code produit" and space[1][-1] == "ICP (écart type)"
    assert {r[2]: r[-1] for r in space[2:]} == {"251010": -1.0, "284110": 1.25, "850440": 0.5}


def test_workbook_caps_market_product_shares(
    study_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three rows over two years: above a cap of 2, the sheet keeps the last year (2 rows).
    monkeypatch.setattr(workbook_module, "MARKET_SHARES_CAP", 2)
    con = duckdb.connect(str(study_db), read_only=True)
    try:
        path = write_study_workbook(con, tmp_path / "study.en.xlsx", "en")
    finally:
        con.close()
    rows = sheet_rows(path, "market_product_shares")
    assert "Last year only (2023): 3 rows over all years." in rows[0][0]
    assert [r[0] for r in rows[2:]] == [2023, 2023]
    assert load_workbook(path).sheetnames[0] == "README"


def test_workbook_missing_tables(tmp_path: Path) -> None:
    db = build_study_database(
        tmp_path / "p.duckdb", drop=("mart.afcfta_openings", "mart.study_changes")
    )
    con = duckdb.connect(str(db), read_only=True)
    try:
        path = write_study_workbook(con, tmp_path / "study.xlsx")
    finally:
        con.close()
    book = load_workbook(path)
    assert "study_changes" not in book.sheetnames
    assert book["afcfta_openings"]["A1"].value == (
        "La table mart.afcfta_openings est absente de la base publiée."
    )


def test_workbook_failed_write_keeps_the_previous_file(
    study_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "study.xlsx"
    path.write_bytes(b"previous")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic_module.os, "replace", broken_replace)
    con = duckdb.connect(str(study_db), read_only=True)
    try:
        with pytest.raises(OSError, match="disk full"):
            write_study_workbook(con, path)
    finally:
        con.close()
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["study.xlsx"]


# --- charts and labels alone ---------------------------------------------------------------


def test_bubble_chart_escapes_and_sizes() -> None:
    svg = bubble_chart_svg(
        [
            Bubble(f"a {SCRIPT}", 0.1, 0.2, 400.0, "g1", tag="a&b"),
            Bubble("b", -0.1, 0.0, 100.0, "g2"),
        ],
        title='Titre "<b>"',
        x_label="x & y",
        y_label="y",
        groups=[("g1", "Groupe <1>"), ("g2", "Groupe 2")],
        x_reference=0.05,
        diagonal_label="y = x",
    )
    assert isinstance(svg, Markup)
    assert SCRIPT not in svg and "<b>" not in svg and "Groupe <1>" not in svg
    assert "&lt;script&gt;" in svg and "a&amp;b" in svg and "x &amp; y" in svg
    chart = parse(str(svg)).find("svg")
    circles = chart.find_all("circle", class_="bubble")
    # Largest first; the radius ratio is the square root of the size ratio.
    assert float(circles[0].attrs["r"]) == pytest.approx(2 * float(circles[1].attrs["r"]))
    assert len(chart.find_all("text", class_="x-tick")) >= 3
    assert len(chart.find_all("text", class_="y-tick")) >= 3
    assert len(chart.find_all("g", class_="legend-item")) == 2
    assert svg == bubble_chart_svg(
        [
            Bubble(f"a {SCRIPT}", 0.1, 0.2, 400.0, "g1", tag="a&b"),
            Bubble("b", -0.1, 0.0, 100.0, "g2"),
        ],
        title='Titre "<b>"',
        x_label="x & y",
        y_label="y",
        groups=[("g1", "Groupe <1>"), ("g2", "Groupe 2")],
        x_reference=0.05,
        diagonal_label="y = x",
    )


def test_bubble_chart_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        bubble_chart_svg(
            [Bubble("a", math.nan, 0, 1, "g")],
            title="t",
            x_label="x",
            y_label="y",
            groups=[("g", "G")],
        )
    with pytest.raises(ValueError, match="unknown group"):
        bubble_chart_svg(
            [Bubble("a", 0, 0, 1, "h")], title="t", x_label="x", y_label="y", groups=[("g", "G")]
        )
    with pytest.raises(ValueError, match="negative"):
        bubble_chart_svg(
            [Bubble("a", 0, 0, -1, "g")], title="t", x_label="x", y_label="y", groups=[("g", "G")]
        )


def test_scatter_places_points_on_their_axes() -> None:
    svg = scatter_svg(
        [Point("low <1>", 0.0, 0.0), Point("high", 1.0, 2.0)],
        title="t",
        x_label="density",
        y_label="pci",
    )
    chart = parse(str(svg)).find("svg")
    low, high = chart.find_all("circle", class_="point")
    assert float(low.attrs["cx"]) < float(high.attrs["cx"])
    assert float(low.attrs["cy"]) > float(high.attrs["cy"])  # y grows upwards
    assert "low &lt;1&gt;" in svg
    assert chart.find("desc").text().startswith("2 points")
    ticks = [t.text() for t in chart.find_all("text", class_="y-tick")]
    assert "0.00" in ticks and "2.00" in ticks


def test_waterfall_escapes_and_ends_on_the_total() -> None:
    svg = waterfall_svg([("a <b>", 3.0), ("b & c", -1.0)], title="t <i>", total_label="total")
    assert "<b>" not in svg and "<i>" not in svg and "b &amp; c" in svg
    chart = parse(str(svg)).find("svg")
    assert [t.text() for t in chart.find_all("text", class_="bar-value")] == [
        "3.00",
        "-1.00",
        "2.00",
    ]
    assert len(chart.find_all("line", class_="connector")) == 2
    with pytest.raises(ValueError, match="not a finite number"):
        waterfall_svg([("a", math.inf)], title="t")
