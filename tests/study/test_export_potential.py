"""mart.export_potential against a hand-computed case: two priority markets (FRA with tariffs,
SEN without), two products, three years (2022-2024), the last two averaged."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory.warehouse.sql_runner import apply_file

SQL = (Path(__file__).resolve().parents[2] / "sql" / "mart" / "study"
       / "050_export_potential.sql")
A, B = "080510", "620342"  # oranges (MAR a net exporter); men's cotton trousers (net importer)

FLOWS = [
    # 2022: only the start of the demand window (growth_window = 2)
    (2022, "MAR", "FRA", A, 100.0), (2022, "ESP", "FRA", A, 100.0),
    (2022, "TUR", "FRA", B, 100.0),
    (2022, "ESP", "SEN", A, 50.0), (2022, "TUR", "SEN", B, 80.0),
    # 2023 and 2024: the actual years (actual_years = 2)
    (2023, "MAR", "FRA", A, 100.0), (2023, "ESP", "FRA", A, 200.0),
    (2023, "ESP", "USA", A, 100.0), (2023, "EGY", "MAR", A, 50.0),
    (2023, "ESP", "SEN", A, 40.0),
    (2023, "MAR", "FRA", B, 20.0), (2023, "TUR", "FRA", B, 80.0),
    (2023, "TUR", "MAR", B, 100.0), (2023, "MAR", "SEN", B, 10.0),
    (2023, "TUR", "SEN", B, 30.0),
    (2024, "MAR", "FRA", A, 150.0), (2024, "ESP", "FRA", A, 250.0),
    (2024, "ESP", "USA", A, 100.0), (2024, "EGY", "MAR", A, 50.0),
    (2024, "ESP", "SEN", A, 60.0),
    (2024, "MAR", "FRA", B, 30.0), (2024, "TUR", "FRA", B, 70.0),
    (2024, "TUR", "MAR", B, 100.0), (2024, "MAR", "SEN", B, 10.0),
    (2024, "TUR", "SEN", B, 50.0),
]

TARIFFS = [
    # FRA's tariff year is 2023 (latest <= 2024): the 2020 and 2025 rows are not used.
    ("FRA", "W00", "MFN", 2023, A, 10.0), ("FRA", "MAR", "PRF", 2023, A, 0.0),
    ("FRA", "W00", "MFN", 2023, B, 12.0), ("FRA", "TUR", "PRF", 2023, B, 5.0),
    ("FRA", "W00", "MFN", 2020, A, 30.0), ("FRA", "W00", "MFN", 2025, A, 50.0),
]

SETTINGS = dict(home="MAR", first_year=2022, last_year=2024, priority_markets=["FRA", "SEN", "MAR"],
                actual_years=2, growth_window=2, horizon_years=2, home_growth=0.05,
                world_growth=0.02, demand_growth="trend", demand_growth_cap=0.10,
                tariff_elasticity=1.0)

# Sums over the actual years 2023-2024.
W_A = (100 + 200 + 100 + 50 + 40) + (150 + 250 + 100 + 50 + 60)  # 1100
W_B = (20 + 80 + 100 + 10 + 30) + (30 + 70 + 100 + 10 + 50)  # 500
X_A, M_A = 100 + 150, 50 + 50  # MAR's exports and imports of A
X_B, M_B = 20 + 10 + 30 + 10, 100 + 100
M_FRA = {A: 300 + 400, B: 100 + 100}
M_SEN = {A: 40 + 60, B: 40 + 60}
# Ease of trade: observed MAR -> market over expected sum_k (X_ik / W_k) M_jk.
EASE_FRA = (250 + 50) / (X_A / W_A * M_FRA[A] + X_B / W_B * M_FRA[B])
EASE_SEN = (10 + 10) / (X_A / W_A * M_SEN[A] + X_B / W_B * M_SEN[B])
SUPPLY_GROWTH = (1.05 / 1.02) ** 2


def _build(study_db, tariffs=TARIFFS, **overrides):
    study_db.configure(**{**SETTINGS, **overrides})
    study_db.con.execute("delete from core.trade_flows; delete from core.tariffs")
    study_db.add_flows(FLOWS)
    study_db.add_tariffs(tariffs)
    apply_file(study_db.con, SQL)
    cur = study_db.con.execute("select * from mart.export_potential")
    names = [d[0] for d in cur.description]
    return {(r[0], r[1]): dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def test_every_term_hand_computed(study_db):
    rows = _build(study_db)
    # MAR (home) is not a market of itself; USA is not a priority market.
    assert set(rows) == {("FRA", A), ("FRA", B), ("SEN", A), ("SEN", B)}

    fra_a = rows[("FRA", A)]
    assert fra_a["description"] == "Fruit, edible; oranges, fresh or dried"
    assert fra_a["sector"] == "agrifood"
    assert fra_a["supply_share"] == pytest.approx(250 / 1100)
    assert fra_a["net_exporter_factor"] == pytest.approx(1.0)  # 250 exported > 100 imported
    assert fra_a["supply_growth_factor"] == pytest.approx(SUPPLY_GROWTH)
    assert fra_a["market_imports_usd"] == pytest.approx(700 / 2)
    # FRA's imports of A: 200 (2022) -> 400 (2024): CAGR sqrt(2) - 1 = 41 %, capped at 10 %.
    assert fra_a["demand_growth_rate"] == pytest.approx(0.10)
    assert fra_a["projected_demand_usd"] == pytest.approx(350 * 1.1**2)
    # MAR faces its PRF 0 %; suppliers: MAR 250 at 0 %, ESP 450 at the MFN 10 %.
    assert fra_a["home_tariff_pct"] == pytest.approx(0.0)
    assert fra_a["average_tariff_pct"] == pytest.approx((250 * 0 + 450 * 10) / 700)
    assert fra_a["market_access_factor"] == pytest.approx((1 + 4500 / 700 / 100) / 1.0)
    assert fra_a["market_access_term"] == "tariffs"
    assert fra_a["ease_of_trade"] == pytest.approx(300 / (250 / 1100 * 700 + 70 / 500 * 200))
    potential = 250 / 1100 * 1 * SUPPLY_GROWTH * 423.5 * (1 + 4500 / 70000) * EASE_FRA
    assert fra_a["potential_usd"] == pytest.approx(potential)
    assert potential == pytest.approx(174.06, abs=0.01)
    assert fra_a["actual_usd"] == pytest.approx(250 / 2)
    assert fra_a["untapped_usd"] == pytest.approx(potential - 125)
    assert fra_a["realised_share"] == pytest.approx(125 / potential)
    assert (fra_a["reference_year"], fra_a["years_averaged"]) == (2024, 2)

    fra_b = rows[("FRA", B)]
    assert fra_b["supply_share"] == pytest.approx(70 / 500)
    assert fra_b["net_exporter_factor"] == pytest.approx(70 / 200)  # net importer
    assert fra_b["demand_growth_rate"] == pytest.approx(0.0)  # 100 -> 100
    assert fra_b["projected_demand_usd"] == pytest.approx(100.0)
    # MAR has no PRF row: it faces the MFN 12 %; TUR its PRF 5 %.
    assert fra_b["home_tariff_pct"] == pytest.approx(12.0)
    assert fra_b["average_tariff_pct"] == pytest.approx((50 * 12 + 150 * 5) / 200)
    assert fra_b["market_access_factor"] == pytest.approx(1.0675 / 1.12)
    assert fra_b["potential_usd"] == pytest.approx(
        0.14 * 0.35 * SUPPLY_GROWTH * 100 * (1.0675 / 1.12) * EASE_FRA)

    sen_a = rows[("SEN", A)]  # no tariffs loaded for SEN: neutral market access
    assert (sen_a["home_tariff_pct"], sen_a["average_tariff_pct"]) == (None, None)
    assert sen_a["market_access_factor"] == 1.0
    assert sen_a["market_access_term"] == "neutral"
    # SEN's imports of A: 50 -> 60, CAGR sqrt(1.2) - 1 = 9.5 % (inside the cap).
    assert sen_a["demand_growth_rate"] == pytest.approx(1.2**0.5 - 1)
    assert sen_a["projected_demand_usd"] == pytest.approx(50 * 1.2)
    assert sen_a["ease_of_trade"] == pytest.approx(20 / (250 / 1100 * 100 + 70 / 500 * 100))
    assert sen_a["actual_usd"] == 0
    assert sen_a["potential_usd"] == pytest.approx(250 / 1100 * SUPPLY_GROWTH * 60 * EASE_SEN)
    assert sen_a["untapped_usd"] == pytest.approx(sen_a["potential_usd"])
    assert sen_a["realised_share"] == 0

    sen_b = rows[("SEN", B)]
    # 80 -> 60: CAGR sqrt(0.75) - 1 = -13.4 %, capped at -10 %.
    assert sen_b["demand_growth_rate"] == pytest.approx(-0.10)
    potential = 0.14 * 0.35 * SUPPLY_GROWTH * 50 * 0.9**2 * EASE_SEN
    assert sen_b["potential_usd"] == pytest.approx(potential)
    # Actual exports (10 a year) exceed the potential (~1.1): nothing untapped.
    assert sen_b["actual_usd"] == pytest.approx(10.0)
    assert sen_b["untapped_usd"] == 0
    assert sen_b["realised_share"] == pytest.approx(10 / potential)


def test_flat_demand_and_a_wider_cap(study_db):
    flat = _build(study_db, demand_growth="flat")
    assert {k: r["demand_growth_rate"] for k, r in flat.items()} == {k: 0.0 for k in flat}
    assert flat[("FRA", A)]["projected_demand_usd"] == pytest.approx(350.0)
    assert flat[("SEN", B)]["projected_demand_usd"] == pytest.approx(50.0)

    trend = _build(study_db, demand_growth_cap=0.5)  # no clamping at 50 %
    assert trend[("FRA", A)]["demand_growth_rate"] == pytest.approx(2**0.5 - 1)
    assert trend[("FRA", A)]["projected_demand_usd"] == pytest.approx(350 * 2)
    assert trend[("SEN", B)]["demand_growth_rate"] == pytest.approx(0.75**0.5 - 1)
    assert trend[("SEN", B)]["projected_demand_usd"] == pytest.approx(50 * 0.75)


def test_zero_tariff_elasticity_switches_market_access_off(study_db):
    rows = _build(study_db, tariff_elasticity=0)
    for key in [("FRA", A), ("FRA", B)]:
        assert rows[key]["market_access_term"] == "tariffs"  # rates still reported
        assert rows[key]["market_access_factor"] == pytest.approx(1.0)
    assert rows[("FRA", B)]["potential_usd"] == pytest.approx(
        0.14 * 0.35 * SUPPLY_GROWTH * 100 * EASE_FRA)


def test_tariffs_published_after_the_last_year_are_used_when_nothing_earlier(study_db):
    rows = _build(study_db, tariffs=[("SEN", "W00", "MFN", 2026, A, 20.0),
                                     ("SEN", "W00", "MFN", 2026, B, 10.0),
                                     ("SEN", "MAR", "PRF", 2026, B, 0.0)])
    assert rows[("SEN", A)]["market_access_term"] == "tariffs"
    # Everyone, MAR included, faces the MFN 20 % on A: no advantage.
    assert rows[("SEN", A)]["market_access_factor"] == pytest.approx(1.0)
    # B: MAR 20 at 0 %, TUR 80 at 10 %.
    assert rows[("SEN", B)]["average_tariff_pct"] == pytest.approx((20 * 0 + 80 * 10) / 100)
    assert rows[("SEN", B)]["market_access_factor"] == pytest.approx(1.08 / 1.0)
    assert rows[("FRA", A)]["market_access_term"] == "neutral"


def test_another_home_country(study_db):
    """Nothing is hard-coded: with ESP at home, ESP's supply and tariffs are used."""
    rows = _build(study_db, home="ESP", priority_markets=["FRA", "SEN", "ESP"])
    assert set(rows) == {("FRA", A), ("SEN", A)}  # ESP exports no B
    x_esp = (200 + 100 + 40) + (250 + 100 + 60)  # 750, and no imports of A
    fra = rows[("FRA", A)]
    assert fra["supply_share"] == pytest.approx(x_esp / 1100)
    assert fra["net_exporter_factor"] == 1.0
    assert fra["home_tariff_pct"] == pytest.approx(10.0)  # MAR's PRF does not apply to ESP
    assert fra["market_access_factor"] == pytest.approx((1 + 4500 / 70000) / 1.10)
    ease = 450 / (x_esp / 1100 * 700)  # ESP -> FRA: A only; ESP exports no B
    assert fra["ease_of_trade"] == pytest.approx(ease)
    assert fra["actual_usd"] == pytest.approx(450 / 2)
