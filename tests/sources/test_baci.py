"""The BACI connector: archives, dictionaries, streaming load, and clear errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest

from observatory.errors import SourceError
from observatory.sources.baci import client, resources
from observatory.warehouse import sql_runner
from tests.conftest import real_sample


def _raw_db() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    sql_runner.apply_layers(con, ("schemas", "ops", "raw"))
    return con


def test_real_baci_dictionaries_load_with_the_repairs_named() -> None:
    countries_file = real_sample("baci-dictionaries", "country_codes_V202301.csv")
    products_file = real_sample("baci-dictionaries", "product_codes_HS17_V202301.csv")
    countries, notes = client.read_country_codes(countries_file.read_bytes(),
                                                 countries_file.name)
    assert any("';'-separated" in n for n in notes)
    assert any("old column names" in n for n in notes)
    by_code = dict(zip(countries["country_code"], countries["country_iso3"], strict=True))
    assert by_code["251"] == "FRA" and by_code["842"] == "USA" and by_code["504"] == "MAR"
    assert len(countries) == 238  # 239 lines (the last without a newline) less the header
    products, notes = client.read_product_codes(products_file.read_bytes(), products_file.name)
    assert any("padded to 6" in n for n in notes)
    assert (products["code"].str.len() == 6).all()
    assert "010121" in set(products["code"])
    assert len(products) == 5384


def test_year_files_and_demo_marker(demo_archive: Path) -> None:
    archive = client.BaciArchive(demo_archive)
    years = [f.year for f in archive.year_files()]
    assert years == sorted(years) and len(years) >= 2
    assert archive.is_synthetic()
    first = archive.year_files()[0]
    assert first.hs_revision == "HS22" and first.name.startswith(f"BACI_HS22_Y{first.year}_V")


def test_a_file_that_is_not_a_zip_is_named(tmp_path: Path) -> None:
    page = tmp_path / "BACI_HS22_V202601.zip"
    page.write_text("<html><body>503 Service Unavailable</body></html>", encoding="utf-8")
    with pytest.raises(SourceError, match=r"BACI_HS22_V202601.zip: not a zip archive"):
        client.BaciArchive(page)


def test_load_streams_text_with_line_numbers(tmp_path: Path) -> None:
    csv = tmp_path / "BACI_HS22_Y2022_V202601.csv"
    csv.write_text("t,i,j,k,v,q\n2022,504,251,10121,1.5,NA\n2022,504,842,870323,2000.25,3\n",
                   encoding="utf-8")
    con = _raw_db()
    assert resources.load_raw_flows(con, csv, "b1") == 2
    rows = con.execute("select line_number, k, v, q from raw.baci_flows order by 1").fetchall()
    assert rows == [(2, "10121", 1.5, None), (3, "870323", 2000.25, 3.0)]


def test_unnumbered_load_is_numbered_again_on_demand(tmp_path: Path) -> None:
    csv = tmp_path / "BACI_HS22_Y2022_V202601.csv"
    csv.write_text("t,i,j,k,v,q\n" + "".join(f"2022,504,{j},10121,{j}.5,NA\n"
                                              for j in range(1, 6)), encoding="utf-8")
    con = _raw_db()
    assert resources.load_raw_flows(con, csv, "b1", numbered=False) == 5
    assert not resources.is_numbered(con, "b1")
    assert con.execute("select distinct line_number from raw.baci_flows").fetchall() == [
        (resources.UNNUMBERED,)]
    assert resources.number_raw_flows(con, csv, "b1") == 5
    assert resources.is_numbered(con, "b1")
    # each row has the line it stands on in the file (the header is line 1)
    rows = con.execute("select line_number, j from raw.baci_flows order by 1").fetchall()
    assert rows == [(line, line - 1) for line in range(2, 7)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("t,i,j,k,v\n2022,504,251,10121,1.5\n", "line 1: expected columns t,i,j,k,v,q"),
        ("t,i,j,k,v,q\n2022,504,251,10121,1.5,NA\n2022,504,251,10",
         "line 3: Expected Number of Columns: 6 Found: 4"),
        ('t,i,j,k,v,q\n2022,504,251,10121,1.5,NA\n2022,"504,251,10121,1.5,NA\n',
         "line 3: Value with unterminated quote found."),
        ("t,i,j,k,v,q\n2022,504,251,10121,1.5,NA\n2022,504,251,10122,abc,NA\n",
         'line 3: Error when converting column "v". Could not convert string "abc" to'),
    ],
)
def test_malformed_or_truncated_files_name_file_and_line(
    tmp_path: Path, body: str, message: str
) -> None:
    csv = tmp_path / "BACI_HS22_Y2022_V202601.csv"
    csv.write_text(body, encoding="utf-8")
    with pytest.raises(SourceError) as err:
        resources.load_raw_flows(_raw_db(), csv, "b1")
    assert str(err.value).startswith("BACI_HS22_Y2022_V202601.csv: ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_landing_extracts_the_member_with_its_checksum(tmp_path: Path) -> None:
    archive_path = tmp_path / "BACI_HS22_V202601.zip"
    body = b"t,i,j,k,v,q\n2022,504,251,10121,1.5,NA\n"
    with zipfile.ZipFile(archive_path, "w") as zf:
        zf.writestr("BACI_HS22_Y2022_V202601.csv", body)
    archive = client.BaciArchive(archive_path)
    (year_file,) = archive.year_files()
    landed, sha = archive.land(year_file, tmp_path / "raw")
    import hashlib

    assert landed.read_bytes() == body
    assert sha == hashlib.sha256(body).hexdigest()
    assert landed == tmp_path / "raw" / "baci" / "202601" / "BACI_HS22_Y2022_V202601.csv"


def test_staging_pads_product_codes_of_one_to_six_digits_only() -> None:
    import re

    from observatory import plan
    from observatory.warehouse.sql_runner import apply_file

    con = _raw_db()
    con.execute("create schema if not exists ref")
    con.execute("create table ref.countries (baci_code integer, iso3 varchar)")
    con.execute("create table ref.baci_special_codes (baci_code integer, label varchar)")
    apply_file(con, next(p for p in plan.layer_files("staging")
                         if p.name == "010_stg_baci_flows.sql"))
    codes = ["1", "10121", "010121", " 870323 ", "1234567", "12a", "+12", "-1", "1.0", "",
             " ", "١٢", "９", "12 3", "000000"]
    con.executemany("insert into raw.baci_flows (batch_id, line_number, t, i, j, k, v, q) "
                    "values ('b', ?, 2022, 504, 251, ?, 1, 1)", list(enumerate(codes, 2)))
    got = dict(con.execute("select line_number, hs6 from staging.stg_baci_flows").fetchall())
    for line, code in enumerate(codes, 2):
        stripped = code.strip()
        # the rule: 1 to 6 ASCII digits are padded to six, anything else is kept (trimmed)
        expected = stripped.zfill(6) if re.fullmatch(r"[0-9]{1,6}", stripped, re.ASCII) \
            else stripped
        assert got[line] == expected, code
