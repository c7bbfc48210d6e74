"""The watch pages: files and languages, market filter, sections and captions, escaping of
outside text, links, missing tables."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from observatory.errors import WarehouseError
from observatory.report.formatting import Formatter
from observatory.report.index_page import render_report
from observatory.report.watch_report import (
    INDEX_CHARTS,
    MARKET_CHARTS,
    WATCH_TABLES,
    evidence_items,
    market_file,
    render_watch_reports,
    safe_link,
)
from tests.parameter_rows import update_parameters
from tests.report_scripts import without_package_scripts
from tests.test_report import EXTERNAL, Node, parse, table_rows
from tests.test_study_report import _create, build_study_database

GENERATED_AT = datetime(2026, 2, 3, 4, 5, tzinfo=UTC)
AS_OF = date(2026, 2, 3)
HOSTILE_TITLE = "<img src=x onerror=alert(1)>Tomato rules & <b>bold</b>"
HOSTILE_SUMMARY = "Summary <script>alert('feed')</script> & more"
HOSTILE_ALERT = "Share drop <svg onload=alert(2)>"
NOTIFICATION_TITLE = "Maximum residue levels <i>citrus</i> & co"
JS_LINK = "javascript:alert(document.domain)"
SAFE_FEED_LINK = "https://eur-lex.europa.eu/item?id=1&lang=fr"
EPING_LINK = "https://eping.wto.org/en/Search/Index?id=100"

# (level, code, description, imports, imports prev, home, home prev, rank, rank prev, flag)
FRA_SHARES = [
    ("hs6", "080510", "Oranges, fresh", 1e9, 1e9, 5e7, 1e8, 3, 2, "consistent"),
    ("hs6", "070200", "Tomatoes", 5e8, 4e8, 2e8, 1e8, 1, 2, "mirror_higher"),
    ("hs6", "030617", "Frozen shrimps", 1e8, 1.25e8, 1e7, 1e7, 4, 5, None),
    ("hs4", "0805", "Citrus fruit", 1.2e9, 1.2e9, 5e7, 1e8, 3, 2, None),
    ("hs4", "0702", "Tomatoes", 5e8, 4e8, 2e8, 1e8, 1, 2, None),
    ("sector", "agri", "Agrifood", 1.6e9, 1.525e9, 2.6e8, 2.1e8, 2, 2, None),
]
# FRA, HS6, 2023: (home 2.6e8 / imports 1.6e9) - (2.1e8 / 1.525e9) = 16.25 % - 13.77 %.
FRA_CHANGE_PTS = 100 * (2.6e8 / 1.6e9 - 2.1e8 / 1.525e9)
# (code, supplier, role, exports, exports prev, gains while home loses)
FRA_SUPPLIERS = [
    ("080510", "MAR", "home", 5e7, 1e8, False),
    ("080510", "ESP", "competitor", 4e8, 3.5e8, True),
    ("080510", "CHN", "competitor", 1e8, 1e8, False),
    ("070200", "MAR", "home", 2e8, 1e8, False),
    ("070200", "ESP", "competitor", 1e8, 1.5e8, False),
    ("030617", "MAR", "home", 1e7, 1e7, False),
    ("030617", "ESP", "competitor", 2e7, 2e7, False),
]


def _share_rows() -> list[tuple]:
    rows = []
    for level, code, desc, imp, imp_prev, home, home_prev, rank, rank_prev, flag in FRA_SHARES:
        rows.append(("FRA", level, code, desc, "annual", "2023", "2022", imp, imp_prev, home,
                     home_prev, home / imp, home_prev / imp_prev,
                     100 * (home / imp - home_prev / imp_prev), rank, rank_prev, 12, flag))
    rows.append(("FRA", "hs6", "080510", "Oranges, fresh", "rolling12", "2024-06", "2023-06",
                 8e8, 9e8, 2e7, 6e7, 0.025, 6e7 / 9e8, 100 * (0.025 - 6e7 / 9e8), 5, 3, 10,
                 None))
    rows.append(("SEN", "hs6", "251010", "Natural calcium phosphates", "annual", "2023", "2022",
                 2e8, 2e8, 5e7, 6e7, 0.25, 0.3, -5.0, 1, 1, 4, "consistent"))
    return rows


def _competitor_rows() -> list[tuple]:
    imports = {code: (imp, prev) for _, code, _, imp, prev, *_ in FRA_SHARES}
    rows = []
    for code, supplier, role, x, x_prev, gains in FRA_SUPPLIERS:
        share, share_prev = x / imports[code][0], x_prev / imports[code][1]
        rows.append(("FRA", "hs6", code, "annual", "2023", supplier, role, x, x_prev, share,
                     share_prev, 100 * (share - share_prev), 1, gains))
    return rows


def _alert(alert_id: str, rule: str, market: str, product: str | None, title: str,
           evidence: str, status: str, raised_run: str, cleared_run: str | None) -> tuple:
    return (alert_id, f"{rule}|{market}|{product}", rule, market, product, "2023", None, 2.5,
            title, title, evidence, status, raised_run, datetime(2026, 2, 3, 4, 3), raised_run,
            cleared_run, datetime(2026, 2, 3, 4, 3) if cleared_run else None)


SHARE_DROP_EVIDENCE = json.dumps({
    "home_share": 0.05,
    "home_share_prev": 0.1,
    "share_change_pts": -5.0,
    "home_exports_prev_usd": 1e8,
    "threshold_pts": 2.0,
    "source_rows": [
        {"year": 2022, "exporter_iso3": "MAR", "value_usd": 1e8},
        {"year": 2023, "exporter_iso3": "MAR", "value_usd": 5e7},
    ],
})


def build_watch_database(path: Path, *, drop: tuple[str, ...] = ()) -> Path:
    """The study report's small published database plus every table the watch pages read,
    from hand-written rows: FRA (an EU market, every section filled) and SEN (no tariffs, no
    notifications); MAR is the home country, ESP and CHN its watched competitors. Hostile
    text sits in feed items, alert titles and notification titles; `drop` leaves tables
    out."""
    build_study_database(path)
    con = duckdb.connect(str(path))
    con.execute("create schema core")
    con.execute("insert into ops.run_markets values ('CHN', 'competitor')")
    if "ops.watch_parameters" not in drop:
        update_parameters(con, {"as_of": AS_OF, "min_value_usd": 1e6, "share_drop_pts": 2.0,
                                "competitor_gain_pts": 2.0, "demand_contraction_pct": 15.0,
                                "watch_top_products": 20, "deadline_days": 21,
                                "rasff_spike_ratio": 2.0, "rasff_spike_min": 3})
    # fmt: off
    tables: dict[str, tuple[str, list[tuple]]] = {
        "mart.watch_market_shares": (
            "market_iso3 varchar, level varchar, code varchar, description varchar, "
            "period_kind varchar, period varchar, previous_period varchar, "
            "market_imports_usd double, market_imports_prev_usd double, "
            "home_exports_usd double, home_exports_prev_usd double, home_share double, "
            "home_share_prev double, share_change_pts double, home_rank integer, "
            "home_rank_prev integer, suppliers integer, mirror_flag varchar",
            _share_rows(),
        ),
        "mart.watch_competitors": (
            "market_iso3 varchar, level varchar, code varchar, period_kind varchar, "
            "period varchar, supplier_iso3 varchar, role varchar, exports_usd double, "
            "exports_prev_usd double, share double, share_prev double, "
            "share_change_pts double, rank integer, gains_while_home_loses boolean",
            _competitor_rows(),
        ),
        "mart.watch_demand": (
            "market_iso3 varchar, level varchar, code varchar, year integer, "
            "imports_usd double, imports_prev_usd double, growth_pct double, "
            "trend_cagr_pct double",
            [
                ("FRA", "hs6", "080510", 2022, 1e9, 9e8, 11.1, None),
                ("FRA", "hs6", "080510", 2023, 1e9, 1e9, 0.0, 5.4),
                ("FRA", "hs6", "070200", 2022, 4e8, 4e8, 0.0, None),
                ("FRA", "hs6", "070200", 2023, 5e8, 4e8, 25.0, 11.8),
                ("FRA", "hs6", "030617", 2023, 1e8, 1.25e8, -20.0, -10.6),
                ("FRA", "sector", "agri", 2023, 1.6e9, 1.525e9, 4.9, 2.4),
                ("SEN", "hs6", "251010", 2023, 2e8, 2e8, 0.0, None),
            ],
        ),
        "mart.watch_unit_values": (
            "market_iso3 varchar, hs6 varchar, year integer, supplier_iso3 varchar, "
            "role varchar, value_usd double, quantity_t double, unit_value_usd_per_t double, "
            "relative_to_home double, relative_to_market double",
            [
                ("FRA", "080510", 2023, "MAR", "home", 5e7, 1e5, 500.0, 1.0, 0.8),
                ("FRA", "080510", 2023, "ESP", "competitor", 4e8, 5e5, 800.0, 1.6, 1.28),
                ("FRA", "080510", 2023, None, "market", 1e9, 1.6e6, 625.0, 1.25, 1.0),
            ],
        ),
        "mart.watch_tariff_margins": (
            "market_iso3 varchar, hs6 varchar, tariff_year integer, mfn_pct double, "
            "home_tariff_pct double, competitor_iso3 varchar, competitor_tariff_pct double, "
            "margin_pts double",
            [
                ("FRA", "080510", 2023, 10.0, 0.0, "CHN", 10.0, 10.0),
                ("FRA", "080510", 2023, 10.0, 0.0, "ESP", 0.0, 0.0),
            ],
        ),
        "mart.regulatory_exposure": (
            "source varchar, notification_id bigint, symbol varchar, area varchar, "
            "title varchar, link varchar, distribution_date date, comment_deadline date, "
            "days_left integer, is_open boolean, market_iso3 varchar, hs_code varchar, "
            "hs_level integer, home_exports_usd double, home_share_of_market_exports double, "
            "is_top_product boolean, priority_score double, priority_rank integer, "
            "batch_id varchar",
            [
                ("eping", 100, "G/SPS/N/EU/100", "SPS", NOTIFICATION_TITLE, EPING_LINK,
                 date(2026, 1, 20), date(2026, 2, 13), 10, True, "FRA", "0805", 4, 5e7, 0.19,
                 True, 9.0, 1, "e1"),
                ("eping", 100, "G/SPS/N/EU/100", "SPS", NOTIFICATION_TITLE, EPING_LINK,
                 date(2026, 1, 20), date(2026, 2, 13), 10, True, "FRA", "080510", 6, 5e7,
                 0.19, True, 9.0, 1, "e1"),
                ("eping", 101, "G/TBT/N/FRA/7", "TBT", "Tomato labelling", EPING_LINK,
                 date(2025, 12, 1), date(2026, 1, 29), -5, False, "FRA", "070200", 6, 2e8,
                 0.77, True, 2.0, 3, "e1"),
                ("eping", 102, "G/TBT/N/EU/9", "TBT", "Packaging", JS_LINK,
                 date(2026, 1, 25), date(2026, 4, 1), 57, True, "FRA", None, None, 0.0, 0.0,
                 False, 1.0, 2, "e1"),
                ("cbam", None, None, "CBAM", None, None, None, None, None, None, "FRA",
                 "720810", 6, 3e6, 0.01, False, None, None, None),
                ("eudr", None, None, "EUDR", None, None, None, None, None, None, "FRA",
                 "180100", 6, 0.0, 0.0, False, None, None, None),
            ],
        ),
        "mart.rasff_intensity": (
            "origin_iso3 varchar, product_group varchar, year integer, notifications bigint, "
            "exports_year integer, exports_to_eu_usd double, per_100m_usd double, "
            "prev_years_avg double",
            [
                ("MAR", "fruits and vegetables", 2024, 6, 2023, 3e8, 2.0, 2.5),
                ("ESP", "fruits and vegetables", 2024, 4, 2023, 4e9, 0.1, 3.0),
                ("MAR", "fruits and vegetables", 2023, 2, 2023, 3e8, 2 / 3, 3.0),
                ("CHN", "fruits and vegetables", 2021, 9, 2021, 1e9, 0.9, None),
            ],
        ),
        "mart.watch_digest": (
            "run_id varchar, previous_run_id varchar, section varchar, rank integer, "
            "market_iso3 varchar, code varchar, title_en varchar, title_fr varchar, "
            "value double, detail varchar",
            [
                ("run-2", "run-1", "vintage", 1, None, "baci", "BACI release 202501",
                 "Millésime BACI 202501", 10.0, "202412 -> 202501"),
                ("run-2", "run-1", "notification", 1, "FRA", "G/SPS/N/EU/100",
                 "New SPS notification", "Nouvelle notification SPS", 5e7, None),
                ("run-2", "run-1", "alert_raised", 1, "FRA", "080510", HOSTILE_ALERT,
                 HOSTILE_ALERT, 2.5, None),
                ("run-2", "run-1", "move", 1, "FRA", "070200", "Tomatoes share up",
                 "Hausse de la part des tomates", 15.0, "25.0 % -> 40.0 %"),
            ],
        ),
        "ops.alerts": (
            "alert_id varchar, alert_key varchar, rule varchar, market_iso3 varchar, "
            "product_code varchar, period varchar, reference varchar, severity double, "
            "title_en varchar, title_fr varchar, evidence varchar, status varchar, "
            "raised_run varchar, raised_at timestamp, last_seen_run varchar, "
            "cleared_run varchar, cleared_at timestamp",
            [
                _alert("a1", "share_drop", "FRA", "080510", HOSTILE_ALERT, SHARE_DROP_EVIDENCE,
                       "open", "run-2", None),
                _alert("a2", "competitor_gain", "FRA", "080510", "ESP gains on oranges",
                       json.dumps({"competitor_iso3": "ESP", "share_change_pts": 5.0}),
                       "open", "run-1", None),
                _alert("a3", "deadline", "FRA", None, "Comment deadline in 10 days",
                       "not json <b>raw</b>", "open", "run-2", None),
                _alert("a4", "demand_contraction", "SEN", "251010", "Phosphate demand fell",
                       json.dumps({"growth_pct": -20.0}), "cleared", "run-1", "run-2"),
            ],
        ),
        "core.feed_items": (
            "feed varchar, item_id varchar, title varchar, summary varchar, link varchar, "
            "published_at timestamp, categories varchar[], batch_id varchar",
            [
                ("eu-ojl", "i1", HOSTILE_TITLE, HOSTILE_SUMMARY, JS_LINK,
                 datetime(2026, 2, 2, 8, 0), ["SPS"], "f1"),
                ("eu-ojl", "i2", "Citrus import conditions", "New conditions", SAFE_FEED_LINK,
                 datetime(2026, 2, 1, 8, 0), [], "f1"),
                ("eu-ojl", "i3", "Relative link", None, "/local/path",
                 datetime(2026, 1, 1, 8, 0), [], "f1"),
                ("sen-customs", "s1", "Senegal customs notice", None, "http://douanes.sn/1",
                 datetime(2026, 2, 1, 9, 0), [], "f1"),
            ],
        ),
        "core.feed_markets": (
            "feed varchar, market_iso3 varchar",
            [("eu-ojl", "FRA"), ("sen-customs", "SEN")],
        ),
    }
    # fmt: on
    for table, (columns, rows) in tables.items():
        if table not in drop:
            _create(con, table, columns, rows)
    con.close()
    return path


def render(db: Path, out: Path, lang: str, **kwargs: object) -> list[Path]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return render_watch_reports(con, out, lang, generated_at=GENERATED_AT, **kwargs)
    finally:
        con.close()


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def watch_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_watch_database(tmp_path_factory.mktemp("watch") / "published.duckdb")


@pytest.fixture(scope="module")
def pages(watch_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every page in both languages, by file name."""
    out = tmp_path_factory.mktemp("watch-pages")
    paths = [p for lang in ("fr", "en") for p in render(watch_db, out, lang)]
    return {p.name: read(p) for p in paths}


