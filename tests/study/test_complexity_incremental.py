"""Incremental complexity marts: when one year's flows change, only that year is recomputed;
a change of parameters recomputes every year; a year leaving the study leaves the marts."""

from __future__ import annotations

import pytest

from observatory.study.complexity_marts import (
    TABLES,
    update_complexity_marts,
    year_fingerprints,
)

HOME = "MAR"
# Eight HS6 codes under four HS4 headings.
P = ["010121", "010129", "020110", "020120", "030211", "030213", "030214", "040110"]
# A nested world: each exporter ships its first n products, 1,000 USD each. 2023 has
# 8 + 6 + 4 + 3 + 1 + 1 = 23 cells (23,000 USD); 2022 the same but MRT ships 2 products;
# 2024 the home country exports nothing.
REACH = {
    2022: {"DEU": 8, "FRA": 6, "CHN": 4, "MAR": 3, "SEN": 1, "MRT": 2},
    2023: {"DEU": 8, "FRA": 6, "CHN": 4, "MAR": 3, "SEN": 1, "MRT": 1},
    2024: {"DEU": 8, "FRA": 6, "CHN": 4, "SEN": 2, "MRT": 1},
}
YEARS = sorted(REACH)
ALL_PAIRS = [(year, level) for year in YEARS for level in (4, 6)]


def _flows() -> list[tuple[int, str, str, str, float]]:
    return [(year, exporter, "ESP", hs6, 1000.0)
            for year, reach in REACH.items() for exporter, n in reach.items()
            for hs6 in P[:n]]


@pytest.fixture
def db(study_db):
    study_db.configure(home=HOME, first_year=YEARS[0], last_year=YEARS[-1])
    study_db.add_flows(_flows())
    return study_db


def _update(db, home: str = HOME, rca: float = 1.0, **kwargs):
    notes: list[str] = []
    build = update_complexity_marts(db.con, home, rca, notes=notes, **kwargs)
    return build, notes


def _rows(db, year: int | None = None) -> dict[str, list[tuple]]:
    """Every row of the three marts (of one year when given), sorted: exact values."""
    where = "" if year is None else f"where year = {int(year)}"
    return {name: db.query(f"select * from mart.{name} {where} order by all") for name in TABLES}


def _state(db) -> list[tuple]:
    return db.query("select year, level, fingerprint, run_id, computed_at "
                    "from ops.complexity_state order by year, level")


def test_first_build_computes_every_year_and_records_it(db):
    build, notes = _update(db, run_id="run-1")
    assert build.recomputed == ALL_PAIRS
    assert build.reused == [] and build.removed == [] and notes == []
    assert db.query("select year, level, run_id, countries_rows, products_rows, home_rows, note "
                    "from ops.complexity_state order by year, level") == [
        # Exporters; HS4 headings or HS6 codes traded; the home country's products (every
        # product traded, none in 2024 when it exports nothing).
        (2022, 4, "run-1", 6, 4, 4, None), (2022, 6, "run-1", 6, 8, 8, None),
        (2023, 4, "run-1", 6, 4, 4, None), (2023, 6, "run-1", 6, 8, 8, None),
        (2024, 4, "run-1", 5, 4, 0, None), (2024, 6, "run-1", 5, 8, 0, None),
    ]
    assert build.summary()["recomputed"] == {"HS4": YEARS, "HS6": YEARS}


def test_unchanged_inputs_recompute_nothing(db):
    _update(db, run_id="run-1")
    before, state = _rows(db), _state(db)
    build, _ = _update(db, run_id="run-2")
    assert build.recomputed == [] and build.reused == ALL_PAIRS and build.removed == []
    assert _rows(db) == before
    assert _state(db) == state  # still run-1's rows, same computed_at


