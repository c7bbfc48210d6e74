"""mart.afcfta_openings against a hand-computed case: State Parties SEN and NGA, a non-party
African importer (ERI), the home country as importer, three products, 2021-2024 (the last three
years averaged)."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory.warehouse.sql_runner import apply_file

SQL = (Path(__file__).resolve().parents[2] / "sql" / "mart" / "study"
       / "060_afcfta_openings.sql")
A, B, C = "080510", "620342", "870323"  # oranges; cotton trousers; cars

FLOWS = [
    # 2021 is outside the 3-year average: were it counted, CIV (Africa) would supply most
    # of SEN's oranges and the (SEN, A) opening would disappear.
    (2021, "CIV", "SEN", A, 1000.0),
    (2022, "ESP", "SEN", A, 30.0), (2022, "CIV", "SEN", A, 30.0),
    (2023, "ESP", "SEN", A, 60.0),
    # 2024, the RCA year
    (2024, "MAR", "SEN", A, 20.0), (2024, "ESP", "SEN", A, 60.0), (2024, "CIV", "SEN", A, 20.0),
    (2024, "EGY", "NGA", A, 70.0), (2024, "FRA", "NGA", A, 30.0),  # NGA buys A in Africa
    (2024, "MAR", "FRA", A, 100.0), (2024, "ESP", "MAR", A, 30.0),  # home as importer
    (2024, "ESP", "ERI", A, 20.0),  # Eritrea: African, not a State Party
    (2024, "MAR", "SEN", B, 40.0), (2024, "TUR", "SEN", B, 40.0), (2024, "CHN", "SEN", B, 50.0),
    (2024, "CHN", "NGA", B, 30.0),
    (2024, "FRA", "SEN", C, 500.0), (2024, "MAR", "FRA", C, 10.0),  # MAR: no RCA in C
]

TARIFFS = [
    ("SEN", "W00", "MFN", 2023, A, 20.0), ("SEN", "MAR", "PRF", 2023, A, 5.0),
    ("SEN", "W00", "MFN", 2023, B, 10.0),
    ("SEN", "W00", "MFN", 2025, A, 99.0),  # after the last year: SEN's tariff year is 2023
]

# RCA in 2024: world A = 20+60+20+70+30+100+30+20 = 350, B = 40+40+50+30 = 160, C = 510.
W_2024 = 350 + 160 + 510
X_MAR = 120 + 40 + 10
RCA_A = (120 / X_MAR) / (350 / W_2024)
RCA_B = (40 / X_MAR) / (160 / W_2024)  # exactly 1.5


def _build(study_db, **overrides):
    study_db.configure(**{"home": "MAR", "first_year": 2021, "last_year": 2024, **overrides})
    study_db.add_flows(FLOWS)
    study_db.add_tariffs(TARIFFS)
    apply_file(study_db.con, SQL)
    cur = study_db.con.execute("select * from mart.afcfta_openings")
    names = [d[0] for d in cur.description]
    return {(r[0], r[3]): dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def test_openings_hand_computed(study_db):
    rows = _build(study_db)
    assert RCA_A == pytest.approx(2.057, abs=1e-3) and RCA_B == pytest.approx(1.5)
    # Not: (NGA, A) bought 70 % in Africa; (SEN, C) no RCA; ERI not a State Party; MAR home.
    assert set(rows) == {("SEN", A), ("SEN", B), ("NGA", B)}

    sen_a = rows[("SEN", A)]  # 2022-2024: ESP 30+60+60, CIV 30+20, MAR 20; over 3 years
    assert (sen_a["importer_name_en"], sen_a["importer_name_fr"]) == ("Senegal", "Sénégal")
    assert sen_a["sector"] == "agrifood"
    assert sen_a["importer_imports_usd"] == pytest.approx(220 / 3)
    assert sen_a["from_africa_usd"] == pytest.approx((50 + 20) / 3)
    assert sen_a["from_outside_africa_usd"] == pytest.approx(150 / 3)
    assert sen_a["outside_share"] == pytest.approx(150 / 220)
    assert sen_a["top_outside_supplier_iso3"] == "ESP"
    assert sen_a["home_exports_usd"] == pytest.approx(20 / 3)
    assert sen_a["home_share"] == pytest.approx(20 / 220)
    assert sen_a["home_rca"] == pytest.approx(RCA_A)
    assert (sen_a["mfn_pct"], sen_a["afcfta_pct"]) == (20.0, 5.0)
    assert sen_a["tariff_margin_pts"] == pytest.approx(15.0)
    assert sen_a["tariff_data"] == "loaded"
    assert sen_a["opening_usd"] == pytest.approx(50.0)
    assert (sen_a["reference_year"], sen_a["years_averaged"]) == (2024, 3)

    sen_b = rows[("SEN", B)]  # 2024 only: MAR 40 (Africa), TUR 40, CHN 50
    assert sen_b["outside_share"] == pytest.approx(90 / 130)
    assert sen_b["top_outside_supplier_iso3"] == "CHN"
    assert sen_b["home_rca"] == pytest.approx(RCA_B)
    assert sen_b["mfn_pct"] == 10.0
    assert sen_b["afcfta_pct"] is None and sen_b["tariff_margin_pts"] is None
    assert sen_b["tariff_data"] == "loaded"
    assert sen_b["opening_usd"] == pytest.approx(90 / 3)

    nga_b = rows[("NGA", B)]
    assert nga_b["outside_share"] == pytest.approx(1.0)
    assert (nga_b["from_africa_usd"], nga_b["home_exports_usd"], nga_b["home_share"]) == (0, 0, 0)
    assert (nga_b["mfn_pct"], nga_b["afcfta_pct"], nga_b["tariff_data"]) == (None, None, "none")
    assert nga_b["opening_usd"] == pytest.approx(30 / 3)


@pytest.mark.parametrize(("threshold", "expected"), [
    (1.6, {("SEN", A)}),  # RCA_B = 1.5 < 1.6 <= RCA_A = 2.06
    (1.5, {("SEN", A), ("SEN", B), ("NGA", B)}),  # RCA >= threshold: B kept at 1.5
    (2.1, set()),
])
def test_rca_threshold(study_db, threshold, expected):
    assert set(_build(study_db, rca=threshold)) == expected


def test_another_home_country(study_db):
    """Nothing is hard-coded: with EGY at home, EGY's RCA and preferences are used and MAR
    becomes an importer."""
    rows = _build(study_db, home="EGY")
    # EGY exports only A (70 to NGA): RCA_A = 1 / (350 / 1020). NGA's A comes mainly from EGY.
    assert set(rows) == {("SEN", A), ("MAR", A)}
    assert rows[("SEN", A)]["home_rca"] == pytest.approx(1 / (350 / W_2024))
    assert rows[("SEN", A)]["afcfta_pct"] is None  # SEN's PRF row is for MAR, not EGY
    assert rows[("SEN", A)]["home_exports_usd"] == 0
    assert rows[("MAR", A)]["importer_imports_usd"] == pytest.approx(30 / 3)
    assert rows[("MAR", A)]["top_outside_supplier_iso3"] == "ESP"