@pytest.fixture(scope="module")
def docs(pages: dict[str, str]) -> dict[str, Node]:
    return {name: parse(html) for name, html in pages.items()}


def elements(node: Node) -> list[Node]:
    """Every element under `node`, in document order."""
    found = []
    for child in node.children:
        if isinstance(child, Node):
            found.append(child)
            found.extend(elements(child))
    return found


# --- files, languages, market filter -------------------------------------------------------


def test_pages_are_written_under_their_names(watch_db: Path, tmp_path: Path) -> None:
    fr = render(watch_db, tmp_path, "fr")
    en = render(watch_db, tmp_path, "en")
    assert [p.name for p in fr] == ["watch.html", "market-FRA.html", "market-SEN.html",
                                    "digest.html"]
    assert [p.name for p in en] == ["watch.en.html", "market-FRA.en.html",
                                    "market-SEN.en.html", "digest.en.html"]
    assert market_file("FRA", "en") == "market-FRA.en.html"
    assert '<html lang="fr">' in read(fr[0]) and '<html lang="en">' in read(en[0])
    # Deterministic: the same database renders the same pages.
    again = render(watch_db, tmp_path / "again", "fr")
    assert [read(p) for p in again] == [read(p) for p in fr]


def test_market_filter_renders_only_the_markets_asked_for(watch_db: Path, tmp_path: Path) -> None:
    paths = render(watch_db, tmp_path, "en", markets=["sen"])
    assert [p.name for p in paths] == ["watch.en.html", "market-SEN.en.html", "digest.en.html"]
    # The index links only to market pages that exist.
    cards = parse(read(paths[0])).find("div", class_="market-cards")
    links = [a.attrs["href"] for a in cards.find_all("a")]
    assert links == ["market-SEN.en.html"]
    with pytest.raises(ValueError, match="ESP is not a priority market"):
        render(watch_db, tmp_path, "en", markets=["ESP"])
    with pytest.raises(ValueError, match="not an ISO3 country code"):
        render(watch_db, tmp_path, "en", markets=["../etc"])


