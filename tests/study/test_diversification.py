"""mart.diversification_opportunities against a hand-computed ranking: five candidate products
(m = 0) whose percent ranks are exact quarters, three of them tied."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory.warehouse.sql_runner import apply_file

SQL = (Path(__file__).resolve().parents[2] / "sql" / "mart" / "study"
       / "070_diversification_opportunities.sql")
A, B, C, D, E = "080510", "620342", "870323", "854140", "100199"
HELD = "620343"  # exported with RCA (m = 1): not a candidate

# (year, level, product_code, rca, m, density, cog)
PRODUCT_SPACE = [
    (2024, 6, A, 0.5, 0, 0.30, 0.6),
    (2024, 6, B, 0.2, 0, 0.10, 0.9),
    (2024, 6, C, 0.0, 0, 0.20, 0.1),
    (2024, 6, D, 0.9, 0, 0.40, 0.2),
    (2024, 6, E, 0.1, 0, 0.35, 0.4),
    (2024, 6, HELD, 3.0, 1, 0.95, 0.0),
    (2024, 4, "0805", 0.5, 0, 0.99, 0.99),  # HS4 level: ignored
    (2023, 6, "030749", 0.1, 0, 0.99, 0.99),  # not the last year: ignored
]

FLOWS = [
    (2022, "ESP", "FRA", A, 64.0),
    (2024, "ESP", "FRA", A, 50.0), (2024, "ESP", "DEU", A, 30.0),
    (2024, "ESP", "USA", A, 15.0), (2024, "ESP", "CAN", A, 5.0),
    (2024, "CHN", "SEN", B, 40.0), (2024, "CHN", "GBR", B, 40.0),
]


def _build(study_db, **overrides):
    study_db.configure(**{"home": "MAR", "first_year": 2022, "last_year": 2024,
                          "growth_window": 2, **overrides})
    con = study_db.con
    con.execute("create or replace table mart.home_product_space (year integer, level integer, "
                "product_code varchar, rca double, m integer, density double, cog double, "
                "distance double)")
    con.executemany("insert into mart.home_product_space values (?, ?, ?, ?, ?, ?, ?, 1 - ?)",
                    [(*row, row[5]) for row in PRODUCT_SPACE])
    con.execute("create or replace table mart.complexity_products (year integer, "
                "level integer, product_code varchar, ubiquity integer, pci double)")
    con.executemany("insert into mart.complexity_products values (?, ?, ?, ?, ?)",
                    [(2024, 6, A, 12, 1.25), (2024, 4, "0805", 3, -9.0), (2023, 6, A, 9, 7.0)])
    study_db.add_flows(FLOWS)
    apply_file(con, SQL)
    cur = con.execute("select * from mart.diversification_opportunities order by opportunity_rank")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_ranking_hand_computed(study_db):
    rows = _build(study_db)
    # Percent ranks among 5 candidates, (rank - 1) / 4:
    #   density: B 0.10 -> 0, C 0.20 -> .25, A 0.30 -> .5, E 0.35 -> .75, D 0.40 -> 1
    #   cog:     C 0.1  -> 0, D 0.2  -> .25, E 0.4  -> .5, A 0.6  -> .75, B 0.9  -> 1
    # scores: A (.5+.75)/2 = .625, E (.75+.5)/2 = .625, D (1+.25)/2 = .625, B .5, C .125;
    # the three-way tie at .625 is broken by hs6: 080510 < 100199 < 854140.
    assert [r["hs6"] for r in rows] == [A, E, D, B, C]
    assert [r["opportunity_rank"] for r in rows] == [1, 2, 3, 4, 5]
    by_code = {r["hs6"]: r for r in rows}
    expected = {A: (0.5, 0.75), B: (0.0, 1.0), C: (0.25, 0.0), D: (1.0, 0.25), E: (0.75, 0.5)}
    for code, (feasibility, desirability) in expected.items():
        row = by_code[code]
        assert row["feasibility_pct"] == pytest.approx(feasibility)
        assert row["desirability_pct"] == pytest.approx(desirability)
        assert row["opportunity_score"] == pytest.approx((feasibility + desirability) / 2)

    a = by_code[A]
    assert (a["description"], a["sector"], a["year"]) == (
        "Fruit, edible; oranges, fresh or dried", "agrifood", 2024)
    assert (a["rca"], a["density"], a["cog"], a["pci"]) == (0.5, 0.30, 0.6, 1.25)
    assert a["distance"] == pytest.approx(0.70)
    assert a["world_imports_usd"] == pytest.approx(100.0)
    assert a["world_demand_cagr"] == pytest.approx((100 / 64) ** (1 / 2) - 1)  # 25 %
    assert a["top_importers"] == "FRA,DEU,USA"
    assert a["top_importers_share"] == pytest.approx((50 + 30 + 15) / 100)

    b = by_code[B]  # not traded in 2022: no growth rate; the tie 40/40 ordered by ISO3
    assert b["world_demand_cagr"] is None
    assert (b["top_importers"], b["top_importers_share"]) == ("GBR,SEN", pytest.approx(1.0))
    assert b["pci"] is None

    c = by_code[C]  # not traded at all
    assert (c["world_imports_usd"], c["top_importers"], c["world_demand_cagr"]) == (0, None, None)


def test_growth_window_before_the_first_year_gives_no_growth_rate(study_db):
    rows = _build(study_db, first_year=2023)  # window start 2022 is not a study year
    assert {r["hs6"]: r["world_demand_cagr"] for r in rows}[A] is None
