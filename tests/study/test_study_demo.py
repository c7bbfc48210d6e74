"""The study on the demo data, through the nightly job: the published tables, checked
against the demo's construction and against direct computations on the archive's CSVs."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import duckdb
import pandas as pd
import pytest

from observatory.demo.profiles import SPECIALISATIONS
from observatory.study.refresh import STUDY_TABLES


@pytest.fixture(scope="module")
def published(demo_run: dict[str, Any]):
    con = duckdb.connect(str(demo_run["cfg"].warehouse.published), read_only=True)
    yield con
    con.close()


def test_every_study_table_is_published_and_filled(published, demo_run) -> None:
    for name in STUDY_TABLES:
        rows = published.execute(f"select count(*) from mart.{name}").fetchall()[0][0]
        if name == "study_changes":  # first version: nothing to compare with
            assert rows == 0
        else:
            assert rows > 0, name
    study = demo_run["summary"]["study"]
    assert study["new_version"] is True and study["previous_id"] is None
    assert set(study["seconds"]) >= {"complexity", "010_product_competitiveness",
                                     "cms_decomposition", "versions"}


def test_top_rca_products_are_the_demo_specialisations(published, demo_run) -> None:
    last = demo_run["cfg"].study.last_year
    top = [code for (code,) in published.execute(
        "select code from mart.product_competitiveness where level = 'hs6' and year = ? "
        "order by rca desc limit 10", [last]).fetchall()]
    assert set(top) <= set(SPECIALISATIONS["MAR"])


def test_competitiveness_equals_a_direct_computation_on_the_csv(published, demo_run) -> None:
    """RCA, world share, home imports and the HS4 totals, from the archive's last year."""
    last = demo_run["cfg"].study.last_year
    with zipfile.ZipFile(demo_run["archive"]) as zf:
        name = next(n for n in zf.namelist() if n.startswith(f"BACI_HS22_Y{last}_"))
        frame = pd.read_csv(io.BytesIO(zf.read(name)), dtype={"k": str},
                            keep_default_na=False)
    frame["k"] = frame["k"].str.zfill(6)
    frame["v"] = frame["v"] * 1000  # BACI values are in thousands of USD
    world = frame.groupby("k")["v"].sum()
    home = frame[frame["i"] == 504].groupby("k")["v"].sum()
    home_imports = frame[frame["j"] == 504].groupby("k")["v"].sum()
    rca = (home / home.sum()) / (world[home.index] / frame["v"].sum())
    mart = published.execute(
        "select code, rca, world_market_share, home_imports_usd from mart.product_competitiveness "
        "where level = 'hs6' and year = ? and home_exports_usd > 0", [last]).df()
    mart = mart.set_index("code")
    assert set(mart.index) == set(home.index)
    assert mart["rca"].to_numpy() == pytest.approx(rca[mart.index].to_numpy(), rel=1e-9)
    share = home[mart.index] / world[mart.index]
    assert mart["world_market_share"].to_numpy() == pytest.approx(share.to_numpy(), rel=1e-9)
    imports = home_imports.reindex(mart.index, fill_value=0.0)
    assert mart["home_imports_usd"].to_numpy() == pytest.approx(imports.to_numpy(), rel=1e-9)
    hs4 = home.groupby(home.index.str[:4]).sum()
    mart4 = dict(published.execute(
        "select code, home_exports_usd from mart.product_competitiveness "
        "where level = 'hs4' and year = ? and home_exports_usd > 0", [last]).fetchall())
    assert mart4 == pytest.approx(hs4.to_dict(), rel=1e-9)


def test_potential_says_where_tariffs_were_used(published) -> None:
    terms = dict(published.execute(
        "select market_access_term, count(distinct market_iso3) from mart.export_potential "
        "group by all").fetchall())
    # The demo loads WITS tariffs for ten of the priority markets, none for the EU's.
    assert terms["tariffs"] == 10 and terms["neutral"] >= 1
    eu = published.execute(
        "select distinct market_access_term from mart.export_potential "
        "where market_iso3 in ('FRA', 'ESP', 'DEU', 'ITA', 'NLD')").fetchall()
    assert eu == [("neutral",)]
    bad = published.execute(
        "select count(*) from mart.export_potential where untapped_usd < 0 "
        "or abs(potential_usd - supply_share * net_exporter_factor * supply_growth_factor "
        "* projected_demand_usd * market_access_factor * ease_of_trade) "
        "> 1e-6 * potential_usd").fetchall()[0][0]
    assert bad == 0


def test_cms_effects_add_up_and_complexity_has_both_levels(published) -> None:
    for scope, total, parts in published.execute(
            "select scope, sum(value_usd) filter (effect = 'total'), "
            "sum(value_usd) filter (effect <> 'total') from mart.cms_decomposition "
            "group by scope").fetchall():
        assert parts == pytest.approx(total, rel=1e-9, abs=1e-3), scope
    levels = {lvl for (lvl,) in published.execute(
        "select distinct level from mart.complexity_products").fetchall()}
    assert levels == {4, 6}


def test_afcfta_openings_respect_their_definition(published) -> None:
    rows = published.execute(
        "select o.importer_iso3, c.afcfta_state_party, o.outside_share, o.home_rca "
        "from mart.afcfta_openings as o join ref.countries as c on c.iso3 = o.importer_iso3"
    ).fetchall()
    assert rows
    assert all(party and share > 0.5 and rca >= 1 for _, party, share, rca in rows)


def test_study_report_and_workbook_are_published_in_both_languages(published,
                                                                   demo_run) -> None:
    from openpyxl import load_workbook

    cfg = demo_run["cfg"]
    reports = cfg.report.dir
    assert {str(reports / n) for n in ("study.html", "study.en.html", "study.xlsx",
                                       "study.en.xlsx")} <= set(demo_run["summary"]
                                                                ["report_paths"])
    fr = (reports / "study.html").read_text(encoding="utf-8")
    en = (reports / "study.en.html").read_text(encoding="utf-8")
    assert '<html lang="fr"' in fr and '<html lang="en"' in en
    for html in (fr, en):
        # The charts analysts expect, inline, and the method notes.
        for chart in ("chart-positioning", "chart-product-space", "chart-market-shares",
                      "chart-cms"):
            assert f'id="{chart}"' in html, chart
        assert 'id="method-potential"' in html and "<script src" not in html
        assert "mart.export_potential" in html  # every table names its mart
    assert 'href="study.html"' in (reports / "index.html").read_text(encoding="utf-8")
    book = load_workbook(reports / "study.en.xlsx", read_only=True)
    assert {"product_competitiveness", "export_potential", "cms_decomposition",
            "afcfta_openings", "diversification_opportunities"} <= set(book.sheetnames)
    # A note row naming the table, then the header row with units.
    units = " ".join(str(c.value) for row in book["export_potential"].iter_rows(
        min_row=1, max_row=4) for c in row if c.value)
    assert "USD" in units


def test_the_catalogue_declares_every_column_of_the_study_marts(published) -> None:
    """The workbook's sheets follow the catalogue: a mart column it does not declare would
    reach analysts under its raw name, after the others. Declare it in
    observatory/report/catalogue/workbook.py (SHEETS) with a `wb_col_<name>` message."""
    from observatory.report.catalogue import SHEETS

    for sheet in SHEETS:
        schema, name = sheet.source.split(".")
        columns = [r[0] for r in published.execute(
            "select column_name from information_schema.columns where table_schema = ? "
            "and table_name = ? order by ordinal_position", [schema, name]).fetchall()]
        assert [c.key for c in sheet.columns if not c.derived] == columns, sheet.key