def test_unknown_language_is_refused(watch_db: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown report language"):
        render(watch_db, tmp_path, "de")


@pytest.mark.parametrize("name", ["watch.html", "market-FRA.en.html", "digest.html"])
def test_pages_are_offline_printable_and_script_free(name: str, pages: dict[str, str]) -> None:
    html = pages[name]
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in without_package_scripts(html).lower()  # only report.js
    assert "<link" not in html.lower()
    assert "@media print" in html and "//cdn" not in html
    # No resource is loaded from anywhere; the only outside addresses are the http(s)
    # links of ePing notifications and feed items.
    for node in elements(parse(html)):
        assert not {"src", "xlink:href", "action", "srcset"} & set(node.attrs), node.tag
        if "href" in node.attrs and EXTERNAL.match("href=" + node.attrs["href"]):
            assert node.tag == "a" and node.attrs["href"].startswith("https://"), node.attrs


def test_every_page_shows_vintages_and_validation(docs: dict[str, Node]) -> None:
    for name, doc in docs.items():
        status = doc.find("p", id="data-status").text()
        assert "CEPII BACI" in status and "202501" in status, name
        assert doc.find("footer", id="run-metadata"), name
        assert doc.find("table", id="validation"), name
    assert "Tous les contrôles sont réussis." in docs["watch.html"].find(
        "p", id="data-status").text()


def test_every_table_caption_names_its_table(docs: dict[str, Node]) -> None:
    known = set(WATCH_TABLES) | {"ops.alerts", "core.feed_markets"}
    for name, doc in docs.items():
        for table in doc.find("main").find_all("table"):
            source = table.find("caption").find("span", class_="source").text()
            named = {part.strip() for part in source.split(":", 1)[1].split(",")}
            assert named and named <= known, (name, table.attrs.get("id"), source)


# --- the index -----------------------------------------------------------------------------


def test_index_cards(docs: dict[str, Node]) -> None:
    doc = docs["watch.en.html"]
    fra = doc.find("article", id="card-FRA")
    assert fra.find("a").attrs["href"] == "market-FRA.en.html"
    values = [dd.text().strip() for dd in fra.find_all("dd")]
    # share 2.6e8 / 1.6e9, change, home exports, 3 open alerts, 1 notification due within
    # 21 days, exports under open notifications: 0805 (5e7, which holds 080510), none for 102.
    assert values == ["16.25%", f"+{FRA_CHANGE_PTS:.2f}", "$260M", "3", "1", "$50.0M"]
    assert fra.find("span", class_="tag-eu").text() == "EU"
    kinds = [li.text() for li in fra.find("ul", class_="alert-kinds").find_all("li")]
    assert kinds == ["Share drop: 1", "Competitor gain: 1", "Comment deadline: 1"]
    sen = [dd.text().strip() for dd in doc.find("article", id="card-SEN").find_all("dd")]
    assert sen == ["25.00%", "-5.00", "$50.0M", "0", "0", "$0"]
    chart = doc.find("svg", id="chart-watch-shares")
    assert chart.find("title", id="chart-watch-shares-title").text().startswith(
        "Change in the home country’s share")
    assert len(chart.find_all("g", class_="bar-item")) == 2
    assert doc.find("p", class_="digest-pointer").find("a").attrs["href"] == "digest.en.html"
    assert table_rows(doc, "alert-counts")[0] == ["1", "1", "0", "0", "1", "0", "3"]


def test_index_links_to_the_other_reports(docs: dict[str, Node]) -> None:
    nav = docs["watch.html"].find("nav", class_="watch-nav")
    assert [a.attrs["href"] for a in nav.find_all("a")] == ["digest.html", "index.html"]
    assert nav.find("strong").attrs["aria-current"] == "page"


def test_index_report_links_to_the_watch(watch_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "with-rca.duckdb"
    db.write_bytes(watch_db.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("create table mart.home_rca_hs6 (year integer, hs6 varchar, description varchar, "
                "sector_name_fr varchar, sector_name_en varchar, home_exports_usd double, "
                "home_total_exports_usd double, rca double, world_market_share double)")
    con.execute("create table mart.home_top_markets (year integer, rank integer, "
                "importer_iso3 varchar, exports_usd double, share_of_home_exports double)")
    con.close()
    con = duckdb.connect(str(db), read_only=True)
    try:
        html = read(render_report(con, tmp_path, lang="en", generated_at=GENERATED_AT))
    finally:
        con.close()
    hrefs = [a.attrs["href"] for a in parse(html).find_all("a")]
    assert "study.en.html" in hrefs and "watch.en.html" in hrefs


# --- a market page -------------------------------------------------------------------------


def test_market_page_charts(docs: dict[str, Node]) -> None:
    doc = docs["market-FRA.html"]
    for chart_id in MARKET_CHARTS:
        svg = doc.find("svg", id=chart_id)
        assert svg.attrs["role"] == "img" and svg.find_all("title"), chart_id
    moves = doc.find("svg", id="chart-share-moves")
    assert len(moves.find_all("g", class_="bar-item")) == 3  # the three HS6 codes
    suppliers = doc.find("svg", id="chart-competitors")
    labels = [t.text() for t in suppliers.find_all("text", class_="bar-label")]
    assert labels[0] == "Maroc (MAR)"  # the home country first
    demand = doc.find("svg", id="chart-demand")
    # 2022: 080510 and 070200 (030617 has no 2022 row); 2023: all three codes.
    assert [t.text() for t in demand.find_all("text", class_="column-label")] == ["2022", "2023"]
    assert [t.text() for t in demand.find_all("text", class_="column-value")] == [
        "1,40\u00a0Md$", "1,60\u00a0Md$"]
    assert set(INDEX_CHARTS).isdisjoint(MARKET_CHARTS)


def test_share_moves_tables(docs: dict[str, Node]) -> None:
    doc = docs["market-FRA.en.html"]
    rows = table_rows(doc, "moves-hs6")
    # Largest absolute change first: tomatoes +15, oranges -5, shrimps +2.
    assert [r[0] for r in rows] == ["070200", "080510", "030617"]
    assert rows[1][4:] == ["10.00%", "5.00%", "-5.00", "2 → 3", "12", "consistent"]
    assert rows[2][-1] == "not compared"
    assert [r[0] for r in table_rows(doc, "moves-hs4")] == ["0702", "0805"]
    # Sector names come from ref.hs_sectors, in the page's language.
    assert table_rows(doc, "moves-sector")[0][:2] == ["agri", "Agriculture & fishing"]
    assert table_rows(docs["market-FRA.html"], "moves-sector")[0][:2] == [
        "agri", "Agriculture & <b>pêche</b>"]
    assert [r[0] for r in table_rows(doc, "moves-rolling12")] == ["080510"]
    assert "12 months to June 2023 → 12 months to June 2024" in (
        doc.find("table", id="moves-rolling12").find("caption").text())


def test_competitors_and_who_gains(docs: dict[str, Node]) -> None:
    doc = docs["market-FRA.en.html"]
    table = doc.find("table", id="suppliers")
    names = [tr.find("th").text() for tr in table.find("tbody").find_all("tr")]
    assert names == ["Morocco MAR", "Spain ESP", "China CHN"]  # home first, then by share
    rows = table_rows(doc, "suppliers")
    # Shares of the market's imports of the home country's three products (1.6e9, before
    # 1.525e9): ESP (4e8 + 1e8 + 2e7) / 1.6e9 = 32.5 %, before (3.5e8 + 1.5e8 + 2e7) / 1.525e9.
    assert rows[0] == ["home country", "$260M", "13.77%", "16.25%", f"+{FRA_CHANGE_PTS:.2f}",
                       "—"]
    assert rows[1] == ["competitor", "$520M", "34.10%", "32.50%",
                       f"{100 * (5.2e8 / 1.6e9 - 5.2e8 / 1.525e9):.2f}", "1"]
    gains = table_rows(doc, "gains")
    assert gains == [["080510", "Oranges, fresh", "Spain", "40.00%", "+5.00", "5.00%", "-5.00"]]


def test_prices_tariffs_mirror_and_regulation(docs: dict[str, Node]) -> None:
    doc = docs["market-FRA.en.html"]
    uv = table_rows(doc, "unit-values")
    assert [r[0] for r in uv] == ["Morocco", "Spain", "All suppliers"]
    assert uv[1][3:] == ["800", "1.60", "1.28"]
    tariffs = table_rows(doc, "tariff-margins")
    # The smallest margins (the home country's weakest positions) first.
    assert [r[4:] for r in tariffs] == [["Spain", "0.0%", "0.0"], ["China", "10.0%", "+10.0"]]
    mirror = table_rows(doc, "mirror-flags")
    assert mirror == [["1", "$50.0M"], ["1", "$200M"], ["1", "$10.0M"]]
    notes = table_rows(doc, "notifications")
    # Priority order; the two rows of notification 100 are one row with both HS codes,
    # and the oranges (080510, under 0805) are at stake once.
    assert [r[1] for r in notes] == ["G/SPS/N/EU/100", "G/TBT/N/EU/9", "G/TBT/N/FRA/7"]
    assert notes[0][4:8] == ["0805, 080510", "$50.0M", "19.00%", "20 January 2026"]
    assert notes[0][-1] == "10" and notes[2][-1] == "passed"
    links = doc.find("table", id="notifications").find_all("a")
    assert [a.attrs["href"] for a in links] == [EPING_LINK, EPING_LINK]  # not javascript:
    assert table_rows(doc, "eu-scopes") == [["720810", "$3.00M", "1.00%"]]
    rasff = table_rows(doc, "rasff-intensity")
    # 2021 is more than three years before 2024: left out.
    assert [(r[1], r[2]) for r in rasff] == [("2024", "Morocco"), ("2024", "Spain"),
                                           ("2023", "Morocco")]
    assert rasff[0][5] == "2.00"


def test_non_eu_market_without_tariffs_or_notifications(docs: dict[str, Node]) -> None:
    doc = docs["market-SEN.en.html"]
    assert doc.find("p", id="tariffs-none").text().startswith("No tariffs are loaded for Senegal")
    assert doc.find("p", id="notifications-none")
    assert not doc.find_all("section", id="rasff") and not doc.find_all("table", id="eu-scopes")
    assert doc.find("p", id="alerts-none")  # its only alert is cleared
    assert [li.find("a").text() for li in doc.find_all("li", class_="feed-item")] == [
        "Senegal customs notice"]


def test_open_alerts_show_their_evidence(docs: dict[str, Node]) -> None:
    doc = docs["market-FRA.en.html"]
    table = doc.find("table", id="alerts-open")
    rows = table.find("tbody").find_all("tr")
    assert [r.find("th").text() for r in rows] == ["Share drop", "Competitor gain",
                                                  "Comment deadline"]
    evidence = {
        dt.text(): dd.text()
        for div in rows[0].find("dl", class_="evidence").find_all("div")
        for dt, dd in [(div.find("dt"), div.find("dd"))]
    }
    assert evidence["home_share"] == "5.00%"
    assert evidence["share_change_pts"] == "-5.00"
    assert evidence["home_exports_prev_usd"] == "$100M"
    assert evidence["source_rows"] == (
        "year: 2022; exporter_iso3: MAR; value_usd: $100M | "
        "year: 2023; exporter_iso3: MAR; value_usd: $50.0M")
    assert rows[2].find("dd").text() == "not json <b>raw</b>"  # shown as text


# --- outside text ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["market-FRA.html", "market-FRA.en.html"])
def test_feed_items_render_as_text_with_safe_links_only(name: str, pages: dict[str, str],
                                                      docs: dict[str, Node]) -> None:
    html = pages[name]
    assert "<img" not in html and "<b>bold</b>" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;Tomato rules &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    # The javascript: and relative links of the feed and of ePing are not shown at all.
    assert "javascript:" not in html.lower() and 'href="/local' not in html
    items = docs[name].find("ol", id="feed-items").find_all("li", class_="feed-item")
    assert [i.find("p", class_="feed-title").text() for i in items] == [
        HOSTILE_TITLE, "Citrus import conditions", "Relative link"]  # newest first
    assert not items[0].find_all("a") and not items[2].find_all("a")
    assert items[1].find("a").attrs["href"] == SAFE_FEED_LINK
    assert items[0].find("p", class_="feed-summary").text() == HOSTILE_SUMMARY
    assert "Senegal customs notice" not in html  # another market's feed


@pytest.mark.parametrize("name", ["watch.html", "market-FRA.en.html", "digest.en.html"])
def test_alert_and_notification_titles_are_escaped(name: str, pages: dict[str, str]) -> None:
    html = pages[name]
    assert "<svg onload" not in html and "<i>citrus</i>" not in html
    if name != "watch.html":
        assert "&lt;svg onload=alert(2)&gt;" in html


def test_safe_link() -> None:
    assert safe_link("https://eping.wto.org/x?a=1&b=2") == "https://eping.wto.org/x?a=1&b=2"
    assert safe_link("HTTP://example.org") == "HTTP://example.org"
    for bad in (JS_LINK, " javascript:x", "java\tscript:x", "data:text/html,x", "/local",
                "//cdn.example.org/x", "https://a b", "https://x\n", None, 3, ""):
        assert safe_link(bad) is None, bad


def test_evidence_items_formats_numbers_by_unit() -> None:
    fmt = Formatter("fr")
    items = dict(evidence_items(SHARE_DROP_EVIDENCE, fmt))
    assert items["home_share"] == "5,00\u202f%"
    assert items["share_change_pts"] == "-5,00"
    assert items["threshold_pts"] == "+2,00"
    assert items["home_exports_prev_usd"] == "100\u00a0M$"
    assert evidence_items("[1, 2]", fmt) == [("", "1, 2")]
    assert evidence_items("{bad json", fmt) == [("", "{bad json")]
    assert evidence_items(None, fmt) == []


# --- the digest ------------------------------------------------------------------------------


def test_digest_sections_and_alerts(docs: dict[str, Node]) -> None:
    doc = docs["digest.en.html"]
    assert doc.find("p", id="digest-runs").text().strip() == "Run run-2 compared with run run-1."
    assert table_rows(doc, "digest-vintage") == [
        ["1", "—", "baci", "BACI release 202501", "10", "202412 -> 202501"]]
    notification = table_rows(doc, "digest-notification")[0]
    assert notification[1:5] == ["France", "G/SPS/N/EU/100", "New SPS notification", "$50.0M"]
    assert doc.find("table", id="digest-notification").find("a").attrs["href"] == (
        "market-FRA.en.html")
    assert table_rows(doc, "digest-move")[0][4] == "+15.00"
    assert doc.find("p", id="digest-alert_cleared-none").text() == "Nothing new."
    raised = doc.find("table", id="alerts-raised").find("tbody").find_all("tr")
    assert [r.find("th").text() for r in raised] == ["Share drop", "Comment deadline"]
    cleared = table_rows(doc, "alerts-cleared")
    assert cleared[0][0] == "Senegal" and "growth_pct" in cleared[0][-1]
    assert docs["digest.html"].find("p", id="digest-runs").text().strip() == (
        "Exécution run-2 comparée à l’exécution run-1.")


# --- missing and empty tables ----------------------------------------------------------------


def test_missing_watch_tables_give_no_data_sentences(tmp_path: Path) -> None:
    db = build_watch_database(tmp_path / "bare.duckdb", drop=(*WATCH_TABLES, "core.feed_markets",
                                                             "ops.watch_parameters"))
    paths = render(db, tmp_path / "out", "en")
    # Without the watch marts the priority markets still come from ops.run_markets.
    assert [p.name for p in paths] == ["watch.en.html", "market-FRA.en.html",
                                       "market-SEN.en.html", "digest.en.html"]
    market = read(paths[1])
    for table in ("mart.watch_market_shares", "mart.watch_competitors", "mart.watch_demand",
                  "mart.watch_unit_values", "mart.watch_tariff_margins",
                  "mart.regulatory_exposure", "mart.rasff_intensity", "ops.alerts",
                  "core.feed_items"):
        assert f"No data: table {table} is missing or empty." in market, table
    assert "<svg" not in market
    digest = read(paths[-1])
    assert "No data: table mart.watch_digest is missing or empty." in digest
    assert "No data: table ops.alerts is missing or empty." in digest
    parse(market), parse(digest), parse(read(paths[0]))


def test_empty_watch_tables_give_no_data_sentences(watch_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    db.write_bytes(watch_db.read_bytes())
    con = duckdb.connect(str(db))
    for table in (*WATCH_TABLES, "core.feed_markets"):
        con.execute(f"delete from {table}")
    con.close()
    paths = render(db, tmp_path / "out", "fr")
    doc = parse(read(paths[1]))
    assert doc.find("p", id="tariffs-none") and doc.find("p", id="notifications-none")
    assert len(doc.find_all("p", class_="no-data")) >= 5
    assert not doc.find_all("svg")
    index = parse(read(paths[0]))
    assert [dd.text().strip() for dd in index.find("article", id="card-FRA").find_all("dd")] == [
        "—", "0", "0", "0\u00a0$"]


def test_unreadable_table_is_a_one_line_warehouse_error(watch_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "broken.duckdb"
    db.write_bytes(watch_db.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("alter table ops.alerts drop column rule")
    con.close()
    with pytest.raises(WarehouseError) as raised:
        render(db, tmp_path / "out", "en")
    message = str(raised.value)
    assert message.startswith("watch report: cannot read the published database: ")
    assert "\n" not in message and message.count("cannot read") == 1
