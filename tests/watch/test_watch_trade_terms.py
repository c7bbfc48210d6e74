"""mart.watch_unit_values and mart.watch_tariff_margins (sql/mart/watch_trade/040-050): price
positioning and preference margins, hand-computed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from observatory.warehouse.sql_runner import apply_file
from tests.study.conftest import StudyDb

WATCH_SQL = Path(__file__).resolve().parents[2] / "sql" / "mart" / "watch_trade"

A, A2, B = "080510", "080521", "620342"  # oranges, mandarins, trousers


def _flows(db: StudyDb, rows: list[tuple[int, str, str, str, float, float | None]]) -> None:
    """Reconciled annual flows with quantities: (year, exporter, importer, hs6, value_usd,
    quantity_t)."""
    db.con.executemany(
        "insert into core.trade_flows by name select 'baci' as source, 'T' as release, "
        "'b' as batch_id, 'reconciled' as reported_by, 'HS22' as classification, "
        "6 as hs_level, ? as product_code, 'A' as freq, ? as year, null as month, "
        "? as exporter_iso3, ? as importer_iso3, ? as value_usd, ? as quantity_t",
        [(hs6, year, exp, imp, value, qty) for year, exp, imp, hs6, value, qty in rows],
    )


def _apply(db: StudyDb, name: str) -> pd.DataFrame:
    apply_file(db.con, WATCH_SQL / f"{name}.sql")
    table = name.split("_", 1)[1]
    return db.con.execute(f"select * from mart.{table}").df()


def _one(table: pd.DataFrame, **keys) -> pd.Series:
    rows = table
    for column, value in keys.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, (keys, rows)
    return rows.iloc[0]


def test_unit_values_against_competitors_and_market(study_db):
    db = study_db
    db.configure(home="MAR", first_year=2021, last_year=2022, priority_markets=["FRA"],
                 competitors=["ESP", "TUR"])
    _flows(db, [
        # 2022, oranges in FRA: MAR 100 USD / 10 t, ESP 300 / 20, ITA (not watched) 60 / 10,
        # TUR 50 USD with no quantity (left out everywhere).
        (2022, "MAR", "FRA", A, 100.0, 10.0), (2022, "ESP", "FRA", A, 300.0, 20.0),
        (2022, "ITA", "FRA", A, 60.0, 10.0), (2022, "TUR", "FRA", A, 50.0, None),
        # Trousers: the home country's quantity is unknown, so no rows.
        (2022, "MAR", "FRA", B, 40.0, None), (2022, "ESP", "FRA", B, 80.0, 4.0),
        # Only the last study year counts.
        (2021, "MAR", "FRA", A, 1000.0, 1.0), (2021, "MAR", "FRA", A2, 10.0, 1.0),
    ])
    uv = _apply(db, "040_watch_unit_values")
    assert list(uv.columns) == [
        "market_iso3", "hs6", "year", "supplier_iso3", "role", "value_usd", "quantity_t",
        "unit_value_usd_per_t", "relative_to_home", "relative_to_market"]
    assert set(uv.hs6) == {A} and set(uv.year) == {2022}
    assert sorted(zip(uv.supplier_iso3, uv.role, strict=True)) == [
        ("ESP", "competitor"), ("MAR", "home"), ("W00", "market")]
    market_uv = (100 + 300 + 60) / (10 + 20 + 10)  # 11.5 USD/t, TUR excluded
    home = _one(uv, role="home")
    assert home.unit_value_usd_per_t == pytest.approx(10.0)
    assert home.relative_to_home == pytest.approx(1.0)
    assert home.relative_to_market == pytest.approx(10.0 / market_uv)
    esp = _one(uv, supplier_iso3="ESP")
    assert esp.value_usd == pytest.approx(300.0) and esp.quantity_t == pytest.approx(20.0)
    assert esp.unit_value_usd_per_t == pytest.approx(15.0)
    assert esp.relative_to_home == pytest.approx(1.5)
    assert esp.relative_to_market == pytest.approx(15.0 / market_uv)
    market = _one(uv, role="market")
    assert market.value_usd == pytest.approx(460.0) and market.quantity_t == pytest.approx(40.0)
    assert market.unit_value_usd_per_t == pytest.approx(market_uv)
    assert market.relative_to_home == pytest.approx(market_uv / 10.0)
    assert market.relative_to_market == pytest.approx(1.0)


def test_tariff_margins_preferential_against_mfn(study_db):
    db = study_db
    db.configure(home="MAR", first_year=2021, last_year=2022,
                 priority_markets=["FRA", "SEN", "BRA"], competitors=["ESP", "TUR", "SEN"])
    db.add_flows([
        (2022, "MAR", "FRA", A, 100.0), (2022, "MAR", "FRA", B, 50.0),
        (2021, "MAR", "FRA", A2, 70.0),  # not exported in the last year
        (2022, "MAR", "SEN", A, 10.0), (2022, "MAR", "BRA", A, 10.0),
    ])
    db.add_tariffs([
        # FRA: tariff years 2021 and 2023; the rule picks 2021 (latest <= last_year 2022).
        ("FRA", "W00", "MFN", 2021, A, 10.0), ("FRA", "MAR", "PRF", 2021, A, 0.0),
        ("FRA", "TUR", "PRF", 2021, A, 5.0), ("FRA", "W00", "MFN", 2021, A2, 8.0),
        ("FRA", "W00", "MFN", 2023, A, 99.0), ("FRA", "MAR", "PRF", 2023, A, 99.0),
        # SEN: only 2024 rows, later than last_year: its latest year is used. A bound rate
        # is not a preference.
        ("SEN", "W00", "MFN", 2024, A, 20.0), ("SEN", "MAR", "AFCFTA", 2024, A, 2.0),
        ("SEN", "TUR", "BND", 2024, A, 1.0),
        # BRA: no tariffs loaded, no rows.
    ])
    margins = _apply(db, "050_watch_tariff_margins")
    assert list(margins.columns) == [
        "market_iso3", "hs6", "tariff_year", "mfn_pct", "home_tariff_pct", "competitor_iso3",
        "competitor_tariff_pct", "margin_pts"]
    # Trousers have no tariff row, mandarins were not exported in 2022, BRA has no tariffs.
    assert set(zip(margins.market_iso3, margins.hs6, strict=True)) == {("FRA", A), ("SEN", A)}
    fra = margins[margins.market_iso3 == "FRA"]
    assert set(fra.tariff_year) == {2021}
    # Competitors ESP, TUR and SEN (a competitor, not its own market in SEN).
    assert sorted(fra.competitor_iso3) == ["ESP", "SEN", "TUR"]
    esp = _one(fra, competitor_iso3="ESP")
    assert esp.mfn_pct == pytest.approx(10.0) and esp.home_tariff_pct == pytest.approx(0.0)
    assert esp.competitor_tariff_pct == pytest.approx(10.0)  # no preference: MFN
    assert esp.margin_pts == pytest.approx(10.0 - 0.0)
    tur = _one(fra, competitor_iso3="TUR")
    assert tur.competitor_tariff_pct == pytest.approx(5.0)
    assert tur.margin_pts == pytest.approx(5.0 - 0.0)
    sen = margins[margins.market_iso3 == "SEN"]
    assert set(sen.tariff_year) == {2024}
    assert sorted(sen.competitor_iso3) == ["ESP", "TUR"]  # SEN is the market itself
    tur = _one(sen, competitor_iso3="TUR")
    assert tur.home_tariff_pct == pytest.approx(2.0)
    assert tur.competitor_tariff_pct == pytest.approx(20.0)  # BND ignored: MFN
    assert tur.margin_pts == pytest.approx(20.0 - 2.0)


def test_tariff_margins_without_competitors_keep_the_home_rate(study_db):
    db = study_db
    db.configure(home="MAR", first_year=2021, last_year=2022, priority_markets=["FRA"],
                 competitors=["FRA"])
    db.add_flows([(2022, "MAR", "FRA", A, 100.0)])
    db.add_tariffs([("FRA", "W00", "MFN", 2022, A, 12.0)])
    margins = _apply(db, "050_watch_tariff_margins")
    row = _one(margins, market_iso3="FRA", hs6=A)
    assert row.home_tariff_pct == pytest.approx(12.0) and row.mfn_pct == pytest.approx(12.0)
    assert pd.isna(row.competitor_iso3)
    assert pd.isna(row.margin_pts)
