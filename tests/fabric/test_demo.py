"""The demo's exporter files add up to the demo archive's home exports by year, HS6 and
destination, and are labelled synthetic."""

from __future__ import annotations

import csv
import zipfile
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from observatory.demo.fabric import write_fabric_demo
from observatory.demo.rates import write_demo_rates
from observatory.sources.batches import is_synthetic

# A tiny archive in BACI's format: Morocco (504) to France (251) and Spain (724).
FLOWS = [(2023, "504", "251", "70200", "1234.5", "10"), (2023, "504", "724", "70200", "10", "NA"),
         (2023, "504", "251", "80510", "99.9", "1"), (2024, "504", "251", "70200", "2000", "12"),
         (2024, "251", "504", "70200", "555", "1")]  # France to Morocco: not a home export


def _archive(demo: Path) -> None:
    path = demo / "baci" / "BACI_HS22_V202601.zip"
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("country_codes_V202601.csv", "country_code,country_name,country_iso2,"
                    "country_iso3\n504,Morocco,MA,MAR\n251,France,FR,FRA\n724,Spain,ES,ESP\n")
        for year in (2023, 2024):
            rows = ["t,i,j,k,v,q"] + [",".join(map(str, f)) for f in FLOWS if f[0] == year]
            zf.writestr(f"BACI_HS22_Y{year}_V202601.csv", "\n".join(rows) + "\n")


def test_firm_flows_add_up_to_the_home_exports(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    _archive(demo)
    write_demo_rates(demo / "rates", first_year=2023, today=date(2026, 1, 15))
    paths = write_fabric_demo(demo, "MAR", [2023, 2024], seed=7, n_firms=30)
    from observatory.demo.fabric import _annual_mad

    usd_per_mad = _annual_mad(demo)
    totals: dict[tuple[int, str, str], float] = defaultdict(float)
    firms = set()
    for path in paths:
        if not path.name.startswith("exports_"):
            continue
        for row in csv.DictReader(path.open(encoding="utf-8"), delimiter=";"):
            year = int(row["period"])
            totals[(year, row["product_code"][:6], row["destination"])] += (
                float(row["value_national"]) * usd_per_mad[year])
            firms.add(row["exporter_id"])
            assert len(row["exporter_id"]) == 15 and len(row["product_code"]) == 10
    assert totals == {(2023, "070200", "FRA"): pytest.approx(1234500, rel=1e-9),
                      (2023, "070200", "ESP"): pytest.approx(10000, rel=1e-9),
                      (2023, "080510", "FRA"): pytest.approx(99900, rel=1e-9),
                      (2024, "070200", "FRA"): pytest.approx(2000000, rel=1e-9)}
    registry = list(csv.DictReader((demo / "fabric" / "registry_demo_synthetic.csv").open(
        encoding="utf-8"), delimiter=";"))
    assert {r["exporter_id"] for r in registry} == firms  # every exporter registered, no other
    assert all(is_synthetic(p) for p in paths)
