"""The UNSD correlation tables shipped with the package (observatory/reference/data/): the
same links, and so the same conversions, as UNSD's xlsx workbooks they were packed from
(vendored under tests/fixtures/real/hs-concordance-unsd/); used by default, a configured
workbook replacing the shipped table of its pair of revisions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from observatory.config import load_config
from observatory.errors import ReferenceDataError
from observatory.reference.concordance import (
    PACKED_DIR,
    build_conversion,
    load_correlation,
    main,
    pack_correlation,
    packaged_tables,
)
from tests.conftest import real_sample, write_config
from tests.test_hs_concordance import write_workbook

WORKBOOKS = {
    "hs_correlation_HS22_HS17.csv.gz": "HS2022toHS2017ConversionAndCorrelationTables.xlsx",
    "hs_correlation_HS22_HS12.csv.gz": "HS2022toHS2012ConversionAndCorrelationTables.xlsx",
    "hs_correlation_HS17_HS12.csv.gz": "HS2017toHS2012ConversionAndCorrelationTables.xlsx",
}


@pytest.fixture(scope="module")
def from_xlsx() -> dict[str, pd.DataFrame]:
    return {packed: load_correlation(real_sample("hs-concordance-unsd", workbook))
            for packed, workbook in WORKBOOKS.items()}


@pytest.fixture(scope="module")
def shipped() -> dict[str, pd.DataFrame]:
    return {path.name: load_correlation(path) for path in packaged_tables()}


def test_the_shipped_tables_hold_the_links_of_the_workbooks(
        from_xlsx: dict[str, pd.DataFrame], shipped: dict[str, pd.DataFrame]) -> None:
    assert [p.name for p in packaged_tables()] == sorted(WORKBOOKS)
    for name, table in from_xlsx.items():
        # Same rows in the same order, same types: the loader reads both alike.
        pd.testing.assert_frame_equal(shipped[name], table)
        assert shipped[name].attrs == {"shipped": True} and not table.attrs.get("shipped")
    assert len(shipped["hs_correlation_HS22_HS12.csv.gz"]) == 16377
    assert sum(p.stat().st_size for p in packaged_tables()) < 200_000


@pytest.mark.parametrize(("source", "target"), [
    ("HS17", "HS22"), ("HS12", "HS22"), ("HS22", "HS12"), ("HS12", "HS17")])
def test_the_shipped_tables_give_the_conversions_of_the_workbooks(
        from_xlsx: dict[str, pd.DataFrame], shipped: dict[str, pd.DataFrame], source: str,
        target: str) -> None:
    weights = pd.DataFrame({"target_hs6": ["150920", "150930", "851713", "300212"],
                            "weight": [600.0, 300.0, 50.0, 1.0]})
    for given in (None, weights):
        expected = build_conversion(list(from_xlsx.values()), source, target, weights=given)
        got = build_conversion(list(shipped.values()), source, target, weights=given)
        pd.testing.assert_frame_equal(got, expected)
        assert got.attrs == expected.attrs and len(got) > 5000


def test_packing_the_workbooks_again_gives_the_same_bytes(tmp_path: Path) -> None:
    for packed, workbook in WORKBOOKS.items():
        path = pack_correlation(real_sample("hs-concordance-unsd", workbook), tmp_path)
        assert path.name == packed
        assert path.read_bytes() == (PACKED_DIR / packed).read_bytes(), packed


def test_the_pack_command_and_its_one_line_error(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    workbook = real_sample("hs-concordance-unsd", WORKBOOKS["hs_correlation_HS17_HS12.csv.gz"])
    assert main(["--pack", str(workbook), "--out", str(tmp_path)]) == 0
    assert "(6,141 links, " in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["hs_correlation_HS17_HS12.csv.gz"]
    not_xlsx = tmp_path / "table.xlsx"
    not_xlsx.write_text("HS2022,HS2017\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        main(["--pack", str(not_xlsx), "--out", str(tmp_path)])
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert "table.xlsx: cannot read" in err and len(err.strip().splitlines()) == 1


def test_a_damaged_packed_table_is_refused(tmp_path: Path) -> None:
    import gzip

    cases = {
        "columns": "source_hs6,target_hs6\n010121,010121\n",
        "revision": "source_revision,source_hs6,target_revision,target_hs6,relationship\n"
                    "HS2022,010121,HS17,010121,1:1\n",
        "code": "source_revision,source_hs6,target_revision,target_hs6,relationship\n"
                "HS22,010121,HS17,10121,1:1\n",
        "relationship": "source_revision,source_hs6,target_revision,target_hs6,relationship\n"
                        "HS22,010121,HS17,010121,1-1\n",
    }
    messages = {"columns": "columns source_hs6, target_hs6", "revision": "source_revision",
                "code": "line 2: target_hs6 '10121'", "relationship": "line 2: relationship"}
    for name, text in cases.items():
        path = tmp_path / f"{name}.csv.gz"
        path.write_bytes(gzip.compress(text.encode()))
        with pytest.raises(ReferenceDataError, match=messages[name]):
            load_correlation(path)
    not_gzip = tmp_path / "plain.csv.gz"
    not_gzip.write_text("source_revision\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="plain.csv.gz: cannot read"):
        load_correlation(not_gzip)


def test_the_configuration_uses_the_shipped_tables_after_the_configured_ones(
        tmp_path: Path) -> None:
    for name in ("default", "own"):
        (tmp_path / name).mkdir()
    default = load_config(write_config(tmp_path / "default"))
    assert default.hs_concordance.tables == tuple(packaged_tables())
    config = write_config(tmp_path / "own")
    text = config.read_text(encoding="utf-8").replace("tables = []",
                                                      'tables = ["mine.xlsx"]')
    config.write_text(text, encoding="utf-8")
    own = load_config(config)
    assert own.hs_concordance.tables == (tmp_path / "own" / "mine.xlsx", *packaged_tables())


def test_a_configured_table_replaces_the_shipped_one_of_its_pair(
        tmp_path: Path, shipped: dict[str, pd.DataFrame]) -> None:
    # A hand-written HS22 -> HS17 table linking one code: HS17 150910 -> HS22 150920 alone,
    # where UNSD's splits it over 150920, 150930 and 150940.
    mine = load_correlation(write_workbook(tmp_path / "mine.xlsx", {
        "Correlations": [["HS 2022", "HS 2017", "Relationship"],
                         ["150920", "150910", "1:1"]]}))
    tables = [*shipped.values(), mine]  # in any order: the shipped table gives way
    conversion = build_conversion(tables, "HS17", "HS22")
    assert conversion.values.tolist() == [["150910", "150920", 1.0]]
    # The other shipped tables still link their pairs (HS12 -> HS17 reaches HS22 through
    # the configured table, HS22 -> HS12 is the shipped direct one).
    chained = build_conversion(tables, "HS12", "HS22")
    direct = build_conversion(list(shipped.values()), "HS12", "HS22")
    pd.testing.assert_frame_equal(chained, direct)
    # Two configured tables of one pair are still refused.
    with pytest.raises(ReferenceDataError, match="two correlation tables link HS22 and HS17"):
        build_conversion([mine, load_correlation(tmp_path / "mine.xlsx")], "HS17", "HS22")
