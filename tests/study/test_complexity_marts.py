"""The complexity marts at HS4 and HS6 against hand counts and a direct run of the
indicator on the same exports summed in pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from observatory.indicators.complexity import complexity
from observatory.study.complexity_marts import TABLES, build_complexity_marts

HOME = "MAR"
# Eight HS6 codes under four HS4 headings.
P = ["010121", "010129", "020110", "020120", "030211", "030213", "030214", "040110"]
# A nested world: each exporter ships its first n products, 1,000 USD each (some split over
# two importers). 2023: 8 + 6 + 4 + 3 + 1 + 1 = 23 cells, 23,000 USD.
REACH_2023 = {"DEU": 8, "FRA": 6, "CHN": 4, "MAR": 3, "SEN": 1, "MRT": 1}
# 2024: the home country exports nothing; SEN ships 2 products (21 cells).
REACH_2024 = {"DEU": 8, "FRA": 6, "CHN": 4, "SEN": 2, "MRT": 1}


def _flows() -> list[tuple[int, str, str, str, float]]:
    rows = []
    for year, reach in ((2023, REACH_2023), (2024, REACH_2024)):
        for exporter, n in reach.items():
            for i, hs6 in enumerate(P[:n]):
                if i % 2 == 0:  # one cell = two flows: the marts sum over importers
                    rows += [(year, exporter, "ESP", hs6, 400.0),
                             (year, exporter, "ITA", hs6, 600.0)]
                else:
                    rows.append((year, exporter, "ESP", hs6, 1000.0))
    return rows


def _exports(level: int) -> pd.DataFrame:
    flows = pd.DataFrame(_flows(), columns=["year", "exporter_iso3", "importer", "hs6", "value"])
    flows["product_code"] = flows["hs6"].str[:level]
    return flows.groupby(["year", "exporter_iso3", "product_code"], as_index=False).agg(
        value_usd=("value", "sum"))


@pytest.fixture
def built(study_db):
    study_db.configure(home=HOME, first_year=2019, last_year=2024)
    study_db.add_flows(_flows())
    # Outside the study: a year before first_year and a declared (not reconciled) flow.
    study_db.add_flows([(2015, "MAR", "ESP", P[7], 5000.0)])
    study_db.con.execute(
        "insert into core.trade_flows by name select 'comtrade' as source, 'T' as release, "
        "'b' as batch_id, 'importer' as reported_by, 'HS22' as classification, "
        "6 as hs_level, ? as product_code, 'A' as freq, 2023 as year, "
        "'MAR' as exporter_iso3, 'ESP' as importer_iso3, 9000.0 as value_usd", [P[7]])
    counts = build_complexity_marts(study_db.con, HOME, 1.0, levels=(4, 6))
    return study_db, counts


def _mart(db, table: str, level: int) -> pd.DataFrame:
    return db.con.execute(f"select * from mart.{table} where level = ?", [level]).df()


def _by_key(db, table: str, level: int, year: int, key: str, column: str) -> dict:
    return dict(db.query(f"select {key}, {column} from mart.{table} "
                         "where level = ? and year = ?", [level, year]))


def test_hs6_presence_diversity_and_ubiquity_are_the_hand_counts(built):
    db, _ = built
    # Every present cell holds 1,000, so RCA_cp = (1/k_c) / (k_p/23) and M_cp = 1 iff
    # k_c * k_p <= 23 (23 is prime: no ties). Exporters per product k_p: 6, 4, 4, 3, 2, 2, 1, 1.
    # DEU (8): k_p <= 2 -> P5..P8; FRA (6): k_p <= 3 -> P4..P6; CHN (4): k_p <= 5 -> P2..P4;
    # MAR (3): k_p <= 7 -> P1..P3; SEN, MRT (1): P1.
    assert _by_key(db, "complexity_countries", 6, 2023, "iso3", "diversity") == {
        "DEU": 4, "FRA": 3, "CHN": 3, "MAR": 3, "SEN": 1, "MRT": 1}
    assert _by_key(db, "complexity_products", 6, 2023, "product_code", "ubiquity") == dict(
        zip(P, [3, 2, 2, 2, 2, 2, 1, 1], strict=True))
    home = db.con.execute(
        "select product_code, m, rca from mart.home_product_space "
        "where level = 6 and year = 2023 order by product_code").fetchall()
    # Every product traded that year, the zero-export ones with RCA 0 and M 0.
    assert [(code, m) for code, m, _ in home] == list(
        zip(P, [1, 1, 1, 0, 0, 0, 0, 0], strict=True))
    # MAR in P1: (1,000 / 3,000) / (6,000 / 23,000) = 23/18; in P2: (1/3) / (4/23) = 23/12.
    assert home[0][2] == pytest.approx(23 / 18, rel=1e-12)
    assert home[1][2] == pytest.approx(23 / 12, rel=1e-12)
    assert [rca for *_, rca in home[3:]] == [0.0] * 5


def test_hs4_presence_diversity_and_ubiquity_are_the_hand_counts(built):
    db, _ = built
    # HS4 sums (thousand USD): 0101 = P1+P2: DEU 2 FRA 2 CHN 2 MAR 2 SEN 1 MRT 1 (total 10);
    # 0201 = P3+P4: DEU 2 FRA 2 CHN 2 MAR 1 (7); 0302 = P5..P7: DEU 3 FRA 2 (5); 0401: DEU 1.
    # RCA = (x / X_c) / (X_k / 23): DEU 0101 (2/8)/(10/23) = 0.58, 0201 0.82, 0302 1.73,
    # 0401 2.88; FRA 0.77, 1.10, 1.53; CHN 1.15, 1.64; MAR 1.53, 1.10; SEN, MRT 0101 2.3.
    assert _by_key(db, "complexity_countries", 4, 2023, "iso3", "diversity") == {
        "DEU": 2, "FRA": 2, "CHN": 2, "MAR": 2, "SEN": 1, "MRT": 1}
    assert _by_key(db, "complexity_products", 4, 2023, "product_code", "ubiquity") == {
        "0101": 4, "0201": 3, "0302": 2, "0401": 1}
    assert _by_key(db, "home_product_space", 4, 2023, "product_code", "m") == {
        "0101": 1, "0201": 1, "0302": 0, "0401": 0}
    rca = _by_key(db, "home_product_space", 4, 2023, "product_code", "rca")
    assert rca["0101"] == pytest.approx((2 / 3) / (10 / 23), rel=1e-12)
    assert rca["0201"] == pytest.approx((1 / 3) / (7 / 23), rel=1e-12)


@pytest.mark.parametrize("level", [4, 6])
def test_marts_equal_the_indicator_run_on_the_summed_exports(built, level):
    db, _ = built
    cols = {"time": "year", "loc": "exporter_iso3", "prod": "product_code", "val": "value_usd"}
    direct = complexity(_exports(level), cols, locations=[HOME], all_products=True)
    pairs = (
        ("complexity_countries", direct.countries.rename(columns={"exporter_iso3": "iso3"}),
         ["year", "iso3"]),
        ("complexity_products", direct.products, ["year", "product_code"]),
        ("home_product_space", direct.cells.drop(columns="exporter_iso3"),
         ["year", "product_code"]),
    )
    for table, expected, keys in pairs:
        ours = _mart(db, table, level).sort_values(keys, ignore_index=True)
        expected = expected.sort_values(keys, ignore_index=True)
        assert len(ours) == len(expected) > 0, table
        for column in expected.columns:
            if column in keys:
                assert ours[column].tolist() == expected[column].tolist(), (table, column)
            else:
                np.testing.assert_allclose(ours[column].to_numpy(dtype=float),
                                           expected[column].to_numpy(dtype=float),
                                           rtol=1e-12, atol=1e-12, err_msg=f"{table}.{column}")


def test_years_levels_and_distance(built):
    db, counts = built
    # 2015 is before first_year; the declared flow is not reconciled: neither counts.
    assert db.query("select distinct year from mart.complexity_products order by year") == [
        (2023,), (2024,)]
    # The home country exports nothing in 2024: it has no row, the others do.
    assert db.query("select distinct year from mart.home_product_space") == [(2023,)]
    assert _by_key(db, "complexity_countries", 6, 2024, "iso3", "diversity").keys() == (
        REACH_2024.keys())
    assert counts == {
        "mart.complexity_countries": 2 * (6 + 5),  # two levels, 6 exporters then 5
        "mart.complexity_products": (4 + 4) + (8 + 8),
        "mart.home_product_space": 4 + 8,
    }
    (worst, low, high), = db.query(
        "select max(abs(distance - (1 - density))), min(density), max(density) "
        "from mart.home_product_space")
    assert worst == 0 and 0 <= low <= high <= 1


def test_one_level_only(study_db):
    study_db.configure(home=HOME, first_year=2022, last_year=2023)
    study_db.add_flows(_flows())
    build_complexity_marts(study_db.con, HOME, 1.0, levels=[6])
    for table in TABLES:
        assert study_db.query(f"select distinct level from mart.{table}") == [(6,)], table
    assert build_complexity_marts(study_db.con, HOME, 1.0, levels=()) == {
        f"mart.{table}": 0 for table in TABLES}
    with pytest.raises(ValueError, match="4 and/or 6"):
        build_complexity_marts(study_db.con, HOME, 1.0, levels=(2,))


def test_empty_input_gives_empty_tables_with_their_columns(study_db):
    study_db.configure(home=HOME)
    counts = build_complexity_marts(study_db.con, HOME, 1.0)
    assert counts == {f"mart.{table}": 0 for table in TABLES}
    for table, columns in TABLES.items():
        described = study_db.query(
            "select column_name, lower(data_type) from information_schema.columns "
            "where table_schema = 'mart' and table_name = ? order by ordinal_position", [table])
        assert described == list(columns.items()), table
