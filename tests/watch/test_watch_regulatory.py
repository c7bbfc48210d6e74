"""mart.regulatory_exposure and mart.rasff_intensity (sql/mart/watch_regulatory/060-070): ePing
notifications and CBAM/EUDR scopes against the home country's exports, and RASFF incidents
per $100 million exported to the EU, hand-computed."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from observatory.warehouse.sql_runner import apply_file
from tests.study.conftest import StudyDb

WATCH_SQL = Path(__file__).resolve().parents[2] / "sql" / "mart" / "watch_regulatory"

A, A2, B = "080510", "080521", "620342"  # oranges, mandarins, trousers
SARDINES, COFFEE, STEEL = "160413", "090111", "720851"  # coffee: EUDR; steel: CBAM
AS_OF = date(2031, 3, 10)  # far from today: deadlines must count from as_of


def _notification(db: StudyDb, nid: int, member: str, area: str, symbol: str,
                  distributed: date, deadline: date | None, hs_codes: list[str], *,
                  version: int = 1, current: bool = True) -> None:
    db.con.execute(
        "insert into core.notifications by name select 'eping' as source, ? as notification_id, "
        "? as version, ? as is_current, 'h' as content_hash, ? as symbol, ? as base_symbol, "
        "? as area, ? as notifying_iso3, ? as distribution_date, ? as comment_deadline, "
        "? as title, ? as link, 'T' as release, ? as batch_id",
        [nid, version, current, symbol, symbol, area, member, distributed, deadline,
         f"Measure {nid} v{version}", f"https://eping.example/{nid}", f"eping:b{version}"],
    )
    if current and hs_codes:
        db.con.executemany(
            "insert into core.notification_products by name select 'eping' as source, "
            "? as notification_id, ? as symbol, ? as hs_code, ? as hs_level, 'b' as batch_id",
            [(nid, symbol, code, len(code)) for code in hs_codes],
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


@pytest.fixture
def exposure(study_db: StudyDb) -> pd.DataFrame:
    db = study_db
    db.as_of = AS_OF
    db.configure(home="MAR", first_year=2021, last_year=2022,
                 priority_markets=["FRA", "ESP", "SEN", "USA"], competitors=["TUR"])
    # [thresholds] top_products is another key of the same name: set the watch's directly.
    db.con.execute("update ops.run_parameters set watch_top_products = 2")
    db.add_flows([
        # FRA: 100 + 50 + 30 + 20 + 10 = 210; top two: oranges, mandarins.
        (2022, "MAR", "FRA", A, 100.0), (2022, "MAR", "FRA", A2, 50.0),
        (2022, "MAR", "FRA", B, 30.0), (2022, "MAR", "FRA", SARDINES, 20.0),
        (2022, "MAR", "FRA", COFFEE, 10.0),
        (2021, "MAR", "FRA", SARDINES, 500.0),  # not the last study year
        # ESP: 40 + 60 = 100; top two: steel, mandarins.
        (2022, "MAR", "ESP", A2, 40.0), (2022, "MAR", "ESP", STEEL, 60.0),
        # SEN (not an EU member): 10 + 5 = 15.
        (2022, "MAR", "SEN", B, 10.0), (2022, "MAR", "SEN", STEEL, 5.0),
        (2022, "TUR", "FRA", A, 999.0),  # a competitor's exports are no exposure
    ])
    day = timedelta(days=1)
    # The EU's SPS measure on citrus (HS4 0805: oranges and mandarins), due in 10 days; an
    # older version of it is no longer current.
    _notification(db, 1, "EUR", "SPS", "G/SPS/N/EU/1", AS_OF - 30 * day, AS_OF + 5 * day,
                  ["0805"], version=1, current=False)
    _notification(db, 1, "EUR", "SPS", "G/SPS/N/EU/1", AS_OF - 20 * day, AS_OF + 10 * day,
                  ["0805"], version=2)
    _notification(db, 2, "SEN", "TBT", "G/TBT/N/SEN/2", AS_OF - 40 * day, AS_OF - 5 * day, [B])
    _notification(db, 3, "USA", "TBT", "G/TBT/N/USA/3", AS_OF - 3 * day, AS_OF + 30 * day, [])
    _notification(db, 4, "FRA", "TBT", "G/TBT/N/FRA/4", AS_OF - 10 * day, None, [SARDINES])
    _notification(db, 5, "IND", "SPS", "G/SPS/N/IND/5", AS_OF - 2 * day, AS_OF + 5 * day, [A])
    # The EU on fish (chapter 03), due exactly in deadline_days = 21: nothing exported.
    _notification(db, 7, "EUR", "TBT", "G/TBT/N/EU/7", AS_OF - 1 * day, AS_OF + 21 * day,
                  ["03"])
    return _apply(db, "060_regulatory_exposure")


def test_exposure_columns_and_rows(exposure):
    assert list(exposure.columns) == [
        "source", "notification_id", "symbol", "area", "title", "link", "distribution_date",
        "comment_deadline", "days_left", "is_open", "market_iso3", "hs_code", "hs_level",
        "home_exports_usd", "home_share_of_market_exports", "is_top_product",
        "priority_score", "priority_rank", "batch_id"]
    eping = exposure[exposure.source == "eping"]
    # EU notifications apply to the EU-member priority markets (FRA, ESP), not SEN or USA;
    # India is not a priority market.
    assert sorted(zip(eping.notification_id, eping.market_iso3, strict=True)) == [
        (1, "ESP"), (1, "FRA"), (2, "SEN"), (3, "USA"), (4, "FRA"), (7, "ESP"), (7, "FRA")]
    scopes = exposure[exposure.source != "eping"]
    # In-scope HS6 the home country ships to an EU-member priority market (SEN's steel is
    # not in the EU).
    assert sorted(zip(scopes.source, scopes.market_iso3, scopes.hs_code, strict=True)) == [
        ("cbam", "ESP", STEEL), ("eudr", "FRA", COFFEE)]


def test_eu_notification_on_an_hs4_code(exposure):
    fra = _one(exposure, notification_id=1, market_iso3="FRA")
    assert fra.hs_code == "0805" and fra.hs_level == 4
    assert fra.home_exports_usd == pytest.approx(100.0 + 50.0)  # oranges + mandarins
    assert fra.home_share_of_market_exports == pytest.approx(150.0 / 210.0)
    assert fra.is_top_product
    assert fra.days_left == 10 and fra.is_open
    assert fra.comment_deadline.date() == AS_OF + timedelta(days=10)  # the current version
    assert fra.batch_id == "eping:b2" and fra.title == "Measure 1 v2"
    esp = _one(exposure, notification_id=1, market_iso3="ESP")
    assert esp.home_exports_usd == pytest.approx(40.0)
    assert esp.home_share_of_market_exports == pytest.approx(40.0 / 100.0)
    assert esp.is_top_product  # mandarins are ESP's second export


def test_deadlines_top_products_and_empty_hs(exposure):
    sen = _one(exposure, notification_id=2)
    assert sen.days_left == -5 and not sen.is_open
    assert sen.home_exports_usd == pytest.approx(10.0)
    assert sen.home_share_of_market_exports == pytest.approx(10.0 / 15.0)
    assert sen.is_top_product
    usa = _one(exposure, notification_id=3)  # no HS codes: kept, zero exposure
    assert pd.isna(usa.hs_code) and pd.isna(usa.hs_level)
    assert usa.home_exports_usd == 0 and usa.home_share_of_market_exports == 0
    assert not usa.is_top_product
    assert usa.days_left == 30 and usa.is_open
    fra = _one(exposure, notification_id=4)  # no deadline; sardines are FRA's fourth export
    assert pd.isna(fra.days_left) and not fra.is_open
    assert fra.home_exports_usd == pytest.approx(20.0)  # 2022 only, not 2021's 500
    assert not fra.is_top_product
    fish = _one(exposure, notification_id=7, market_iso3="FRA")
    assert fish.days_left == 21 and fish.home_exports_usd == 0


def test_cbam_and_eudr_scope_rows(exposure):
    steel = _one(exposure, source="cbam")
    assert steel.area == "CBAM" and steel.symbol == "Regulation (EU) 2023/956"
    assert pd.isna(steel.notification_id) and pd.isna(steel.days_left)
    assert not steel.is_open
    assert steel.hs_level == 6
    assert steel.home_exports_usd == pytest.approx(60.0)
    assert steel.home_share_of_market_exports == pytest.approx(0.6)
    assert steel.is_top_product
    coffee = _one(exposure, source="eudr")
    assert coffee.area == "EUDR" and coffee.market_iso3 == "FRA"
    assert coffee.home_share_of_market_exports == pytest.approx(10.0 / 210.0)
    assert not coffee.is_top_product


def test_priority_order(exposure):
    ranked = exposure.sort_values("priority_rank")
    assert list(ranked.priority_rank) == list(range(1, 10))
    order = [(r.source, None if pd.isna(r.notification_id) else int(r.notification_id),
              r.market_iso3) for r in ranked.itertuples()]
    assert order == [
        # Open and due within deadline_days (21), by value at stake (ties: market code).
        ("eping", 1, "FRA"), ("eping", 1, "ESP"), ("eping", 7, "ESP"), ("eping", 7, "FRA"),
        # Then every other row by value at stake: 60, 20, 10 (past deadline first), 10, 0.
        ("cbam", None, "ESP"), ("eping", 4, "FRA"), ("eping", 2, "SEN"), ("eudr", None, "FRA"),
        ("eping", 3, "USA")]
    first = _one(exposure, priority_rank=1)
    assert first.priority_score == pytest.approx(100 + math.log10(1 + 150.0))
    assert _one(exposure, source="cbam").priority_score == pytest.approx(math.log10(61.0))


def _rasff(db: StudyDb, reference: str, year: int, category: str, origins: list[str],
           prefixes: list[str], *, current: bool = True, version: int = 1) -> None:
    db.con.execute(
        "insert into core.rasff_notifications by name select ? as reference, ? as version, "
        "? as is_current, 'h' as content_hash, ? as notification_date, ? as year, "
        "? as category, 'rasff' as source, 'T' as release, 'b' as batch_id",
        [reference, version, current, date(year, 6, 1), year, category],
    )
    if current:
        db.con.executemany(
            "insert into core.rasff_origins by name select ? as reference, ? as origin_name, "
            "? as origin_iso3, 'b' as batch_id", [(reference, o, o) for o in origins])
    if current and prefixes:
        db.con.executemany(
            "insert into core.rasff_hs by name select ? as reference, ? as hs_prefix, "
            "'high' as confidence, 'category' as rule, 'b' as batch_id",
            [(reference, p) for p in prefixes])


FRUIT, FISH, NUTS = "fruits and vegetables", "fish and fish products", "nuts and seeds"


def test_rasff_intensity_per_100m(study_db):
    db = study_db
    db.configure(home="MAR", first_year=2020, last_year=2022, priority_markets=["FRA"],
                 competitors=["ESP", "TUR"])
    db.add_flows([
        (2020, "MAR", "FRA", A, 50e6),
        (2021, "MAR", "FRA", A, 100e6),
        (2021, "ESP", "FRA", SARDINES, 20e6), (2021, "ESP", "FRA", "030211", 30e6),
        (2021, "ESP", "GBR", SARDINES, 5e6),  # the UK is not in the EU
        (2022, "MAR", "FRA", A, 150e6), (2022, "MAR", "DEU", "070200", 50e6),
        (2022, "MAR", "GBR", "070200", 999e6), (2022, "MAR", "FRA", "080810", 30e6),
        (2022, "TUR", "DEU", "070200", 25e6),
    ])
    _rasff(db, "2020.1", 2020, FRUIT, ["MAR"], ["0805"])
    _rasff(db, "2022.2", 2022, FRUIT, ["MAR", "TUR"], ["0702"])
    _rasff(db, "2022.3", 2022, FRUIT, ["MAR", "MAR"], ["0805", "080510"])
    _rasff(db, "2023.4", 2023, FRUIT, ["MAR"], ["0805"])
    _rasff(db, "2023.5", 2023, FRUIT, ["MAR"], ["0805"])
    _rasff(db, "2021.6", 2021, FISH, ["ESP"], ["1604"])
    _rasff(db, "2022.7", 2022, FISH, ["CHN"], ["0302"])  # not watched; its prefix counts
    _rasff(db, "2022.8", 2022, FRUIT, ["MAR"], ["0805"], current=False)
    _rasff(db, "2022.8", 2022, NUTS, ["MAR"], [], version=2)  # re-classified, no HS
    rasff = _apply(db, "070_rasff_intensity")
    assert list(rasff.columns) == [
        "origin_iso3", "product_group", "year", "notifications", "exports_year",
        "exports_to_eu_usd", "per_100m_usd", "prev_years_avg"]
    # Home + competitors x groups with a watched origin x years 2020..2023.
    assert len(rasff) == 3 * 3 * 4
    assert set(rasff.origin_iso3) == {"MAR", "ESP", "TUR"}
    mar = rasff[(rasff.origin_iso3 == "MAR") & (rasff.product_group == FRUIT)].set_index("year")
    assert list(mar.notifications) == [1, 0, 2, 2]
    assert list(mar.exports_year) == [2020, 2021, 2022, 2022]  # 2023 uses the last year
    # Oranges (0805, 080510 counted once) to FRA and tomatoes (0702) to DEU; not the UK,
    # not apples.
    assert list(mar.exports_to_eu_usd) == pytest.approx([50e6, 100e6, 200e6, 200e6])
    assert list(mar.per_100m_usd) == pytest.approx([1 / 0.5, 0 / 1.0, 2 / 2.0, 2 / 2.0])
    assert pd.isna(mar.prev_years_avg[2020])
    assert list(mar.prev_years_avg[1:]) == pytest.approx([1.0, (1 + 0) / 2, (1 + 0 + 2) / 3])
    tur = _one(rasff, origin_iso3="TUR", product_group=FRUIT, year=2022)
    assert tur.notifications == 1
    assert tur.per_100m_usd == pytest.approx(1 / (25e6 / 1e8))
    tur_2020 = _one(rasff, origin_iso3="TUR", product_group=FRUIT, year=2020)
    assert tur_2020.notifications == 0 and pd.isna(tur_2020.per_100m_usd)
    esp = _one(rasff, origin_iso3="ESP", product_group=FISH, year=2021)
    assert esp.exports_to_eu_usd == pytest.approx(20e6 + 30e6)
    assert esp.per_100m_usd == pytest.approx(1 / 0.5)
    assert esp.prev_years_avg == pytest.approx(0.0)
    nuts = _one(rasff, origin_iso3="MAR", product_group=NUTS, year=2022)
    assert nuts.notifications == 1
    assert pd.isna(nuts.exports_to_eu_usd) and pd.isna(nuts.per_100m_usd)
