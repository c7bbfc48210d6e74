"""HS revision conversion with the UNSD correlation tables (the workbooks of
tests/fixtures/real/hs-concordance-unsd/).

Expected numbers are hand-computed from the rows of the real tables quoted in each test.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from openpyxl import Workbook

from observatory.errors import ReferenceDataError
from observatory.reference.concordance import (
    CONVERSION_COLUMNS,
    CORRELATION_COLUMNS,
    build_conversion,
    convert_flows,
    convert_frame,
    invert_correlation,
    load_correlation,
)
from observatory.reference.hs import hs6_codes
from tests.conftest import real_sample

UNSD = "hs-concordance-unsd"


@pytest.fixture(scope="module")
def hs22_17() -> pd.DataFrame:
    return load_correlation(real_sample(UNSD, "HS2022toHS2017ConversionAndCorrelationTables.xlsx"))


@pytest.fixture(scope="module")
def hs17_12() -> pd.DataFrame:
    return load_correlation(real_sample(UNSD, "HS2017toHS2012ConversionAndCorrelationTables.xlsx"))


@pytest.fixture(scope="module")
def hs17_to_22(hs22_17: pd.DataFrame) -> pd.DataFrame:
    return build_conversion([hs22_17], "HS17", "HS22")


def comtrade_hs6(name: str) -> set[str]:
    results = json.loads(real_sample(UNSD, name).read_text(encoding="utf-8"))["results"]
    return {r["id"] for r in results if len(r["id"]) == 6 and r["id"].isdigit()}


def shares_of(conversion: pd.DataFrame, code: str) -> dict[str, float]:
    rows = conversion[conversion["source_hs6"] == code]
    return dict(zip(rows["target_hs6"], rows["share"], strict=True))


def relationship_from_links(table: pd.DataFrame) -> pd.Series:
    """UNSD's label recomputed: (codes linked to the row's target):(codes linked to its source)."""
    sources_per_target = table.groupby("target_hs6")["source_hs6"].transform("nunique")
    targets_per_source = table.groupby("source_hs6")["target_hs6"].transform("nunique")
    left = sources_per_target.gt(1).map({True: "n", False: "1"})
    right = targets_per_source.gt(1).map({True: "n", False: "1"})
    return left + ":" + right


# --- the real tables ------------------------------------------------------------------------

def test_the_real_hs22_to_hs17_table(hs22_17: pd.DataFrame) -> None:
    assert list(hs22_17.columns) == CORRELATION_COLUMNS
    assert set(hs22_17["source_revision"]) == {"HS22"}
    assert set(hs22_17["target_revision"]) == {"HS17"}
    # Counted in the sheet "HS2022-HS2017 Correlations" (rows 3 to 15659).
    assert len(hs22_17) == 15657
    assert hs22_17["relationship"].value_counts().to_dict() == {
        "n:n": 10114, "1:1": 4097, "n:1": 1392, "1:n": 54}
    for column in ("source_hs6", "target_hs6"):
        assert hs22_17[column].str.fullmatch(r"\d{6}").all()
    # Every HS 2022 subheading of our nomenclature is linked, and nothing else.
    assert set(hs22_17["source_hs6"]) == set(hs6_codes())
    # Every HS 2017 code is one of UN Comtrade's; UNSD's table omits HS 2017 3002.19 only.
    h5 = comtrade_hs6("classificationH5.json")
    assert set(hs22_17["target_hs6"]) <= h5
    assert h5 - set(hs22_17["target_hs6"]) == {"300219"}
    assert (hs22_17["relationship"] == relationship_from_links(hs22_17)).all()


def test_the_real_hs17_to_hs12_table_skips_its_ex_column(hs17_12: pd.DataFrame) -> None:
    assert set(hs17_12["source_revision"]) == {"HS17"}
    assert set(hs17_12["target_revision"]) == {"HS12"}
    assert len(hs17_12) == 6141
    assert hs17_12["relationship"].value_counts().to_dict() == {
        "1:1": 4744, "n:n": 775, "n:1": 578, "1:n": 44}
    assert set(hs17_12["source_hs6"]) == comtrade_hs6("classificationH5.json")
    # Row 1786: "300219 | ex | 300210 | n:1" (the "ex" marks part of HS 2012 3002.10).
    row = hs17_12[hs17_12["source_hs6"] == "300219"]
    assert row[["target_hs6", "relationship"]].values.tolist() == [["300210", "n:1"]]
    assert (hs17_12["relationship"] == relationship_from_links(hs17_12)).all()


def test_inverting_swaps_codes_and_relationships(hs22_17: pd.DataFrame) -> None:
    inverse = invert_correlation(hs22_17)
    assert list(inverse.columns) == CORRELATION_COLUMNS and len(inverse) == len(hs22_17)
    assert set(inverse["source_revision"]) == {"HS17"}
    # "382211 | 300211 | 1:n" read backwards is HS17 300211 -> HS22 382211, n:1.
    row = inverse[(inverse["source_hs6"] == "300211") & (inverse["target_hs6"] == "382211")]
    assert row["relationship"].tolist() == ["n:1"]
    assert inverse["relationship"].value_counts().to_dict() == {
        "n:n": 10114, "1:1": 4097, "1:n": 1392, "n:1": 54}


# --- known links, hand-computed shares ------------------------------------------------------

def test_one_to_one_and_merged_codes_keep_their_whole_value(hs17_to_22: pd.DataFrame) -> None:
    assert list(hs17_to_22.columns) == CONVERSION_COLUMNS
    assert hs17_to_22.attrs == {"source_revision": "HS17", "target_revision": "HS22"}
    assert shares_of(hs17_to_22, "620342") == {"620342": 1.0}  # unchanged
    assert shares_of(hs17_to_22, "030510") == {"030910": 1.0}  # fish meal renumbered
    # Men's overcoats: HS22 620120 "<- 620111, 620191" (two 1:n rows).
    assert shares_of(hs17_to_22, "620111") == {"620120": 1.0}
    assert shares_of(hs17_to_22, "620191") == {"620120": 1.0}
    sums = hs17_to_22.groupby("source_hs6")["share"].sum()
    assert ((sums - 1).abs() < 1e-12).all()
    assert len(sums) == 5387  # every HS17 code of the table


def test_a_split_is_equal_by_default_or_follows_the_weights(hs22_17: pd.DataFrame,
                                                             hs17_to_22: pd.DataFrame) -> None:
    # Virgin olive oil HS17 150910 became HS22 150920 (extra virgin), 150930, 150940.
    assert shares_of(hs17_to_22, "150910") == pytest.approx(
        {"150920": 1 / 3, "150930": 1 / 3, "150940": 1 / 3})
    weights = pd.DataFrame({"target_hs6": ["150920", "150930", "150940", "620120"],
                            "weight": [600.0, 300.0, 100.0, 5.0]})
    weighted = build_conversion([hs22_17], "HS17", "HS22", weights=weights)
    assert shares_of(weighted, "150910") == pytest.approx(
        {"150920": 0.6, "150930": 0.3, "150940": 0.1})
    assert shares_of(weighted, "620111") == {"620120": 1.0}
    # A code without a weight counts as 0; all weights zero fall back to the equal split.
    only_extra_virgin = pd.DataFrame({"target_hs6": ["150920"], "weight": [7.0]})
    partial = build_conversion([hs22_17], "HS17", "HS22", weights=only_extra_virgin)
    assert shares_of(partial, "150910") == {"150920": 1.0}
    zero = pd.DataFrame({"target_hs6": ["150920", "150930"], "weight": [0.0, 0.0]})
    assert shares_of(build_conversion([hs22_17], "HS17", "HS22", weights=zero),
                     "150910") == pytest.approx({"150920": 1 / 3, "150930": 1 / 3,
                                                 "150940": 1 / 3})


def test_the_equal_split_follows_unsd_links_into_e_waste(hs17_to_22: pd.DataFrame) -> None:
    # Telephones HS17 851712: 17 HS22 codes list it, among them 8549 (e-waste) and 8524.
    shares = shares_of(hs17_to_22, "851712")
    assert len(shares) == 17 and {"851713", "851714", "854999", "852411"} <= set(shares)
    assert shares["851713"] == pytest.approx(1 / 17)


def test_bad_weights_are_refused(hs22_17: pd.DataFrame) -> None:
    for weights in (pd.DataFrame({"target_hs6": ["150920"], "weight": [-1.0]}),
                    pd.DataFrame({"target_hs6": ["150920", "150920"], "weight": [1.0, 2.0]}),
                    pd.DataFrame({"code": ["150920"], "weight": [1.0]})):
        with pytest.raises(ReferenceDataError, match="weights"):
            build_conversion([hs22_17], "HS17", "HS22", weights=weights)


# --- applying a conversion ------------------------------------------------------------------

FLOWS_HS17 = pd.DataFrame({
    "classification": "HS17",
    "exporter_iso3": ["MAR", "MAR", "MAR", "MAR", "MAR", "MAR"],
    "importer_iso3": ["ESP", "ESP", "ESP", "FRA", "FRA", "FRA"],
    "year": [2020, 2020, 2020, 2020, 2020, 2020],
    "product_code": ["150910", "620111", "620191", "030510", "123456", "1509"],
    "value_usd": [300.0, 40.0, 60.0, 25.0, 11.0, 9.0],
    "quantity_t": [30.0, 1.0, None, None, 2.0, 1.0],
})


def expected_hs22(olive: dict[str, float]) -> dict[tuple[str, str], float]:
    return {**{("ESP", code): value for code, value in olive.items()},
            ("ESP", "620120"): 100.0, ("FRA", "030910"): 25.0}


def values_by_key(rows: list[tuple[str, str, float]]) -> dict[tuple[str, str], float]:
    keyed = {(importer, code): value for importer, code, value in rows}
    assert len(keyed) == len(rows), "one row per importer and code"
    return keyed


def test_converting_flows_in_duckdb_conserves_value(hs17_to_22: pd.DataFrame) -> None:
    con = duckdb.connect()
    con.register("flows_df", FLOWS_HS17)
    con.execute("create table flows as select * from flows_df").fetchall()
    report = convert_flows(con, hs17_to_22, table="flows", code_column="product_code",
                           value_columns=["value_usd", "quantity_t"], into="flows_hs22",
                           revision_column="classification")
    rows = con.execute("select importer_iso3, product_code, value_usd from flows_hs22").fetchall()
    assert values_by_key(rows) == pytest.approx(expected_hs22({"150920": 100.0,
                                                               "150930": 100.0,
                                                               "150940": 100.0}))
    assert con.execute("select distinct classification from flows_hs22").fetchall() == [("HS22",)]
    # Quantities: 30 t of olive oil split in three; 1 t + NULL of overcoats sum to 1 t;
    # the fish meal row stays NULL.
    quantities = dict(con.execute("select product_code, quantity_t from flows_hs22").fetchall())
    assert quantities["150930"] == pytest.approx(10.0) and quantities["620120"] == 1.0
    assert quantities["030910"] is None
    assert report.source == "HS17" and report.target == "HS22"
    assert (report.rows_in, report.rows_out) == (6, 5)
    assert report.value_in == 445.0
    assert report.unmapped_codes == ["123456", "1509"] and report.unmapped_value == 20.0
    assert report.value_out == pytest.approx(425.0)
    assert report.value_out + report.unmapped_value == pytest.approx(report.value_in)
    assert report.split_value_share == pytest.approx(300 / 445)


def test_converting_a_frame_with_weights(hs22_17: pd.DataFrame) -> None:
    weights = pd.DataFrame({"target_hs6": ["150920", "150930", "150940"],
                            "weight": [600.0, 300.0, 100.0]})
    conversion = build_conversion([hs22_17], "HS17", "HS22", weights=weights)
    # Every column that is neither the code nor a value is a key: drop the quantities.
    flows = FLOWS_HS17.drop(columns="quantity_t")
    out, report = convert_frame(flows, conversion, "product_code", ["value_usd"])
    rows = list(zip(out["importer_iso3"], out["product_code"], out["value_usd"], strict=True))
    assert values_by_key(rows) == pytest.approx(
        expected_hs22({"150920": 180.0, "150930": 90.0, "150940": 30.0}))
    assert set(out["classification"]) == {"HS17"}  # not asked to rewrite it
    assert report.split_value_share == pytest.approx(300 / 445)
    assert out["value_usd"].sum() == pytest.approx(445 - report.unmapped_value)


def test_a_flow_in_another_revision_or_a_broken_conversion_is_refused(
        hs17_to_22: pd.DataFrame) -> None:
    mixed = FLOWS_HS17.assign(classification=["HS17"] * 5 + ["HS12"])
    with pytest.raises(ReferenceDataError, match="HS12"):
        convert_frame(mixed, hs17_to_22, "product_code", ["value_usd"],
                      revision_column="classification")
    broken = hs17_to_22[hs17_to_22["target_hs6"] != "150940"]
    with pytest.raises(ReferenceDataError, match="150910"):
        convert_frame(FLOWS_HS17, broken, "product_code", ["value_usd"])
    as_numbers = FLOWS_HS17.assign(product_code=range(6))
    with pytest.raises(ReferenceDataError, match="not text"):
        convert_frame(as_numbers, hs17_to_22, "product_code", ["value_usd"])


# --- chaining -------------------------------------------------------------------------------

def test_chaining_hs12_to_hs22_through_hs17(hs22_17: pd.DataFrame,
                                            hs17_12: pd.DataFrame) -> None:
    chained = build_conversion([hs22_17, hs17_12], "HS12", "HS22")
    sums = chained.groupby("source_hs6")["share"].sum()
    assert ((sums - 1).abs() < 1e-12).all()
    assert set(sums.index) == set(hs17_12["target_hs6"])
    assert shares_of(chained, "150910") == pytest.approx(
        {"150920": 1 / 3, "150930": 1 / 3, "150940": 1 / 3})
    # HS12 300210 -> HS17 300211..300215, 300219 (1/6 each). Onwards to HS22: 300211 ->
    # 382211; 300212 -> 300212; 300213, 300214, 300215 -> itself, 382211, 382212, 382219
    # (1/4 each); 300219 -> nothing, so the 5/6 that arrive are rescaled to 1.
    sixth, quarter, rescale = Fraction(1, 6), Fraction(1, 4), Fraction(6, 5)
    expected = {"382211": (sixth + 3 * sixth * quarter) * rescale,
                "300212": sixth * rescale,
                "300213": sixth * quarter * rescale, "300214": sixth * quarter * rescale,
                "300215": sixth * quarter * rescale,
                "382212": 3 * sixth * quarter * rescale, "382219": 3 * sixth * quarter * rescale}
    assert shares_of(chained, "300210") == pytest.approx({k: float(v)
                                                          for k, v in expected.items()})
    # Same codes as UNSD's direct HS2022->HS2012 table lists for 300210.
    assert set(expected) == {"300212", "300213", "300214", "300215", "382211", "382212",
                             "382219"}
    flows = pd.DataFrame({"product_code": ["300210", "150910", "851712", "620111", "030510"],
                          "year": 2015, "value_usd": [70.0, 120.0, 340.0, 5.5, 1.25]})
    out, report = convert_frame(flows, chained, "product_code", ["value_usd"])
    assert report.unmapped_codes == [] and report.value_in == 536.75
    assert out["value_usd"].sum() == pytest.approx(536.75)
    assert report.split_value_share == pytest.approx((70 + 120 + 340) / 536.75)
    assert out.loc[out["product_code"] == "382211", "value_usd"].item() == pytest.approx(24.5)


def test_revision_paths_and_their_errors(hs22_17: pd.DataFrame,
                                         hs17_12: pd.DataFrame) -> None:
    backwards = build_conversion([hs22_17], "HS22", "HS17")
    assert shares_of(backwards, "851713") == {"851712": 1.0}
    assert shares_of(backwards, "382211") == pytest.approx(
        {c: 0.25 for c in ("300211", "300213", "300214", "300215")})
    identity = build_conversion([hs22_17], "HS22", "HS22")
    assert len(identity) == 5613 and (identity["source_hs6"] == identity["target_hs6"]).all()
    with pytest.raises(ReferenceDataError, match="HS96 to HS22"):
        build_conversion([hs22_17, hs17_12], "HS96", "HS22")
    with pytest.raises(ReferenceDataError, match="unknown revision 'HS2017'"):
        build_conversion([hs22_17], "HS2017", "HS22")
    with pytest.raises(ReferenceDataError, match="two correlation tables link"):
        build_conversion([hs22_17, invert_correlation(hs22_17)], "HS17", "HS22")


# --- reading other workbooks ----------------------------------------------------------------

def write_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_codes_stored_as_numbers_or_with_dots_are_normalised(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "handwritten_hs17_hs12.xlsx", {
        "Conversion HS17-HS12": [["From HS 2017", "To HS 2012"]],
        "Correlation HS17-HS12": [
            ["Correlation between HS 2017 and HS 2012"], [],
            ["HS 2017", None, "HS 2012", "Relationship"],
            [10121, None, 10121.0, "1:1"],
            ["0101.29", "ex", "ex 0101.29", "n:1"],
            ["010130", None, "0101.29", "N:1"],
            [None, None, None, None],
            ["10190", None, " 010190 ", "1:1"],  # text that lost its leading zero
        ]})
    table = load_correlation(path)
    assert table.values.tolist() == [
        ["HS17", "010121", "HS12", "010121", "1:1"],
        ["HS17", "010129", "HS12", "010129", "n:1"],
        ["HS17", "010130", "HS12", "010129", "n:1"],
        ["HS17", "010190", "HS12", "010190", "1:1"],
    ]


def test_a_workbook_that_is_not_a_unsd_table_is_refused(tmp_path: Path) -> None:
    other = write_workbook(tmp_path / "prices.xlsx", {"Data": [["product", "price"],
                                                               ["010121", 3.5]]})
    with pytest.raises(ReferenceDataError, match="prices.xlsx: no correlations sheet"):
        load_correlation(other)
    no_header = write_workbook(tmp_path / "no_header.xlsx", {
        "Correlations": [["code", "code", "link"], ["010121", "010121", "1:1"]]})
    with pytest.raises(ReferenceDataError, match="no_header.xlsx: sheet 'Correlations'"):
        load_correlation(no_header)
    bad_code = write_workbook(tmp_path / "bad_code.xlsx", {
        "HS2022-HS2017 Correlations": [["Between"], ["HS2022", " HS2017", "Relationship"],
                                       ["010121", "010121", "1:1"],
                                       ["010129", "01012X", "1:1"]]})
    with pytest.raises(ReferenceDataError,
                       match=r"bad_code.xlsx: sheet 'HS2022-HS2017 Correlations' row 4 "
                             r"column B: '01012X'"):
        load_correlation(bad_code)
    bad_relation = write_workbook(tmp_path / "bad_relation.xlsx", {
        "Correlations": [["HS2022", "HS2017", "Relationship"], ["010121", "010121", "1-1"]]})
    with pytest.raises(ReferenceDataError, match="row 2 column C: relationship '1-1'"):
        load_correlation(bad_relation)
    not_xlsx = tmp_path / "table.xlsx"
    not_xlsx.write_text("HS2022,HS2017\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="table.xlsx: cannot read"):
        load_correlation(not_xlsx)
