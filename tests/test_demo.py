"""The embedded demo archive: real BACI format, deterministic, shaped like trade."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pandas as pd

from observatory.demo.generate import generate_demo, write_defective_year
from observatory.demo.profiles import SPECIALISATIONS


def test_members_and_format(demo_archive: Path) -> None:
    with zipfile.ZipFile(demo_archive) as zf:
        names = sorted(zf.namelist())
        assert names == sorted([f"BACI_HS22_Y{y}_V202601.csv" for y in range(2019, 2025)]
                               + ["country_codes_V202601.csv",
                                  "product_codes_HS22_V202601.csv", "Readme.txt"])
        year = zf.read("BACI_HS22_Y2024_V202601.csv").decode()
        countries = zf.read("country_codes_V202601.csv").decode()
        products = zf.read("product_codes_HS22_V202601.csv").decode()
        readme = zf.read("Readme.txt").decode()
    assert year.startswith("t,i,j,k,v,q\n")
    assert countries.startswith("country_code,country_name,country_iso2,country_iso3\n")
    assert products.startswith('"code","description"\n')
    assert "observatory-demo: synthetic" in readme
    frame = pd.read_csv(io.StringIO(year), dtype={"k": str, "q": str}, keep_default_na=False)
    assert 80_000 < len(frame) < 300_000
    assert frame["i"].nunique() == 80 and frame["k"].nunique() > 1_000
    assert 0.01 < (frame["q"] == "NA").mean() < 0.03
    # BACI writes k as a number: codes of chapters 01-09 lose their leading zero.
    assert (frame["k"].str.len() == 5).any() and frame["k"].str.len().max() == 6
    # Heavy tail: the top 1% of flows carry most of the value.
    values = frame["v"].astype(float).sort_values(ascending=False)
    assert values.head(len(values) // 100).sum() > 0.5 * values.sum()


def test_byte_for_byte_deterministic(tmp_path: Path) -> None:
    a = generate_demo(tmp_path / "a", years=range(2023, 2025), n_countries=30, n_products=200)
    b = generate_demo(tmp_path / "b", years=range(2023, 2025), n_countries=30, n_products=200)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


def test_home_top_rca_products_are_its_specialisations(demo_archive: Path) -> None:
    """Balassa RCA computed directly on the CSVs: every year's top ten are specialisations."""
    with zipfile.ZipFile(demo_archive) as zf:
        for name in zf.namelist():
            if not name.startswith("BACI_HS22_Y"):
                continue
            frame = pd.read_csv(io.BytesIO(zf.read(name)), dtype={"k": str},
                                keep_default_na=False)
            frame["k"] = frame["k"].str.zfill(6)
            world = frame.groupby("k")["v"].sum()
            home = frame[frame["i"] == 504].groupby("k")["v"].sum()
            rca = (home / home.sum()) / (world[home.index] / frame["v"].sum())
            top = set(rca.sort_values(ascending=False).head(10).index)
            assert top <= set(SPECIALISATIONS["MAR"]), (name, top - set(SPECIALISATIONS["MAR"]))


def test_planted_defects(demo_archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "defective.zip"
    planted = write_defective_year(demo_archive, out, 2024)
    with zipfile.ZipFile(out) as zf:
        lines = zf.read("BACI_HS22_Y2024_V202601.csv").decode().splitlines()
        assert zf.read("BACI_HS22_Y2023_V202601.csv") == zipfile.ZipFile(demo_archive).read(
            "BACI_HS22_Y2023_V202601.csv")
    by_defect = {d["defect"]: d["row"] for d in planted}
    assert lines[by_defect["negative value"] - 1].split(",")[4].startswith("-")
    assert lines[by_defect["unknown country code"] - 1].split(",")[1] == "999"
    assert lines[by_defect["five-digit HS code"] - 1].split(",")[3] == "84713"
    duplicate = by_defect["duplicate key (copy of line 30)"]
    assert lines[duplicate - 1].split(",")[:4] == lines[duplicate - 2].split(",")[:4]
