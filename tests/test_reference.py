"""Reference data: checked against the real files vendored in tests/fixtures/real/."""

from __future__ import annotations

import pandas as pd
import pytest

from observatory.reference import build_reference_tables
from observatory.reference.countries import baci_special_codes, build_countries, known_iso3
from observatory.reference.hs import build_hs_nomenclature, hs6_codes
from observatory.reference.sectors import sector_of
from tests.conftest import real_sample


def test_hs_nomenclature_matches_the_un_comtrade_copy() -> None:
    hs = build_hs_nomenclature()
    assert hs["level"].value_counts().to_dict() == {6: 5613, 4: 1229, 2: 97}
    assert (hs["hs_code"].str.len() == hs["level"]).all()
    real = pd.read_csv(real_sample("harmonized-system", "harmonized-system.csv"),
                       dtype={"hscode": str})
    real = real[real["level"].isin([2, 4, 6])]
    assert set(real["hscode"]) == set(hs["hs_code"])
    assert hs6_codes()[0] == "010121"


def test_cbam_and_eudr_scopes() -> None:
    hs = build_hs_nomenclature().set_index("hs_code")
    for code in ("720711", "760110", "310230", "252310"):
        assert hs.loc[code, "cbam"], code
    for code in ("090111", "180100", "440711", "120190", "151110", "400122"):
        assert hs.loc[code, "eudr"], code
    assert not hs.loc["070200", "cbam"] and not hs.loc["070200", "eudr"]


def test_country_codes_names_and_groups() -> None:
    countries = build_countries().set_index("iso3")
    assert countries.loc["MAR", "name_fr"] == "Maroc"
    assert countries.loc["MAR", "iso_numeric"] == 504 == countries.loc["MAR", "baci_code"]
    for iso3, iso, baci in [("FRA", 250, 251), ("USA", 840, 842), ("IND", 356, 699),
                            ("CHE", 756, 757), ("NOR", 578, 579)]:
        assert countries.loc[iso3, "iso_numeric"] == iso
        assert countries.loc[iso3, "baci_code"] == baci == countries.loc[iso3, "comtrade_code"]
    assert countries.loc["NAM", "iso2"] == "NA"  # not a missing value
    assert countries.loc["GRC", "iso2"] == "GR" and countries.loc["GBR", "iso2"] == "GB"
    assert countries["iso2"].str.fullmatch("[A-Z]{2}").all()
    # Taiwan is reported by BACI and Comtrade as 490 "Other Asia, nes", not under 158.
    assert pd.isna(countries.loc["TWN", "baci_code"])
    assert countries.loc["CXR", "region"] == "Oceania"
    assert countries["eu_member"].sum() == 27
    assert countries.loc["MAR", "afcfta_state_party"] and countries.loc["EGY",
                                                                        "afcfta_state_party"]
    assert not countries.loc["FRA", "afcfta_state_party"]
    assert countries["afcfta_state_party"].sum() == 47
    assert countries.loc["MAR", "region"] == "Africa"
    assert countries.loc["MAR", "sub_region"] == "Northern Africa"
    assert {"MAR", "ESP", "TUR", "CHN"} <= known_iso3()


def test_ldc_list_against_the_un_file() -> None:
    real = pd.read_csv(real_sample("country-codes", "country-codes.csv"), dtype=str,
                       keep_default_na=False)
    column = next(c for c in real.columns if "Least Developed" in c)
    theirs = set(real.loc[real[column].str.strip() != "", "ISO3166-1-Alpha-3"])
    ours = set(build_countries().query("ldc")["iso3"])
    assert len(ours) == 44
    # The vendored file predates the graduations of Bhutan (Dec 2023) and São Tomé and
    # Príncipe (Dec 2024), and of Vanuatu (Dec 2020) if it is older still.
    assert ours <= theirs
    assert theirs - ours <= {"BTN", "STP", "VUT", "GNQ"}


def test_baci_country_dictionary_is_covered() -> None:
    real = pd.read_csv(real_sample("baci-dictionaries", "country_codes_V202301.csv"), sep=";",
                       dtype=str, keep_default_na=False)
    codes = set(real["country_code"].astype(int))
    ours = set(build_countries()["baci_code"]) | set(baci_special_codes()["baci_code"])
    assert codes - ours == set()
    by_code = dict(zip(build_countries()["baci_code"], build_countries()["iso3"], strict=True))
    for row in real.itertuples():
        iso3 = row.iso_3digit_alpha.strip()
        if int(row.country_code) in by_code and iso3 != "N/A":
            assert by_code[int(row.country_code)] == iso3, row


@pytest.mark.parametrize(("hs6", "sector"), [
    ("251010", "phosphates"), ("280920", "phosphates"), ("310530", "phosphates"),
    ("854430", "automotive"), ("870323", "automotive"), ("880240", "aeronautics"),
    ("840710", "aeronautics"), ("841112", "aeronautics"), ("070200", "agrifood"),
    ("160413", "agrifood"), ("620342", "textile_leather"), ("640399", "textile_leather"),
    ("300490", "pharma"), ("847130", "electronics"), ("851712", "electronics"),
    ("720711", "other"), ("401130", "aeronautics"), ("401110", "automotive"),
    ("840721", "other"), ("840820", "automotive"),
])
def test_sectors_by_longest_prefix(hs6: str, sector: str) -> None:
    assert sector_of(hs6) == sector


def test_reference_tables_are_complete() -> None:
    tables = build_reference_tables()
    assert set(tables) == {"countries", "hs_nomenclature", "sectors", "hs_sectors",
                           "baci_special_codes", "comtrade_special_codes"}
    assert len(tables["hs_sectors"]) == 5613
    assert tables["hs_sectors"]["sector"].notna().all()
