"""Product fiches, the search index and the navigation bar, on the study test database
(tests/test_study_report.py) with an HS4 heading, a regulatory notification and RASFF
notifications added. Expected figures are worked out by hand from the rows written here."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from observatory.config import ConfigError, PriorityConfig, load_config
from observatory.report import published
from observatory.report.navigation import navigation, other_language_file
from observatory.report.product_fiche import (
    FicheSet,
    fiche_context,
    load_fiches,
    render_product_fiches,
)
from observatory.report.published import PublishedTables
from observatory.report.search_page import index_json, render_search_page, search_entries
from observatory.report.sector_fiche import (
    Pair,
    percentile_ranks,
    rank_pairs,
    render_sector_fiches,
    sector_pairs,
)
from observatory.report.texts import translations
from tests.test_study_report import HOSTILE, _create, build_study_database

GENERATED_AT = datetime(2026, 2, 3, 4, 5, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[1]
FORMULA = '=HYPERLINK("x")'


def build_fiche_database(path: Path) -> Path:
    build_study_database(path)
    con = duckdb.connect(str(path))
    con.execute("create schema core")
    # The HS4 heading 0805: 2022 and 2023.
    for year, exports in ((2022, 1.0e8), (2023, 2.5e8)):
        con.execute(
            "insert into mart.product_competitiveness (year, level, code, description, "
            "description_fr, home_exports_usd, world_exports_usd, world_market_share, rca) "
            "values (?, 'hs4', '0805', 'Citrus fruit', 'Citrus fruit', ?, 2e10, ?, 4.0)",
            [year, exports, exports / 2e10],
        )
    _create(
        con,
        "mart.regulatory_exposure",
        "source varchar, notification_id varchar, symbol varchar, title varchar, "
        "link varchar, distribution_date date, comment_deadline date, is_open boolean, "
        "market_iso3 varchar, hs_code varchar, priority_rank integer",
        [
            # On the heading: concerns the heading and each of its lines.
            ("eping", "n1", "G/SPS/N/FRA/1", FORMULA, "javascript:alert(1)",
             date(2026, 1, 5), date(2026, 3, 5), True, "FRA", "0805", 1),
            ("eping", "n2", "G/TBT/N/SEN/2", "Phosphates", "https://eping.wto.org/x",
             date(2026, 1, 6), None, True, "SEN", "251010", 2),
        ],
    )  # fmt: skip
    _create(
        con,
        "core.rasff_notifications",
        "reference varchar, notification_date date, category varchar, subject varchar, "
        "is_current boolean",
        [
            ("2026.0001", date(2026, 1, 2), "fruits and vegetables", "Oranges <b>x</b>", True),
            ("2026.0002", date(2026, 1, 3), "fruits and vegetables", "Spanish oranges", True),
            ("2025.0009", date(2025, 1, 3), "fruits and vegetables", "Old version", False),
        ],
    )
    _create(con, "core.rasff_hs", "reference varchar, hs_prefix varchar",
            [("2026.0001", "08"), ("2026.0002", "0805"), ("2025.0009", "0805")])  # fmt: skip
    _create(con, "core.rasff_origins", "reference varchar, origin_iso3 varchar",
            [("2026.0001", "MAR"), ("2026.0002", "ESP"), ("2025.0009", "MAR")])  # fmt: skip
    con.close()
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fiche_database(tmp_path_factory.mktemp("fiche") / "p.duckdb")


@pytest.fixture(scope="module")
def found(db: Path) -> FicheSet:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return load_fiches(PublishedTables(con, "test"), "MAR")
    finally:
        con.close()


def test_fiches_are_the_products_exported_or_that_could_be(found: FicheSet) -> None:
    # Exported in the window, the two opportunities, the heading of a line; not 999999.
    assert sorted(found.fiches) == [
        "030617", "0805", "080510", "251010", "284110", "310530", "850440", "870323",
    ]  # fmt: skip
    assert found.fiches["0805"].level == "hs4" and found.fiches["080510"].heading == "0805"
    assert [r["code"] for r in found.fiches["0805"].lines] == ["080510"]
    assert found.fiches["284110"].opportunity["opportunity_rank"] == 1
    assert found.fiches["284110"].series == []  # an opportunity, not exported


def test_markets_of_a_line_and_of_its_heading(found: FicheSet) -> None:
    fra = found.fiches["080510"].markets["FRA"]
    assert fra["market_imports_usd"] == 1.1e9
    assert fra["imports_cagr"] == pytest.approx(0.1)  # 1.0e9 (2022) -> 1.1e9 (2023)
    assert (fra["home_share"], fra["home_rank"], fra["leader_iso3"]) == (0.1, 2, "ESP")
    assert fra["home_tariff_pct"] == 0.0 and fra["margin_pts"] == 5.0  # 5 % average - 0 %
    assert (fra["potential_usd"], fra["untapped_usd"]) == (3e8, 2e8)
    heading = found.fiches["0805"].markets["FRA"]
    assert heading["market_imports_usd"] == 1.5e9 and heading["imports_cagr"] is None
    assert heading["potential_usd"] == 3e8  # the sum over its lines (one here)
    assert heading["home_tariff_pct"] is None  # tariffs are by line


def test_notifications_rasff_and_afcfta_reach_the_products_they_concern(
    found: FicheSet,
) -> None:
    def symbols(code: str) -> list[str]:
        return [n["symbol"] for n in found.fiches[code].notifications]

    assert symbols("0805") == symbols("080510") == ["G/SPS/N/FRA/1"]
    assert symbols("251010") == ["G/TBT/N/SEN/2"] and symbols("870323") == []
    # Only the current version of the home country's notifications; a chapter covers all.
    assert [r["reference"] for r in found.fiches["080510"].rasff] == ["2026.0001"]
    assert [r["reference"] for r in found.fiches["0805"].rasff] == ["2026.0001"]
    assert found.fiches["251010"].rasff == []
    assert [r["importer_iso3"] for r in found.fiches["0805"].afcfta] == ["SEN"]


def test_one_query_per_mart_however_many_products(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries: list[str] = []
    real = published.fetch

    def counting(*args: Any, **kwargs: Any) -> Any:
        queries.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(published, "fetch", counting)
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = load_fiches(PublishedTables(con, "test"), "MAR")
    finally:
        con.close()
    assert len(found.fiches) == 8
    assert len(queries) <= 14  # one per mart or reference table, not one per product


def test_fiche_context_sorts_markets_and_keeps_links_safe(found: FicheSet) -> None:
    t = translations("en")
    context = fiche_context(found, found.fiches["251010"], "en", t)
    # SEN: 6e7 untapped; FRA: none untapped.
    assert [m["market_iso3"] for m in context["markets"]] == ["SEN", "FRA"]
    assert context["markets"][0]["market"] == "Senegal"
    assert context["export_growth"] == pytest.approx(1e9 / 9e8 - 1)  # 2022 -> 2023
    assert context["quadrant"] == t["quadrant_champion"]
    line = fiche_context(found, found.fiches["080510"], "fr", translations("fr"))
    assert line["notifications"][0]["url"] is None  # a javascript: link is not a link
    assert line["heading_link"] == "product-0805.html"
    assert fiche_context(found, found.fiches["0805"], "en", t)["lines"][0]["link"] == (
        "product-080510.en.html"
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_rendered_fiche_escapes_and_links(db: Path, tmp_path: Path, lang: str) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        paths = render_product_fiches(con, tmp_path, lang, generated_at=GENERATED_AT)
    finally:
        con.close()
    suffix = "" if lang == "fr" else ".en"
    assert {p.name for p in paths} >= {f"product-080510{suffix}.html", f"product-0805{suffix}.html"}
    html = (tmp_path / f"product-080510{suffix}.html").read_text(encoding="utf-8")
    assert "Oranges &amp; citrons &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html and "Oranges &lt;b&gt;x&lt;/b&gt;" in html
    assert "javascript:" not in html
    assert 'href="product-0805' in html and 'href="market-FRA' not in html  # no watch page
    other = "product-080510.en.html" if lang == "fr" else "product-080510.html"
    assert f'href="{other}"' in html
    assert 'id="product-markets"' in html and 'data-v="1100000000.0"' in html
    assert 'id="chart-product-untapped"' in html  # FRA: 2e8 untapped
    assert 'id="chart-product-prospects"' not in html  # one market with a growth: no chart
    # No internal table or column name in the text of the fiche's sections.
    main = html.split("<main>")[1].split("</main>")[0]
    for internal in ("mart.", "home_exports_usd", "untapped_usd", "market_iso3"):
        assert internal not in main


def test_search_index_finds_products_markets_and_sectors(db: Path, found: FicheSet) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        entries = search_entries(PublishedTables(con, "test"), found, "fr")
    finally:
        con.close()
    by_code = {(e.kind, e.code): e for e in entries}
    assert by_code[("product", "080510")].href == "product-080510.html"
    assert by_code[("product", "251010")].rank == 1  # the largest exports first
    assert by_code[("sector", "agri")].href == "sector-agri.html"  # its fiche
    # Sector names in both languages are searchable words.
    assert "Agriculture & fishing" in by_code[("product", "080510")].words
    text = index_json(entries, "fr")
    assert "<" not in text and ">" not in text and "&" not in text  # safe in <script>
    data = json.loads(text)
    assert {e["code"] for e in data["entries"]} >= {"080510", "0805"}


def test_search_page_and_its_json_index(db: Path, found: FicheSet, tmp_path: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        page, index = render_search_page(con, tmp_path, "en", found, generated_at=GENERATED_AT)
    finally:
        con.close()
    assert (page.name, index.name) == ("search.en.html", "search-index.en.json")
    html = page.read_text(encoding="utf-8")
    embedded = html.split('<script type="application/json" id="search-index">')[1]
    embedded = embedded.split("</script>")[0]
    assert json.loads(embedded) == json.loads(index.read_text(encoding="utf-8"))
    assert HOSTILE not in html  # the hostile description is only in escaped JSON


@pytest.mark.parametrize(
    ("name", "lang", "other"),
    [("market-FRA.html", "fr", "market-FRA.en.html"),
     ("product-0805.en.html", "en", "product-0805.html"),
     ("index.html", "fr", "index.en.html")],
)  # fmt: skip
def test_other_language_file(name: str, lang: str, other: str) -> None:
    assert other_language_file(name, lang, "en" if lang == "fr" else "fr") == other


def test_navigation_links_only_the_sections_the_database_has() -> None:
    nav = navigation("en", "study.en.html", frozenset({"home", "study", "search"}))
    assert [(link.label, link.href, link.current) for link in nav.links] == [
        ("nav_home", "index.en.html", False),
        ("nav_study", "study.en.html", True),
        ("nav_search", "search.en.html", False),
    ]
    assert (nav.other_lang, nav.other_href) == ("fr", "study.html")
    deep = navigation("fr", "x.html", frozenset({"home"}), depth=1)
    assert [link.href for link in deep.links] == ["../index.html"]


# --- sector fiches ------------------------------------------------------------------------------


def test_percentile_ranks_share_ties() -> None:
    ranks = percentile_ranks(np.array([10.0, 20.0, 20.0, 40.0]))
    assert ranks.tolist() == [0.0, 0.5, 0.5, 1.0]
    assert percentile_ranks(np.array([3.0])).tolist() == [1.0]


def pair(code: str, untapped: float, growth: float, margin: float, risk: int) -> Pair:
    return Pair("FRA", code, None, untapped, growth, margin, risk)


def test_priority_score_rank_and_stability_by_hand() -> None:
    pairs = [pair("C", 10, 0.0, 2, 2), pair("A", 100, 0.1, 5, 0), pair("B", 50, 0.2, 0, 1)]
    # Percentile ranks (untapped, growth, margin, risk): A (1, .5, 1, 0), B (.5, 1, 0, .5),
    # C (0, 0, .5, 1); weights .4/.2/.2/.2: A .7, B .3, C -.1.
    fixed = PriorityConfig(weight_spread=0.0, draws=10, top=1)
    ranked = rank_pairs(pairs, fixed)
    assert [(p.code, p.rank) for p in ranked] == [("A", 1), ("B", 2), ("C", 3)]
    assert [round(p.score, 9) for p in ranked] == [0.7, 0.3, -0.1]
    assert [p.stability for p in ranked] == [1.0, 0.0, 0.0]
    # Weights that move: A stays first whatever the draw (it leads on three of four).
    moving = rank_pairs([pair("C", 10, 0.0, 2, 2), pair("A", 100, 0.1, 5, 0),
                         pair("B", 50, 0.2, 0, 1)],
                        PriorityConfig(weight_spread=0.9, draws=200, top=1))  # fmt: skip
    assert moving[0].code == "A" and moving[0].stability == 1.0
    # Only growth counts: B first.
    growth_only = PriorityConfig(untapped_weight=0, growth_weight=1, margin_weight=0,
                                 risk_weight=0, weight_spread=0.0, draws=5, top=1)  # fmt: skip
    assert rank_pairs(pairs, growth_only)[0].code == "B"


def test_sector_fiche_pairs_and_page(db: Path, found: FicheSet, tmp_path: Path) -> None:
    pairs = sector_pairs(found, "mining")
    # 251010: FRA (no untapped potential) and SEN (6e7); SEN has one notification.
    assert sorted((p.market_iso3, p.untapped_usd, p.risk) for p in pairs) == [
        ("FRA", 0.0, 0), ("SEN", 6e7, 1)]  # fmt: skip
    con = duckdb.connect(str(db), read_only=True)
    try:
        paths = render_sector_fiches(con, tmp_path, "en", found, generated_at=GENERATED_AT)
    finally:
        con.close()
    assert "sector-mining.en.html" in {p.name for p in paths}
    html = (tmp_path / "sector-mining.en.html").read_text(encoding="utf-8")
    assert 'id="sector-priority"' in html and 'href="product-251010.en.html"' in html
    assert 'href="sector-mining.html"' in html  # the other language


def test_priority_configuration_is_checked(tmp_path: Path) -> None:
    text = (REPO / "observatory.toml").read_text(encoding="utf-8")
    assert load_config(REPO / "observatory.toml").priority == PriorityConfig()
    bad = tmp_path / "observatory.toml"
    bad.write_text(text.replace("weight_spread = 0.5", "weight_spread = 1.5"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"priority\.weight_spread"):
        load_config(bad)
