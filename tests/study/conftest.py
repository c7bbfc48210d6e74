"""A small warehouse for hand-computed study cases: every layer, the real `ref` tables,
the study's parameters from the committed configuration (overridable), and helpers that
insert flows and tariffs."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import write_config


@pytest.fixture(scope="session")
def _study_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from observatory import plan
    from observatory.warehouse import sql_runner
    from observatory.warehouse.reference_loader import load_reference

    path = tmp_path_factory.mktemp("study_template") / "template.duckdb"
    con = duckdb.connect(str(path))
    try:
        sql_runner.apply_layers(con, plan.TABLE_LAYERS)
        load_reference(con)
        sql_runner.apply_layers(con, plan.VIEW_LAYERS)
        con.execute("checkpoint")
    finally:
        con.close()
    return path


class StudyDb:
    """A private copy of the template warehouse, with the study's parameters written."""

    def __init__(self, folder: Path, template: Path) -> None:
        self.folder = folder
        self.path = folder / "study.duckdb"
        shutil.copy(template, self.path)
        self.con = duckdb.connect(str(self.path))
        # The date the watch counts deadlines from (ops.run_parameters.as_of).
        self.as_of = date(2026, 11, 29)

    def configure(self, **keys: Any) -> Any:
        """Write the configuration (committed defaults, `keys` replacing top-level keys by
        name, e.g. home="MAR", growth_window=2) into ops.run_parameters and ops.run_markets
        with the production writer; returns the Config."""
        from datetime import datetime

        from observatory.config import load_config
        from observatory.parameters import write_run_parameters

        cfg = load_config(write_config(self.folder, **keys))
        write_run_parameters(self.con, cfg, "test", self.as_of, datetime(2026, 11, 29))
        return cfg

    def add_flows(self, rows: Iterable[tuple[int, str, str, str, float]],
                  classification: str = "HS22") -> None:
        """Reconciled annual flows: (year, exporter_iso3, importer_iso3, hs6, value_usd)."""
        self.con.executemany(
            "insert into core.trade_flows by name select 'baci' as source, 'T' as release, "
            "'b' as batch_id, 'reconciled' as reported_by, ? as classification, "
            "6 as hs_level, ? as product_code, 'A' as freq, ? as year, null as month, "
            "? as exporter_iso3, ? as importer_iso3, ? as value_usd, null as quantity_t",
            [(classification, hs6, year, exp, imp, value) for year, exp, imp, hs6, value in rows],
        )

    def add_tariffs(self, rows: Iterable[tuple[str, str, str, int, str, float]]) -> None:
        """Tariffs: (importer_iso3, partner_iso3 ('W00' = MFN), regime, year, hs6,
        ad_valorem_pct)."""
        self.con.executemany(
            "insert into core.tariffs by name select 'wits' as source, 'T' as release, "
            "'b' as batch_id, ? as importer_iso3, ? as partner_iso3, ? as regime, ? as year, "
            "'HS22' as classification, 6 as hs_level, ? as product_code, "
            "? as ad_valorem_pct, true as is_ad_valorem, null as duty_text, 1 as tariff_lines",
            list(rows),
        )

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()


@pytest.fixture
def study_db(tmp_path: Path, _study_template: Path) -> Iterator[StudyDb]:
    db = StudyDb(tmp_path, _study_template)
    try:
        yield db
    finally:
        db.con.close()
