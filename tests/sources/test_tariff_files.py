"""Analysts' tariff files through a profile of kind "tariffs" (e.g. an AfCFTA e-Tariff Book
export saved from a spreadsheet): ad valorem rates and non-ad-valorem duties kept as text."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from observatory.config import load_config
from observatory.nightly import run_file_ingest
from observatory.sources.files.source import parse_rate
from tests.conftest import write_config

PROFILE = """
[profiles.preferential_schedule]
kind = "tariffs"
format = "csv"
delimiter = ";"
decimal = ","
reporter_column = "State Party"
reporter_codes = "name"
partner_column = "Partner"
partner_codes = "iso3"
product_column = "HS Code"
year_column = "Year"
value_column = "Rate"
flow = "import"
regime = "AFCFTA"
classification = "HS17"
"""

ROWS = [
    "State Party;Partner;HS Code;Year;Rate",
    "Kenya;MAR;0702.00;2025;12,5%",
    "Kenya;MAR;310520;2025;free",
    "Nigeria;MAR;854430;2025;20 % + 0,5 USD/kg",
    "Senegal;MAR;80521;2025;5",
]


@pytest.mark.parametrize(("text", "expected"), [
    ("5", (5.0, True, None)), ("5 %", (5.0, True, None)), ("free", (0.0, True, None)),
    ("12,5%", (12.5, True, None)), ("20 % + 0,5 USD/kg", (None, False, "20 % + 0,5 USD/kg")),
    ("", (None, True, None)),
])
def test_rates(text: str, expected: tuple) -> None:
    assert parse_rate(text, ",") == expected


def test_tariff_file_through_a_profile(tmp_path: Path) -> None:
    config = write_config(tmp_path, baci_paths=["inputs/none-*.zip"])
    config.write_text(config.read_text(encoding="utf-8") + PROFILE, encoding="utf-8")
    path = tmp_path / "schedule.csv"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    cfg = load_config(config)
    summary = run_file_ingest(cfg, path, "preferential_schedule")
    assert summary["status"] == "published", summary
    assert summary["inputs"][0]["message"] == "1 non-ad-valorem duties kept as text"
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        rows = con.execute(
            "select importer_iso3, partner_iso3, regime, product_code, ad_valorem_pct, "
            "is_ad_valorem, duty_text from core.tariffs order by importer_iso3, product_code"
        ).fetchall()
    assert rows == [
        ("KEN", "MAR", "AFCFTA", "070200", 12.5, True, None),
        ("KEN", "MAR", "AFCFTA", "310520", 0.0, True, None),
        ("NGA", "MAR", "AFCFTA", "854430", None, False, "20 % + 0,5 USD/kg"),
        ("SEN", "MAR", "AFCFTA", "080521", 5.0, True, None),
    ]