def test_one_changed_year_is_the_only_one_recomputed(db):
    _update(db, run_id="run-1")
    before = _rows(db)
    state = {(y, lv): rest for y, lv, *rest in _state(db)}
    # 2023: MAR ships 3,000 USD more of P1 (to FRA). HS6 RCA of MAR in P1 goes from
    # (1,000 / 3,000) / (6,000 / 23,000) = 23/18 to (4,000 / 6,000) / (9,000 / 26,000) = 52/27.
    db.add_flows([(2023, "MAR", "FRA", P[0], 3000.0)])
    build, _ = _update(db, run_id="run-2")
    assert build.recomputed == [(2023, 4), (2023, 6)]
    assert build.reused == [(2022, 4), (2022, 6), (2024, 4), (2024, 6)]
    assert build.summary()["reused"] == {"HS4": [2022, 2024], "HS6": [2022, 2024]}
    after = _rows(db)
    for year in (2022, 2024):
        assert _rows(db, year) == {name: [r for r in rows if r[0] == year]
                                   for name, rows in before.items()}, year
        for level in (4, 6):
            assert [r for r in _state(db) if r[:2] == (year, level)][0][2:] == tuple(
                state[(year, level)]), (year, level)
    assert after != before
    (rca,), = db.query("select rca from mart.home_product_space "
                       "where year = 2023 and level = 6 and product_code = ?", [P[0]])
    assert rca == pytest.approx(52 / 27, rel=1e-12)
    # The recomputed year is what a build from scratch on the changed flows gives.
    scratch, _ = _update(db, run_id="run-3", force=True)
    assert scratch.recomputed == ALL_PAIRS
    assert _rows(db) == after


def test_flows_of_another_revision_count_as_converted(db):
    # A 2024 flow reported in HS17 enters the study's HS22 through ref.hs_conversion: split
    # 60/40 over P3 and P4. New conversion weights (rebuilt by every mart build) change the
    # converted rows: only the years holding such flows are recomputed.
    db.con.execute("insert into ref.hs_conversion values ('HS17', 'HS22', '999999', ?, 0.6), "
                   "('HS17', 'HS22', '999999', ?, 0.4)", [P[2], P[3]])
    _update(db)
    db.add_flows([(2024, "SEN", "ESP", "999999", 1000.0)], classification="HS17")
    build, _ = _update(db)
    assert build.recomputed == [(2024, 4), (2024, 6)]
    assert _sen_2024(db) == [(P[2], 600.0), (P[3], 400.0)]
    db.con.execute("update ref.hs_conversion set share = 1 - share")
    build, _ = _update(db)
    # P3 and P4 are both under heading 0201: the HS4 exports did not change, so only HS6
    # is recomputed (each level's fingerprint covers the exports at that level).
    assert build.recomputed == [(2024, 6)] and (2024, 4) in build.reused
    assert _sen_2024(db) == [(P[2], 400.0), (P[3], 600.0)]


def _sen_2024(db) -> list[tuple]:
    """SEN's converted 2024 exports as the marts read them (the premise of the test)."""
    return db.query("select product_code, value_usd from staging.stg_trade_flows_study "
                    "where year = 2024 and exporter_iso3 = 'SEN' and product_code in (?, ?) "
                    "order by 1", [P[2], P[3]])


@pytest.mark.parametrize("change", [{"rca": 1.3}, {"home": "FRA"}])
def test_a_changed_parameter_recomputes_every_year(db, change):
    _update(db)
    build, _ = _update(db, **change)
    assert build.recomputed == ALL_PAIRS and build.reused == []
    homes = db.query("select distinct year from mart.home_product_space order by 1")
    if "home" in change:
        # FRA exports every year: it has home rows in 2024 too; its presence at HS6 in 2023
        # is P4..P6 (k_c * k_p <= 23 with k_c = 6: products with at most 3 exporters).
        assert homes == [(y,) for y in YEARS]
        assert [p for p, m in db.query(
            "select product_code, m from mart.home_product_space "
            "where year = 2023 and level = 6 order by 1") if m] == P[3:6]
    else:
        # MAR's HS6 RCAs in 2023 are 23/18 = 1.28 (P1), 23/12 = 1.92 (P2, P3): P1 drops out.
        # (At HS4 this tiny world then has a constant COI: those years are skipped.)
        assert [p for p, m in db.query(
            "select product_code, m from mart.home_product_space "
            "where year = 2023 and level = 6 order by 1") if m] == P[1:3]


def test_a_year_leaving_the_study_leaves_the_marts(db):
    _update(db)
    before = _rows(db)
    db.configure(home=HOME, first_year=2022, last_year=2023)
    build, _ = _update(db)
    assert build.removed == [(2024, 4), (2024, 6)]
    assert build.recomputed == [] and build.reused == ALL_PAIRS[:4]
    assert _rows(db) == {name: [r for r in rows if r[0] != 2024]
                         for name, rows in before.items()}
    assert db.query("select distinct year from ops.complexity_state order by 1") == [
        (2022,), (2023,)]


def test_a_level_no_longer_asked_for_is_removed(db):
    _update(db)
    build, _ = _update(db, levels=(6,))
    assert build.removed == [(2022, 4), (2023, 4), (2024, 4)]
    assert build.reused == [(2022, 6), (2023, 6), (2024, 6)] and build.recomputed == []
    for name in TABLES:
        assert db.query(f"select distinct level from mart.{name}") in ([(6,)], []), name


