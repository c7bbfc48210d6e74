"""Flows reported in another HS revision reach the study's through the UNSD tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from observatory.config import load_config
from observatory.nightly import run_file_ingest, run_nightly
from tests.conftest import real_sample, write_config

HS17_FILE = [
    "Pays;Code SH;Année;Valeur (USD);Poids (kg)",
    "France;070200;2023;100;",   # tomatoes: the same code in HS 2017 and HS 2022
    "France;851712;2023;50;",    # telephones: split over HS 2022 codes
    "France;300219;2023;25;",    # absent from UNSD's HS2022-HS2017 table: left out
]


def test_hs17_flows_are_converted_into_the_study_revision(tmp_path: Path,
                                                         demo_archive: Path) -> None:
    table = real_sample("hs-concordance-unsd", "HS2022toHS2017ConversionAndCorrelationTables.xlsx")
    (tmp_path / "inputs").mkdir()
    shutil.copy(demo_archive, tmp_path / "inputs" / demo_archive.name)
    config = write_config(tmp_path, baci_paths=["inputs/BACI_*.zip"], first_year=2023,
                          last_year=2023)
    text = config.read_text(encoding="utf-8")
    text = text.replace("tables = []", f'tables = ["{table}"]')
    text = text.replace('classification = "HS22"\n', 'classification = "HS17"\n')
    config.write_text(text, encoding="utf-8")
    cfg = load_config(config)
    assert run_nightly(cfg)["status"] == "published"
    path = tmp_path / "hs17.csv"
    path.write_text("\n".join(HS17_FILE) + "\n", encoding="utf-8")
    assert run_file_ingest(cfg, path, "exports_by_country_fr")["status"] == "published"

    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        converted = dict(con.execute(
            "select product_code, sum(value_usd) from staging.stg_trade_flows_study "
            "where source = 'file:exports_by_country_fr' group by 1").fetchall())
        report = con.execute(
            "select reported_revision, study_revision, value_usd, split_value_share, "
            "unconverted_value_usd from mart.hs_revision_conversion "
            "where source = 'file:exports_by_country_fr'").fetchall()
        targets = [r[0] for r in con.execute(
            "select target_hs6 from ref.hs_conversion where source_revision = 'HS17' "
            "and source_hs6 = '851712' order by 1").fetchall()]
        shares = con.execute(
            "select sum(share) from ref.hs_conversion where source_revision = 'HS17' "
            "and source_hs6 = '851712'").fetchone()[0]
    assert converted["070200"] == pytest.approx(100)
    assert "300219" not in converted
    assert len(targets) > 1 and shares == pytest.approx(1)
    # 851712's 50 USD are spread over its HS 2022 codes and nothing is lost.
    assert sum(v for k, v in converted.items() if k in targets) == pytest.approx(50)
    assert sum(converted.values()) == pytest.approx(150)
    # Hand-computed: 50 of 175 USD needed a split; 25 USD (300219) could not be converted.
    assert report == [("HS17", "HS22", 175.0, pytest.approx(50 / 175), 25.0)]
