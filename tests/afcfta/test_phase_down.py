"""The AfCFTA modalities' phase-down paths, hand-computed (AfCFTA Secretariat, "The
Schedules of Tariff Concessions": category A linear over 5 years non-LDC, 10 years LDC,
from 2021; category B from year 6, within 10 / 13 years; category C excluded), the rates
schedules write, and the kinds of rules of origin."""

from __future__ import annotations

import pytest

from observatory.sources.afcfta.resources import hs6_of, parse_rate, phase_down, rule_kinds


def test_category_a_non_ldc_five_equal_cuts_from_2021() -> None:
    assert phase_down(20.0, "A", "non_ldc", 2021, years=7) == {
        2021: 16.0, 2022: 12.0, 2023: 8.0, 2024: 4.0, 2025: 0.0, 2026: 0.0, 2027: 0.0}


def test_category_a_ldc_ten_equal_cuts() -> None:
    path = phase_down(35.0, "A", "ldc", 2021)
    assert path[2021] == pytest.approx(31.5)  # 35 - 3.5
    assert path[2025] == pytest.approx(17.5)
    assert path[2029] == pytest.approx(3.5)
    assert path[2030] == 0.0 and path[2033] == 0.0
    assert len(path) == 13 and min(path) == 2021 and max(path) == 2033


def test_category_b_non_ldc_standstill_then_five_cuts() -> None:
    path = phase_down(25.0, "B", "non_ldc", 2021)
    assert [path[y] for y in range(2021, 2026)] == [25.0] * 5
    assert [path[y] for y in range(2026, 2031)] == [20.0, 15.0, 10.0, 5.0, 0.0]
    assert path[2033] == 0.0


def test_category_b_ldc_standstill_then_eight_cuts_to_2033() -> None:
    path = phase_down(40.0, "B", "ldc", 2021)
    assert [path[y] for y in range(2021, 2026)] == [40.0] * 5
    assert [path[y] for y in range(2026, 2034)] == [35.0, 30.0, 25.0, 20.0, 15.0, 10.0,
                                                     5.0, 0.0]


def test_category_c_keeps_the_base_rate() -> None:
    assert set(phase_down(12.5, "C", "ldc", 2021).values()) == {12.5}
    assert set(phase_down(12.5, "C", "non_ldc", 2021).values()) == {12.5}


def test_a_later_start_year_shifts_the_path() -> None:
    assert phase_down(10.0, "A", "non_ldc", 2024, years=5)[2028] == 0.0
    assert phase_down(10.0, "A", "non_ldc", 2024, years=5)[2024] == 8.0


@pytest.mark.parametrize("args", [(-1.0, "A", "ldc"), (float("nan"), "A", "ldc"),
                                  (10.0, "D", "ldc"), (10.0, "A", "lcd")])
def test_bad_parameters_raise(args: tuple[float, str, str]) -> None:
    with pytest.raises(ValueError):
        phase_down(*args, 2021)


def test_rates_as_schedules_write_them() -> None:
    assert [parse_rate(t) for t in ("20", "20 %", "12,5", "Free", "0", "7.5%")] == [
        20.0, 20.0, 12.5, 0.0, 0.0, 7.5]
    assert parse_rate("10% + 50 EUR/kg") is None and parse_rate("abc") is None
    assert parse_rate("1e999") is None


def test_hs6_codes() -> None:
    assert hs6_of("0702.00") == ("070200", False)
    assert hs6_of("0702.00.10.00") == ("070200", False)
    assert hs6_of("70200") == ("070200", True)
    assert hs6_of("ABC") == (None, False) and hs6_of("0702") == (None, False)


@pytest.mark.parametrize(("text", "kinds", "share", "status"), [
    ("Wholly obtained", ["wholly_obtained"], None, "agreed"),
    ("CTH", ["change_of_heading"], None, "agreed"),
    ("CTSH", ["change_of_subheading"], None, "agreed"),
    ("CC", ["change_of_chapter"], None, "agreed"),
    ("CTH; or MaxNOM 60 % (EXW)", ["change_of_heading", "max_non_originating"], 60.0,
     "agreed"),
    ("Manufacture in which the value of all the non-originating materials used does not "
     "exceed 50 % of the ex-works price of the product", ["max_non_originating"], 50.0,
     "agreed"),
    ("Manufacture from materials of any heading, except that of the product",
     ["change_of_heading"], None, "agreed"),
    ("Weaving accompanied by dyeing or by printing", ["specific_process"], None, "agreed"),
    ("Yet to be agreed", [], None, "under_negotiation"),
    ("[CTH or MaxNOM 55 % (EXW)]", ["change_of_heading", "max_non_originating"], 55.0,
     "under_negotiation"),
])
def test_rule_kinds(text: str, kinds: list[str], share: float | None, status: str) -> None:
    assert rule_kinds(text) == (kinds, share, status)
