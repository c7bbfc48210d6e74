"""Small exporter-level workspaces for the fabric's tests: a configuration from the
committed defaults in a temporary folder, MAD rates, and the three files written by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from observatory.config import load_config
from observatory.nightly import new_run_id
from observatory.sources.base import InputOutcome, RunContext
from observatory.stages.prepare import prepare_warehouse
from observatory.warehouse.session import run_database
from tests.conftest import write_config

# Dirhams per US dollar by year (a test input): 10 makes conversions easy to check.
MAD_PER_USD = {2019: 10.0, 2020: 10.0, 2021: 10.0, 2022: 10.0, 2023: 8.0, 2024: 10.0,
               2025: 10.0}
EXPORTS_HEADER = "exporter_id;period;product_code;destination;value_national;net_mass_kg"
REGISTRY_HEADER = ("exporter_id;legal_form;region;province;sector;size_class;"
                   "creation_year")
PROGRAM_HEADER = ("exporter_id;application_date;status;cohort;support_kind;"
                  "support_amount")


def firm(n: int) -> str:
    """A 15-digit identifier (the ICE format)."""
    return f"{n:015d}"


def workspace(folder: Path, *, fabric: dict[str, Any] | None = None) -> Any:
    """A configuration in `folder` reading the fabric files under data/demo/fabric/."""
    config = write_config(folder, baci_paths=["inputs/none-*.zip"])
    text = config.read_text(encoding="utf-8")
    text = text.replace('paths = ["data/demo/national/*.csv"]', "paths = []")
    for key, value in (fabric or {}).items():
        import re

        rendered = repr(value).replace("'", '"') if not isinstance(value, bool) else str(
            value).lower()
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {rendered}", text, count=1)
    config.write_text(text, encoding="utf-8")
    rates = folder / "data" / "demo" / "rates"
    rates.mkdir(parents=True, exist_ok=True)
    lines = ["date,base,quote,rate"] + [f"{y},USD,MAD,{r}" for y, r in MAD_PER_USD.items()]
    (rates / "mad.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "data" / "demo" / "fabric").mkdir(parents=True, exist_ok=True)
    return load_config(config)


def write(folder: Path, name: str, header: str, rows: list[str]) -> Path:
    path = folder / "data" / "demo" / "fabric" / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def ingest(cfg: Any, *, refresh: bool = False) -> tuple[list[InputOutcome], list[Any]]:
    """Prepare the warehouse, then the exporter source's files through ingest, gate and
    merge (and the fabric refresh when asked)."""
    from observatory.sources.exporters.source import SOURCE

    run_id = new_run_id()
    with run_database(cfg):
        prepare_warehouse(cfg, run_id, date(2026, 11, 29))
        run = RunContext(cfg, run_id)
        outcomes = SOURCE.ingest(run)
        verdicts = []
        for outcome in outcomes:
            if outcome.status != "loaded":
                continue
            verdict = SOURCE.validate(run, outcome)
            verdicts.append(verdict)
            if verdict.passed:
                SOURCE.merge(run, outcome).apply(outcome)
            else:
                outcome.status = "rejected"
        if refresh:
            from observatory.fabric.refresh import refresh_fabric

            refresh_fabric(cfg, run_id)
    return outcomes, verdicts
