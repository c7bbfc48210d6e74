"""The AfCFTA section of the study report: the openings ranked by the untapped export
potential of their market and product (mart.export_potential), with the year the AfCFTA
margin opens (mart.afcfta_margins); an opening without either keeps no value and sorts
last. Expectations computed by hand from the rows below."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from observatory.report.formatting import NBSP
from tests.test_report import Node, parse, table_rows
from tests.test_study_report import build_study_database, read, render

# The openings of the published database of tests/test_study_report.py: SEN x 080510 (opening
# $8M, no potential: the study has SEN x 251010 only), plus these (importer, hs6, opening).
OPENINGS = [("SEN", "251010", 3e6), ("SEN", "030617", 1e6), ("SEN", "284110", 2e7)]
# (market, hs6, untapped): FRA x 030617 must not reach SEN x 030617 (joined on the market too).
POTENTIALS = [("SEN", "030617", 9e7), ("FRA", "030617", 5e8)]
# (importer, hs6, margin_opens_year): SEN x 080510 is scheduled but never opens (excluded
# line); NGA x 284110 must not reach SEN x 284110, which has no schedule.
MARGINS = [("SEN", "251010", 2026), ("SEN", "030617", 2028), ("SEN", "080510", None),
           ("NGA", "284110", 2030)]

UNTAPPED, OPENS = 5, 13  # cells of a row: rank, market, hs6, description, opening, untapped...


def afcfta_database(path: Path, *, drop: tuple[str, ...] = (), margins: bool = True) -> Path:
    build_study_database(path, drop=drop)
    con = duckdb.connect(str(path))
    try:
        for importer, hs6, opening in OPENINGS:
            con.execute(
                "insert into mart.afcfta_openings select * replace (? as hs6, ? as opening_usd, "
                "? as from_outside_africa_usd, 'Product ' || ? as description) "
                "from mart.afcfta_openings where importer_iso3 = ? and hs6 = '080510'",
                [hs6, opening, opening, hs6, importer],
            )
        if "mart.export_potential" not in drop:
            for market, hs6, untapped in POTENTIALS:
                con.execute(
                    "insert into mart.export_potential select * replace (? as market_iso3, "
                    "? as hs6, ? as untapped_usd) from mart.export_potential "
                    "where market_iso3 = 'SEN' and hs6 = '251010'",
                    [market, hs6, untapped],
                )
        if margins:
            con.execute(
                "create table mart.afcfta_margins (importer_iso3 varchar, hs6 varchar, "
                "category varchar, afcfta_pct double, horizon_afcfta_pct double, "
                "margin_opens_year integer)"
            )
            con.executemany(
                "insert into mart.afcfta_margins values (?, ?, 'A', 5.0, 0.0, ?)", MARGINS
            )
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Node]:
    folder = tmp_path_factory.mktemp("afcfta-study")
    db = afcfta_database(folder / "published.duckdb")
    return {lang: parse(read(render(db, folder / "out", lang))) for lang in ("fr", "en")}


def test_openings_are_ranked_by_untapped_potential_with_the_year_the_margin_opens(
    docs: dict[str, Node],
) -> None:
    rows = table_rows(docs["en"], "afcfta-table")
    # 030617: $90M untapped in SEN (not FRA's $500M), margin from 2028; 251010: $60M, 2026;
    # then the openings without a potential, by opening: 284110 ($20M, no schedule: "—",
    # not NGA's 2030) before 080510 ($8M, scheduled, never opens).
    assert [(r[0], r[1], r[2], r[4], r[UNTAPPED], r[OPENS]) for r in rows] == [
        ("1", "Senegal", "030617", "$1.00M", "$90.0M", "2028"),
        ("2", "Senegal", "251010", "$3.00M", "$60.0M", "2026"),
        ("3", "Senegal", "284110", "$20.0M", "—", "—"),
        ("4", "Senegal", "080510", "$8.00M", "—", "never"),
    ]
    fr = table_rows(docs["fr"], "afcfta-table")
    assert [(r[2], r[UNTAPPED], r[OPENS]) for r in fr] == [
        ("030617", f"90,0{NBSP}M$", "2028"),
        ("251010", f"60,0{NBSP}M$", "2026"),
        ("284110", "—", "—"),
        ("080510", "—", "jamais"),
    ]


def test_the_new_columns_have_readers_headers_in_both_languages(docs: dict[str, Node]) -> None:
    for lang, untapped, opens in (
        ("en", "Untapped potential (USD)", "AfCFTA margin opens (year)"),
        ("fr", "Potentiel inexploité (USD)", "Ouverture de la marge ZLECAf (année)"),
    ):
        table = docs[lang].find("table", id="afcfta-table")
        headers = [th.text().strip() for th in table.find("thead").find_all("th")]
        assert headers[UNTAPPED] == untapped and headers[OPENS] == opens, headers
        text = table.text()
        assert "untapped_usd" not in text and "margin_opens_year" not in text


def test_without_potential_or_margins_the_openings_keep_their_order(tmp_path: Path) -> None:
    db = afcfta_database(tmp_path / "p.duckdb", drop=("mart.export_potential",), margins=False)
    rows = table_rows(parse(read(render(db, tmp_path / "out", "en"))), "afcfta-table")
    # All potentials missing: by opening, $20M, $8M, $3M, $1M; nothing shown as "never".
    assert [(r[2], r[UNTAPPED], r[OPENS]) for r in rows] == [
        ("284110", "—", "—"),
        ("080510", "—", "—"),
        ("251010", "—", "—"),
        ("030617", "—", "—"),
    ]
