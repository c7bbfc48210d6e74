"""The offline HTML report: content, escaping, formatting, charts, well-formedness."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from markupsafe import Markup

from observatory.errors import WarehouseError
from observatory.report import atomic as atomic_module
from observatory.report.charts import bar_chart_svg
from observatory.report.formatting import (
    format_datetime,
    format_decimal,
    format_integer,
    format_percent,
    format_usd,
)
from observatory.report.index_page import render_report
from tests.parameter_rows import write_parameters
from tests.report_scripts import without_package_scripts

GENERATED_AT = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
NNBSP = "\u202f"
NBSP = "\u00a0"
SCRIPT = "<script>alert(1)</script>"

# (hs6, description, sector fr, sector en, home exports, world exports, rca, world share);
# the rows are not in RCA order, so that the report has to sort them.
PRODUCTS_2024 = [
    ("030617", "Crevettes congelées", "Pêche", "Fishing", 5e6, 2.0e9, 1.8, 0.0025),
    ("310530", f"Engrais {SCRIPT}", "Chimie", "Chemicals", 2e6, 9.0e9, 0.4, 0.0002),
    (
        "251010",
        "Phosphates de calcium naturels",
        "Mines",
        "Mining",
        1_234_567_890,
        3.6e9,
        45.6789,
        0.3456,
    ),
    ("080510", "Oranges", "Agriculture", "Agriculture", 12_345_678, 1.0e9, 7.25, 0.0123456),
    ("870323", "Voitures de tourisme", "Automobile", "Automotive", 999_600, 5.0e10, 1.0, 0.00002),
    # The world exports it, the home country does not: never in the report.
    ("999999", "Produit non exporté", "Autres", "Other", 0.0, 4.0e9, 0.0, 0.0),
]
# Filler products below the threshold: 27 exported products in all, more than top_n = 25.
FILLERS = [
    (
        f"9000{i:02d}",
        f"Produit de remplissage {i}",
        "Autres",
        "Other",
        1e5,
        1e9,
        0.9 - 0.03 * i,
        1e-4,
    )
    for i in range(22)
]
TOP_RCA_HS6 = "251010"


def build_database(path: Path, *, synthetic: bool, failures: bool, last_year: int = 2024) -> Path:
    """A small published database with the tables the report reads, from hand-made rows."""
    con = duckdb.connect(str(path))
    for schema in ("ops", "ref", "mart"):
        con.execute(f"create schema {schema}")
    write_parameters(con, {"run_id": "run-20260102-0300", "home_iso3": "MAR",
                           "first_year": 2023, "last_year": last_year, "hs_revision": "HS22",
                           "rca_threshold": 1.0, "started_at": "2026-01-02 03:00:00"})
    con.execute(
        """
        create table ops.load_ledger (batch_id varchar, source varchar, release varchar,
            file_name varchar, file_sha256 varchar, rows_read bigint, rows_loaded bigint,
            rows_rejected bigint, started_at timestamp, ended_at timestamp, status varchar,
            is_synthetic boolean, message varchar)
        """
    )
    ledger = [
        (
            "b1",
            "baci",
            "202501",
            "BACI_HS22_Y2024_V202501.csv",
            "a" * 64,
            1000,
            1000,
            0,
            "2026-01-02 03:00:01",
            "2026-01-02 03:00:05",
            "published",
            synthetic,
            None,
        ),
        (
            "b2",
            "baci",
            "202501",
            "BACI_HS22_Y2023_V202501.csv",
            "b" * 64,
            900,
            897,
            3,
            "2026-01-02 03:00:06",
            "2026-01-02 03:00:09",
            "published",
            synthetic,
            None,
        ),
        # A synthetic batch that was rejected never makes the published data synthetic.
        (
            "b3",
            "baci",
            "202412",
            "BACI_HS22_Y2022_V202412.csv",
            "c" * 64,
            50,
            0,
            50,
            "2026-01-02 03:00:10",
            "2026-01-02 03:00:11",
            "rejected",
            True,
            "50 rows failed",
        ),
    ]
    con.executemany("insert into ops.load_ledger values (?,?,?,?,?,?,?,?,?,?,?,?,?)", ledger)
    con.execute(
        """
        create table ops.validation_results (batch_id varchar, suite varchar,
            expectation varchar, column_name varchar, success boolean, element_count bigint,
            unexpected_count bigint, sample varchar, checked_at timestamp)
        """
    )
    checks = [
        ("b1", "baci_flows", "expect_column_values_to_not_be_null", "value_usd", True, 1000, 0),
        ("b1", "baci_flows", "expect_column_values_to_be_between", "year", True, 1000, 0),
        ("b2", "baci_flows", "expect_column_values_to_not_be_null", "value_usd", True, 900, 0),
        ("b1", "countries", "expect_column_values_to_be_unique", "iso3", True, 3, 0),
    ]
    if failures:
        checks.append(
            ("b3", "baci_flows", "expect_column_values_to_match_regex", "hs6", False, 50, 37)
        )
    con.executemany(
        "insert into ops.validation_results values (?,?,?,?,?,?,?,?,'2026-01-02 03:00:12')",
        [(*row, "['12<b>x</b>']" if not row[4] else None) for row in checks],
    )
    con.execute(
        """
        create table ref.countries (iso3 varchar, iso2 varchar, iso_numeric varchar,
            m49 varchar, baci_code integer, comtrade_code integer, name_en varchar,
            name_fr varchar, region varchar, sub_region varchar, eu_member boolean,
            afcfta_state_party boolean, ldc boolean)
        """
    )
    con.executemany(
        "insert into ref.countries values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                "MAR",
                "MA",
                "504",
                "504",
                504,
                504,
                "Morocco",
                "Maroc",
                "Africa",
                "Northern Africa",
                False,
                True,
                False,
            ),
            (
                "ESP",
                "ES",
                "724",
                "724",
                724,
                724,
                "Spain",
                "Espagne",
                "Europe",
                "Southern Europe",
                True,
                False,
                False,
            ),
            (
                "FRA",
                "FR",
                "250",
                "250",
                251,
                251,
                "France",
                "France",
                "Europe",
                "Western Europe",
                True,
                False,
                False,
            ),
        ],
    )
    con.execute(
        """
        create table mart.home_rca_hs6 (year integer, hs6 varchar, description varchar,
            sector varchar, sector_name_fr varchar, sector_name_en varchar,
            home_exports_usd double, world_exports_usd double, home_total_exports_usd double,
            world_total_exports_usd double, rca double, world_market_share double)
        """
    )
    rows_2024 = PRODUCTS_2024 + FILLERS
    home_total = sum(row[4] for row in rows_2024)
    world_total = sum(row[5] for row in rows_2024)
    con.executemany(
        "insert into mart.home_rca_hs6 values (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (2024, hs6, desc, "s", fr, en, home, world, home_total, world_total, rca, share)
            for hs6, desc, fr, en, home, world, rca, share in rows_2024
        ]
        # An earlier year with a higher RCA: the report shows the last year only.
        + [
            (
                2023,
                "080510",
                "Oranges",
                "s",
                "Agriculture",
                "Agriculture",
                9e6,
                1e8,
                1e9,
                1e11,
                99.0,
                0.09,
            )
        ],
    )
    con.execute(
        """
        create table mart.home_top_markets (year integer, importer_iso3 varchar,
            exports_usd double, share_of_home_exports double, rank integer)
        """
    )
    con.executemany(
        "insert into mart.home_top_markets values (?,?,?,?,?)",
        [
            (2024, "FRA", 300e6, 0.25, 2),
            (2024, "ESP", 480e6, 0.40, 1),
            (2024, "S19", 60e6, 0.05, 3),  # a BACI pseudo-code: shown as its code
            (2023, "USA", 999e6, 0.90, 1),
        ],
    )
    con.close()
    return path


def render(db: Path, out_dir: Path, lang: str, **kwargs: object) -> Path:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return render_report(con, out_dir, lang=lang, generated_at=GENERATED_AT, **kwargs)
    finally:
        con.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    return build_database(folder / "published.duckdb", synthetic=True, failures=True)


@pytest.fixture(scope="session")
def clean_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clean")
    return build_database(folder / "published.duckdb", synthetic=False, failures=False)


@pytest.fixture(scope="session")
def demo_reports(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("demo-reports")
    return {lang: render(demo_db, out, lang) for lang in ("fr", "en")}


@pytest.fixture(scope="session")
def clean_reports(clean_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("clean-reports")
    return {lang: render(clean_db, out, lang) for lang in ("fr", "en")}


# --- a small DOM from the stdlib parser, failing on unbalanced tags ------------------------

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        found: list[Node] = []
        for child in self.children:
            if isinstance(child, Node):
                classes = child.attrs.get("class", "").split()
                if child.tag == tag and all(
                    value in classes if key == "class_" else child.attrs.get(key) == value
                    for key, value in attrs.items()
                ):
                    found.append(child)
                found.extend(child.find_all(tag, **attrs))
        return found

    def find(self, tag: str, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        assert tag not in VOID, f"end tag of void element </{tag}>"
        open_tag = self.stack[-1].tag
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert [n.tag for n in builder.stack] == ["#document"], "unclosed elements at the end"
    return builder.root


def table_rows(doc: Node, table_id: str) -> list[list[str]]:
    table = doc.find("table", id=table_id)
    body = table.find("tbody")
    return [[td.text().strip() for td in tr.find_all("td")] for tr in body.find_all("tr")]


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# --- the rendered page -------------------------------------------------------------------


def test_files_are_written_with_their_language_names(demo_reports: dict[str, Path]) -> None:
    assert demo_reports["fr"].name == "index.html"
    assert demo_reports["en"].name == "index.en.html"
    assert demo_reports["fr"].parent == demo_reports["en"].parent
    # The atomic write leaves no temporary file behind.
    assert sorted(p.name for p in demo_reports["fr"].parent.iterdir()) == [
        "index.en.html",
        "index.html",
    ]
    assert '<html lang="fr">' in read(demo_reports["fr"])
    assert '<html lang="en">' in read(demo_reports["en"])


EXTERNAL = re.compile(
    r"""(?:src|href|xlink:href|action)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)""", re.IGNORECASE
)


@pytest.mark.parametrize("which", ["demo", "clean"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_page_references_nothing_external(
    which: str, lang: str, demo_reports: dict[str, Path], clean_reports: dict[str, Path]
) -> None:
    html = read((demo_reports if which == "demo" else clean_reports)[lang])
    assert "http://" not in html
    assert "https://" not in html
    assert "//cdn" not in html
    assert not EXTERNAL.search(html)
    assert "<script" not in without_package_scripts(html).lower()  # only report.js
    assert "<link" not in html.lower()  # stylesheet inlined
    assert "<style>" in html and "@media print" in html


def test_titles_country_and_years(demo_reports: dict[str, Path]) -> None:
    fr, en = read(demo_reports["fr"]), read(demo_reports["en"])
    fr_doc, en_doc = parse(fr), parse(en)
    assert fr_doc.find("h1").text() == (
        f"Observatoire du Commerce Extérieur — offre exportable{NBSP}: avantages comparatifs"
    )
    assert en_doc.find("h1").text() == (
        "Foreign Trade Observatory — exportable supply: comparative advantages"
    )
    assert "Maroc" in fr_doc.find("p", class_="subtitle").text()
    assert "Morocco" in en_doc.find("p", class_="subtitle").text()
    assert "2023–2024" in fr_doc.find("p", class_="subtitle").text()
    assert "2 janvier 2026 à 03:04 UTC" in fr
    assert "2 January 2026, 03:04 UTC" in en


def test_demo_banner_only_when_published_data_is_synthetic(
    demo_reports: dict[str, Path], clean_reports: dict[str, Path]
) -> None:
    assert "Données de démonstration (synthétiques)" in read(demo_reports["fr"])
    assert "Demo data (synthetic)" in read(demo_reports["en"])
    assert len(parse(read(demo_reports["fr"])).find_all("div", class_="banner-demo")) == 1
    # The clean database holds a synthetic batch too, but a rejected one.
    for lang in ("fr", "en"):
        html = read(clean_reports[lang])
        assert parse(html).find_all("div", class_="banner-demo") == []
        assert "Données de démonstration" not in html
        assert "Demo data" not in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_values_are_escaped(lang: str, demo_reports: dict[str, Path]) -> None:
    html = read(demo_reports[lang])
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html  # a validation sample
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_products_ranked_by_rca_in_the_last_year(demo_reports: dict[str, Path]) -> None:
    rows = table_rows(parse(read(demo_reports["en"])), "top-products")
    assert len(rows) == 25  # top_n of 27 exported products
    assert rows[0][:3] == ["1", TOP_RCA_HS6, "Phosphates de calcium naturels"]
    assert [row[0] for row in rows] == [str(i) for i in range(1, 26)]
    assert [row[1] for row in rows[:4]] == ["251010", "080510", "030617", "870323"]
    rcas = [float(row[5]) for row in rows]
    assert rcas == sorted(rcas, reverse=True)
    hs6s = {row[1] for row in rows}
    assert "999999" not in hs6s  # the home country does not export it
    assert "900021" not in hs6s and "900020" not in hs6s  # the two lowest RCAs are cut
    # 2023's RCA of 99 for oranges is not the last year's.
    assert rows[1][5] == "7.25"


def test_products_the_home_country_does_not_export_are_left_out(
    demo_db: Path, tmp_path: Path
) -> None:
    rows = table_rows(parse(read(render(demo_db, tmp_path, "en", top_n=40))), "top-products")
    assert len(rows) == 27
    assert "999999" not in {row[1] for row in rows}


def test_french_and_english_number_formats_in_the_page(demo_reports: dict[str, Path]) -> None:
    fr_rows = {r[1]: r for r in table_rows(parse(read(demo_reports["fr"])), "top-products")}
    en_rows = {r[1]: r for r in table_rows(parse(read(demo_reports["en"])), "top-products")}
    # 12 345 678 USD, RCA 7.25, world share 0.0123456
    assert fr_rows["080510"][4:] == [f"12,3{NBSP}M$", "7,25", f"1,2{NNBSP}%"]
    assert en_rows["080510"][4:] == ["$12.3M", "7.25", "1.2%"]
    assert fr_rows["251010"][4:] == [f"1,23{NBSP}Md$", "45,68", f"34,6{NNBSP}%"]
    assert en_rows["251010"][4:] == ["$1.23bn", "45.68", "34.6%"]
    # 999 600 USD rounds to one million, not to "1 000 k$".
    assert fr_rows["870323"][4] == f"1,00{NBSP}M$"
    assert fr_rows["870323"][6] == f"<{NBSP}0,1{NNBSP}%"
    assert fr_rows["080510"][3] == "Agriculture" and fr_rows["030617"][3] == "Pêche"
    assert en_rows["030617"][3] == "Fishing"


def test_key_figures(demo_reports: dict[str, Path]) -> None:
    figures = parse(read(demo_reports["en"])).find("section", class_="key-figures")
    values = [dd.text() for dd in figures.find_all("dd")]
    # Exported: 5 named products + 22 fillers; RCA >= 1: 45.68, 7.25, 1.8 and 1.0.
    assert values[1:3] == ["27", "4"]


def test_rca_chart_has_one_bar_per_charted_product(demo_reports: dict[str, Path]) -> None:
    doc = parse(read(demo_reports["fr"]))
    svg = doc.find("svg", id="chart-rca")
    assert svg.attrs["role"] == "img"
    assert svg.find("title", id="chart-rca-title").text() == (
        "Indice de Balassa des 15 premiers produits en 2024"
    )
    bars = svg.find_all("rect", class_="bar")
    assert len(bars) == 15
    labels = [t.text() for t in svg.find_all("text", class_="bar-label")]
    assert labels[0] == "251010 Phosphates de calcium naturels"
    values = [t.text() for t in svg.find_all("text", class_="bar-value")]
    assert values[:2] == ["45,68", "7,25"]
    # Bars at or above the threshold (4 of them) are drawn darker than the others.
    assert [("above" in b.attrs["class"]) for b in bars] == [True] * 4 + [False] * 11
    assert "seuil 1,00" in svg.find("g", class_="reference").text()
    # The longest bar is the top product's.
    widths = [float(b.attrs["width"]) for b in bars]
    assert widths[0] == max(widths)


def test_markets_table_and_chart(demo_reports: dict[str, Path]) -> None:
    fr_doc = parse(read(demo_reports["fr"]))
    rows = table_rows(fr_doc, "top-markets")
    assert [r[:3] for r in rows] == [
        ["1", "Espagne", "ESP"],
        ["2", "France", "FRA"],
        ["3", "S19", "S19"],
    ]
    assert rows[0][3:] == [f"480{NBSP}M$", f"40,0{NNBSP}%"]
    assert len(fr_doc.find("svg", id="chart-markets").find_all("rect", class_="bar")) == 3
    en_rows = table_rows(parse(read(demo_reports["en"])), "top-markets")
    assert en_rows[0][1] == "Spain"


def test_run_metadata_sources_and_validation_failures(demo_reports: dict[str, Path]) -> None:
    doc = parse(read(demo_reports["fr"]))
    footer = doc.find("footer", id="run-metadata")
    assert "run-20260102-0300" in footer.text()
    sources = table_rows(doc, "sources")
    assert [r[:3] for r in sources] == [
        ["CEPII BACI", "202412", "BACI_HS22_Y2022_V202412.csv"],
        ["CEPII BACI", "202501", "BACI_HS22_Y2023_V202501.csv"],
        ["CEPII BACI", "202501", "BACI_HS22_Y2024_V202501.csv"],
    ]
    assert sources[1][4:7] == ["900", "897", "3"]
    assert sources[0][7].startswith("rejeté") and "50 rows failed" in sources[0][7]
    assert sources[2][7].startswith("publié")
    suites = table_rows(doc, "validation")
    assert suites == [["baci_flows", "3", "1"], ["countries", "1", "0"]]
    failures = table_rows(doc, "validation-failures")
    assert len(failures) == 1
    assert failures[0][:6] == [
        "baci_flows",
        "b3",
        "expect_column_values_to_match_regex",
        "hs6",
        "37",
        "50",
    ]
    counts = dict(r[:2] for r in table_rows(doc, "row-counts"))
    assert counts["mart.home_rca_hs6"] == "29"
    assert counts["mart.home_top_markets"] == "4"
    assert counts["Lignes chargées (ops.load_ledger)"] == f"1{NNBSP}897"
    method = doc.find("section", class_="method").text()
    assert "CEPII BACI, version 202501" in method  # the rejected release is not a source
    assert "202412" not in method
    assert "ACR ≥ 1,00" in method


def test_clean_run_says_all_checks_passed(clean_reports: dict[str, Path]) -> None:
    doc = parse(read(clean_reports["fr"]))
    assert "Tous les contrôles sont réussis." in doc.find("footer", id="run-metadata").text()
    assert doc.find_all("table", id="validation-failures") == []
    assert "All checks passed." in read(clean_reports["en"])


@pytest.mark.parametrize("which", ["demo", "clean"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_page_is_well_formed(
    which: str, lang: str, demo_reports: dict[str, Path], clean_reports: dict[str, Path]
) -> None:
    html = read((demo_reports if which == "demo" else clean_reports)[lang])
    assert html.startswith("<!DOCTYPE html>")
    doc = parse(html)  # raises on any unbalanced tag, table and svg included
    assert len(doc.find_all("table")) >= 4
    assert len(doc.find_all("svg")) == 2


def test_missing_last_year_falls_back_to_latest_year_with_a_note(tmp_path: Path) -> None:
    db = build_database(tmp_path / "p.duckdb", synthetic=False, failures=False, last_year=2025)
    html = read(render(db, tmp_path / "out", "fr"))
    doc = parse(html)
    assert "Aucune donnée n’est encore disponible pour 2025" in doc.find("p", class_="note").text()
    assert table_rows(doc, "top-products")[0][1] == TOP_RCA_HS6


def test_unknown_language_is_refused(demo_db: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown report language 'de'"):
        render(demo_db, tmp_path, "de")
    assert list(tmp_path.iterdir()) == []


def test_bad_top_n_is_refused(demo_db: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="top_n"):
        render(demo_db, tmp_path, "fr", top_n=0)


def test_missing_table_is_a_warehouse_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(WarehouseError, match="cannot read the published database"):
        render(empty, tmp_path / "out", "fr")


def test_failed_write_keeps_the_previous_page(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "index.html"
    page.write_text("previous", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        render(demo_db, tmp_path, "fr")
    assert page.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


# --- formatting, translations and charts, alone ---------------------------------------------


@pytest.mark.parametrize(
    ("value", "fr", "en"),
    [
        (12_345_678, f"12,3{NBSP}M$", "$12.3M"),
        (1_234_567_890, f"1,23{NBSP}Md$", "$1.23bn"),
        (845_000, f"845{NBSP}k$", "$845k"),
        (9_996, f"10,0{NBSP}k$", "$10.0k"),
        (999_600, f"1,00{NBSP}M$", "$1.00M"),
        (950, f"950{NBSP}$", "$950"),
        (0, f"0{NBSP}$", "$0"),
        (-2_500_000, f"-2,50{NBSP}M$", "-$2.50M"),
        (3_456_000_000_000, f"3{NNBSP}456{NBSP}Md$", "$3,456bn"),
        (None, "—", "—"),
        (float("nan"), "—", "—"),
    ],
)
def test_format_usd(value: float | None, fr: str, en: str) -> None:
    assert format_usd(value, "fr") == fr
    assert format_usd(value, "en") == en


def test_other_formats() -> None:
    assert format_integer(1_234_567, "fr") == f"1{NNBSP}234{NNBSP}567"
    assert format_integer(1_234_567, "en") == "1,234,567"
    assert format_decimal(1234.567, "fr") == f"1{NNBSP}234,57"
    assert format_decimal(1234.567, "en") == "1,234.57"
    assert format_percent(0.1234, "fr") == f"12,3{NNBSP}%"
    assert format_percent(0.1234, "en") == "12.3%"
    assert format_percent(0.0, "en") == "0.0%"
    assert format_percent(0.00001, "en") == "< 0.1%"
    assert format_datetime(datetime(2026, 3, 1, 9, 5), "fr") == "1er mars 2026 à 09:05"
    assert format_datetime(datetime(2026, 8, 15, 23, 0), "en") == "15 August 2026, 23:00"
    with pytest.raises(ValueError, match="unknown report language"):
        format_usd(1.0, "es")


def test_bar_chart_escapes_text_and_draws_each_item() -> None:
    svg = bar_chart_svg(
        [(f"a {SCRIPT}", 2.0), ("b & c", 0.5), ("négatif", -1.0)],
        title='Titre "<b>"',
        reference_line=1.0,
        value_format=lambda v: f"{v:.1f}<",
    )
    assert isinstance(svg, Markup)
    assert SCRIPT not in svg and "<b>" not in svg and "1.0<" not in svg
    assert "&lt;script&gt;" in svg and "b &amp; c" in svg and "2.0&lt;" in svg
    doc = parse(str(svg))
    chart = doc.find("svg")
    assert chart.find("title", id=chart.attrs["id"] + "-title").text() == 'Titre "<b>"'
    bars = chart.find_all("rect", class_="bar")
    assert len(bars) == 3
    # The negative bar ends where the positive bars start (at zero).
    x = [float(b.attrs["x"]) for b in bars]
    assert x[0] == x[1] == pytest.approx(x[2] + float(bars[2].attrs["width"]))
    assert len(chart.find_all("g", class_="reference")) == 1


def test_bar_chart_refuses_non_finite_values() -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        bar_chart_svg([("a", float("nan"))], title="t")