def test_missing_rows_are_recomputed(db):
    _update(db)
    before = _rows(db)
    db.con.execute("delete from mart.complexity_products where year = 2022 and level = 6")
    build, _ = _update(db)
    assert build.recomputed == [(2022, 6)]
    assert _rows(db) == before
    # A mart replaced by something else (here: dropped) is recreated and refilled.
    db.con.execute("drop table mart.home_product_space")
    build, _ = _update(db)
    assert build.recomputed == [(2022, 4), (2022, 6), (2023, 4), (2023, 6)]  # 2024: no rows
    assert _rows(db) == before


def test_a_skipped_year_keeps_its_note_when_reused(db):
    # 2021: one exporter only, rejected by the indicators at both levels.
    db.configure(home=HOME, first_year=2021, last_year=2024)
    db.add_flows([(2021, "DEU", "ESP", P[0], 10.0), (2021, "DEU", "ESP", P[2], 10.0)])
    first, notes = _update(db)
    assert first.recomputed == [(2021, 4), (2021, 6), *ALL_PAIRS]
    assert len(notes) == 2 and all(n.startswith("2021: complexity marts at HS") for n in notes)
    again, notes_again = _update(db)
    assert again.recomputed == [] and notes_again == notes


def test_fingerprint_follows_exports_not_importers(db):
    def fingerprints():
        return year_fingerprints(db.con, YEARS, (4, 6), HOME, 1.0)

    base = fingerprints()
    assert len(set(base.values())) == len(ALL_PAIRS)  # every year and level its own
    # The same export to another importer: exports by (exporter, product) unchanged.
    db.con.execute("update core.trade_flows set importer_iso3 = 'ITA' "
                   "where year = 2022 and exporter_iso3 = 'DEU' and product_code = ?", [P[0]])
    assert fingerprints() == base
    # A duplicated row is a change (an XOR of hashes would cancel it: a sum does not).
    db.add_flows([(2022, "DEU", "ESP", P[1], 1000.0)] * 2)
    changed = fingerprints()
    assert {pair for pair in base if changed[pair] != base[pair]} == {(2022, 4), (2022, 6)}
    # One value changed, then changed back: the fingerprint moves, then comes back.
    db.con.execute("update core.trade_flows set value_usd = 3000.0 where year = 2023 "
                   "and exporter_iso3 = 'DEU' and product_code = ?", [P[0]])
    moved = fingerprints()
    assert {pair for pair in base if moved[pair] != changed[pair]} == {(2023, 4), (2023, 6)}
    db.con.execute("update core.trade_flows set value_usd = 1000.0 where year = 2023 "
                   "and exporter_iso3 = 'DEU' and product_code = ?", [P[0]])
    assert fingerprints() == changed
    # The 3,000 now with FRA instead of DEU: the same values, count and total as `moved`,
    # other exports.
    db.con.execute("update core.trade_flows set value_usd = 3000.0 where year = 2023 "
                   "and exporter_iso3 = 'FRA' and product_code = ?", [P[0]])
    swapped = fingerprints()
    assert swapped[(2023, 6)] not in (changed[(2023, 6)], moved[(2023, 6)])
    # The parameters: home country, RCA threshold, level.
    assert year_fingerprints(db.con, YEARS, (6,), "FRA", 1.0)[(2024, 6)] != swapped[(2024, 6)]
    assert year_fingerprints(db.con, YEARS, (6,), HOME, 1.5)[(2024, 6)] != swapped[(2024, 6)]


def test_the_study_refresh_reports_what_it_recomputed(db):
    from observatory.study.refresh import refresh_study

    # The home country exports nothing in 2024: the CMS decomposition ends in 2023.
    cfg = db.configure(home=HOME, first_year=2022, last_year=2024, complexity_levels=[6],
                       cms_base_year=2022, cms_end_year=2023)
    first = refresh_study(db.con, cfg, "run-1")
    assert first["complexity"]["recomputed"] == {"HS6": YEARS}
    db.add_flows([(2024, "SEN", "ESP", P[2], 1000.0)])
    second = refresh_study(db.con, cfg, "run-2")
    assert {k: second["complexity"][k] for k in ("recomputed", "reused", "removed")} == {
        "recomputed": {"HS6": [2024]}, "reused": {"HS6": [2022, 2023]}, "removed": {}}
    assert second["complexity"]["fingerprint_seconds"] >= 0
