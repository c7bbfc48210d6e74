"""mart.afcfta_margins, mart.afcfta_margin_years and mart.best_door against hand-computed
cases (as of 29 November 2026: this year 2026, horizon 2031; home MAR).

Flows 2024 (the only study year with flows, so the supplier mix averages one year):
  A 070200 tomatoes: MAR->FRA 100, ESP->SEN 60, CIV->SEN 20
  B 080510 oranges:  MAR->SEN 40, CHN->SEN 50, TUR->SEN 30
  C 160414 tuna:     MAR->FRA 60, ESP->EGY 80
  D 870323 cars:     DEU->FRA 1000 (MAR none)
World 1440, MAR 200: RCA A = (100/200)/(180/1440) = 4, B = (40/200)/(120/1440) = 2.4,
C = (60/200)/(140/1440) = 3.086, D = 0.
"""

from __future__ import annotations

import pytest

A, B, C, D = "070200", "080510", "160414", "870323"
FLOWS = [(2024, "MAR", "FRA", A, 100.0), (2024, "ESP", "SEN", A, 60.0),
         (2024, "CIV", "SEN", A, 20.0), (2024, "MAR", "SEN", B, 40.0),
         (2024, "CHN", "SEN", B, 50.0), (2024, "TUR", "SEN", B, 30.0),
         (2024, "MAR", "FRA", C, 60.0), (2024, "ESP", "EGY", C, 80.0),
         (2024, "DEU", "FRA", D, 1000.0)]
ECOWAS = ["CIV", "NGA", "SEN"]


def _case(db):
    db.configure(home="MAR", first_year=2022, last_year=2024, horizon_years=5)
    db.add_flows(FLOWS)
    db.add_tariffs([("EGY", "W00", "MFN", 2023, C, 20.0), ("SEN", "W00", "MFN", 2023, B, 35.0),
                    ("SEN", "CHN", "PRF", 2023, B, 25.0), ("EGY", "W00", "MFN", 2023, A, 30.0)])
    # EGY, non-LDC, category A on C, base 20: cuts of 4 a year from 2021, free in 2025.
    db.add_schedule("AFCFTA", "EGY", ["EGY"], C, "A", 20.0,
                    {2021: 16.0, 2022: 12.0, 2023: 8.0, 2024: 4.0, 2025: 0.0})
    # ECOWAS, LDC timetable, category B on B, base 35: standstill 2021-2025, then 8 cuts of
    # 35/8 = 4.375 from 2026, free in 2033.
    db.add_schedule("AFCFTA", "ECOWAS", ECOWAS, B, "B", 35.0,
                    {2021 + i: 35.0 if i < 5 else 35.0 * (1 - (i - 4) / 8) for i in range(13)})
    # ECOWAS excludes A (category C): 20 every year.
    db.add_schedule("AFCFTA", "ECOWAS", ECOWAS, A, "C", 20.0,
                    {2021 + i: 20.0 for i in range(13)})
    # EGY, non-LDC, category B on A, base 30: standstill to 2025, then 24, 18, 12, 6, 0.
    db.add_schedule("AFCFTA", "EGY", ["EGY"], A, "B", 30.0,
                    {2021: 30.0, 2022: 30.0, 2023: 30.0, 2024: 30.0, 2025: 30.0, 2026: 24.0,
                     2027: 18.0, 2028: 12.0, 2029: 6.0, 2030: 0.0})
    # The Agadir agreement: EGY applies 10 % to MAR's A from 2024 (the last rate holds).
    db.add_schedule("AGADIR", "EGY", ["EGY"], A, None, 30.0, {2024: 10.0, 2025: 10.0},
                    beneficiary="MAR")
    # A schedule for another beneficiary is not the home country's door.
    db.add_schedule("AGADIR", "EGY", ["EGY"], A, None, 30.0, {2024: 0.0}, beneficiary="TUN")
    db.add_rule("AFCFTA", "07", "Yet to be agreed", "under_negotiation")
    db.add_rule("AFCFTA", "0702", "Wholly obtained")
    db.add_rule("AGADIR", "0702", "CTH")
    db.build()


def test_margins_hand_computed(mart_db) -> None:
    _case(mart_db)
    rows = {(r["importer_iso3"], r["hs6"]): r
            for r in mart_db.records("select * from mart.afcfta_margins")}
    # D: no RCA; FRA: not a State Party; every ECOWAS member gets the union's schedule.
    assert set(rows) == {("EGY", C), ("EGY", A), ("CIV", A), ("CIV", B), ("NGA", A),
                         ("NGA", B), ("SEN", A), ("SEN", B)}
    egy = rows[("EGY", C)]
    assert (egy["this_year"], egy["horizon_year"]) == (2026, 2031)
    assert (egy["mfn_pct"], egy["mfn_from"], egy["afcfta_pct"]) == (20.0, "tariffs", 0.0)
    assert egy["margin_vs_mfn_pts"] == pytest.approx(20.0)
    assert (egy["margin_opens_year"], egy["phase_down_end_year"]) == (2021, 2025)
    assert egy["margin_open"] is True
    assert egy["top_outside_supplier_iso3"] == "ESP"
    assert egy["outside_rate_pct"] == 20.0 and egy["margin_vs_outside_pts"] == 20.0
    assert egy["market_imports_usd"] == pytest.approx(80.0)
    assert (egy["africa_share"], egy["home_share"]) == (0.0, 0.0)
    assert egy["home_rca"] == pytest.approx((60 / 200) / (140 / 1440))
    assert egy["home_is_state_party"] is True

    sen = rows[("SEN", B)]  # 2026: 35 x 7/8; 2031: 35 x 2/8
    assert sen["category"] == "B"
    assert sen["afcfta_pct"] == pytest.approx(30.625)
    assert sen["horizon_afcfta_pct"] == pytest.approx(8.75)
    assert sen["margin_vs_mfn_pts"] == pytest.approx(4.375)
    assert sen["horizon_margin_vs_mfn_pts"] == pytest.approx(26.25)
    # China, the leading outside supplier, pays its preferential 25 %: the home country's
    # originating oranges still pay 5.625 points more than China's this year.
    assert (sen["top_outside_supplier_iso3"], sen["outside_rate_pct"]) == ("CHN", 25.0)
    assert sen["margin_vs_outside_pts"] == pytest.approx(25 - 30.625)
    assert sen["horizon_margin_vs_outside_pts"] == pytest.approx(25 - 8.75)
    assert (sen["margin_opens_year"], sen["phase_down_end_year"]) == (2026, 2033)
    assert sen["market_imports_usd"] == pytest.approx(120.0)
    assert sen["africa_share"] == pytest.approx(40 / 120)
    assert sen["home_share"] == pytest.approx(40 / 120)
    assert sen["top_outside_share"] == pytest.approx(50 / 120)
    assert (sen["top_supplier_iso3"], sen["suppliers"]) == ("CHN", 3)
    assert rows[("NGA", B)]["afcfta_pct"] == pytest.approx(30.625)
    assert rows[("NGA", B)]["market_imports_usd"] is None  # NGA imports no oranges

    excluded = rows[("SEN", A)]  # category C: no margin, ever; no MFN loaded: base rate
    assert (excluded["category"], excluded["mfn_from"]) == ("C", "base_rate")
    assert excluded["margin_vs_mfn_pts"] == 0.0 and excluded["margin_opens_year"] is None
    assert excluded["margin_open"] is False


def test_margin_years_run_to_the_end_of_the_phase_down(mart_db) -> None:
    _case(mart_db)
    path = {r["year"]: r for r in mart_db.records(
        "select * from mart.afcfta_margin_years where importer_iso3 = 'SEN' and hs6 = ?"
        " order by year", [B])}
    assert list(path) == list(range(2026, 2034))
    for year, row in path.items():
        expected = 35.0 * (1 - (year - 2025) / 8)
        assert row["afcfta_pct"] == pytest.approx(expected), year
        assert row["margin_vs_mfn_pts"] == pytest.approx(35.0 - expected), year
    assert path[2033]["afcfta_pct"] == 0.0
    # Paths already at their end give this year only.
    egy = mart_db.records("select year, afcfta_pct from mart.afcfta_margin_years "
                          "where importer_iso3 = 'EGY' and hs6 = ?", [C])
    assert [(r["year"], r["afcfta_pct"]) for r in egy] == [(2026, 0.0)]


def test_best_door_among_three_regimes(mart_db) -> None:
    _case(mart_db)
    rows = {r["regime"]: r for r in mart_db.records(
        "select * from mart.best_door where importer_iso3 = 'EGY' and hs6 = ?", [A])}
    # MFN 30; AfCFTA 24 in 2026 and 0 in 2031; Agadir 10 in both (its 2025 rate holds).
    assert set(rows) == {"MFN", "AFCFTA", "AGADIR"}
    assert [(g, rows[g]["rate_today_pct"], rows[g]["rate_horizon_pct"])
            for g in ("MFN", "AFCFTA", "AGADIR")] == [
        ("MFN", 30.0, 30.0), ("AFCFTA", 24.0, 0.0), ("AGADIR", 10.0, 10.0)]
    assert [g for g, r in rows.items() if r["is_best_today"]] == ["AGADIR"]
    assert [g for g, r in rows.items() if r["is_best_horizon"]] == ["AFCFTA"]
    assert [rows[g]["rank_today"] for g in ("AGADIR", "AFCFTA", "MFN")] == [1, 2, 3]
    assert [rows[g]["rank_horizon"] for g in ("AFCFTA", "AGADIR", "MFN")] == [1, 2, 3]
    assert rows["AGADIR"]["margin_vs_mfn_today_pts"] == 20.0
    assert rows["AFCFTA"]["margin_vs_mfn_horizon_pts"] == 30.0
    # The most specific rule: AfCFTA's heading 0702 rule, not its chapter 07 rule.
    assert (rows["AFCFTA"]["rule_hs_code"], rows["AFCFTA"]["rule_text"]) == (
        "0702", "Wholly obtained")
    assert rows["AFCFTA"]["rule_kinds"] == ["wholly_obtained"]
    assert (rows["AGADIR"]["rule_kinds"], rows["AGADIR"]["rule_status"]) == (
        ["change_of_heading"], "agreed")
    assert rows["MFN"]["rule_text"] is None
    assert all(r["regimes"] == 3 for r in rows.values())


def test_no_afcfta_door_when_the_home_country_is_not_a_state_party(mart_db) -> None:
    _case(mart_db)
    mart_db.configure(home="FRA", first_year=2022, last_year=2024, horizon_years=5)
    mart_db.build()
    regimes = {r["regime"] for r in mart_db.records("select regime from mart.best_door")}
    assert "AFCFTA" not in regimes
    margins = mart_db.records("select distinct home_is_state_party from mart.afcfta_margins")
    assert margins in ([], [{"home_is_state_party": False}])


def test_margins_carry_the_most_specific_afcfta_rule(mart_db) -> None:
    _case(mart_db)
    rows = {(r["importer_iso3"], r["hs6"]): r for r in mart_db.records(
        "select importer_iso3, hs6, rule_hs_code, rule_text, rule_status "
        "from mart.afcfta_margins")}
    assert rows[("EGY", A)]["rule_hs_code"] == "0702"
    assert rows[("EGY", A)]["rule_text"] == "Wholly obtained"
    assert rows[("EGY", C)]["rule_text"] is None  # no rule loaded for chapter 16
