"""A small warehouse for the AfCFTA and agreements marts: every layer, the real `ref`
tables, the run's parameters from the committed configuration (home MAR, as of 29 November
2026, so "this year" is 2026 and the horizon 2031), and helpers inserting flows, applied
tariffs, schedules and rules of origin straight into core."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from observatory.warehouse.sql_runner import SQL_DIR, apply_file
from tests.conftest import write_config

# The warehouse template the study tests build once per session (tables, reference, views).
from tests.study.conftest import _study_template  # noqa: F401

AS_OF = date(2026, 11, 29)
MARTS = [SQL_DIR / "mart" / "study" / "010_product_competitiveness.sql",
         SQL_DIR / "mart" / "study" / "080_afcfta_margins.sql",
         SQL_DIR / "mart" / "study" / "090_best_door.sql"]


class MartDb:
    def __init__(self, folder: Path, template: Path) -> None:
        self.folder = folder
        self.path = folder / "afcfta.duckdb"
        shutil.copy(template, self.path)
        self.con = duckdb.connect(str(self.path))

    def configure(self, **keys: Any) -> Any:
        from observatory.config import load_config
        from observatory.parameters import write_run_parameters

        cfg = load_config(write_config(self.folder, baci_paths=["none/*.zip"], **keys))
        write_run_parameters(self.con, cfg, "test", AS_OF, datetime(2026, 11, 29))
        return cfg

    def add_flows(self, rows: Iterable[tuple[int, str, str, str, float]]) -> None:
        """Reconciled annual HS22 flows: (year, exporter, importer, hs6, value_usd)."""
        self.con.executemany(
            "insert into core.trade_flows by name select 'baci' as source, 'T' as release, "
            "'b' as batch_id, 'reconciled' as reported_by, 'HS22' as classification, "
            "6 as hs_level, ? as product_code, 'A' as freq, ? as year, null as month, "
            "? as exporter_iso3, ? as importer_iso3, ? as value_usd, null as quantity_t",
            [(hs6, y, e, i, v) for y, e, i, hs6, v in rows])

    def add_tariffs(self, rows: Iterable[tuple[str, str, str, int, str, float]]) -> None:
        """Applied tariffs: (importer, partner ('W00': MFN), regime, year, hs6, rate)."""
        self.con.executemany(
            "insert into core.tariffs by name select 'wits' as source, 'T' as release, "
            "'b' as batch_id, ? as importer_iso3, ? as partner_iso3, ? as regime, "
            "? as year, 'HS22' as classification, 6 as hs_level, ? as product_code, "
            "? as ad_valorem_pct, true as is_ad_valorem, null as duty_text, "
            "1 as tariff_lines", list(rows))

    def add_schedule(self, agreement: str, party: str, members: list[str], hs6: str,
                     category: str | None, base: float, path: dict[int, float], *,
                     beneficiary: str | None = None, line: str | None = None) -> None:
        self.con.executemany(
            "insert into core.tariff_schedules by name select 'afcfta' as source, "
            "'T' as release, 'b' as batch_id, 'test.csv' as file_name, ? as agreement, "
            "? as party_code, 'country' as party_kind, ?::varchar[] as members, "
            "? as beneficiary_iso3, 'HS22' as hs_revision, ? as hs6, ? as national_line, "
            "null as description, ? as category, ? as base_rate_pct, null as timetable, "
            "'schedule' as path_from, ? as year, ? as rate_pct",
            [(agreement, party, members, beneficiary, hs6, line or hs6, category, base,
              year, rate) for year, rate in path.items()])

    def add_rule(self, agreement: str, hs_code: str, text: str, status: str = "agreed"
                 ) -> None:
        from observatory.sources.afcfta.resources import rule_kinds

        kinds, share, _ = rule_kinds(text)
        self.con.execute(
            "insert into core.rules_of_origin by name select 'afcfta' as source, "
            "'T' as release, 'b' as batch_id, ? as agreement, ? as hs_code, "
            "? as hs_level, null as description, ? as rule_text, ?::varchar[] as rule_kinds, "
            "? as max_non_originating_pct, ? as status",
            [agreement, hs_code, len(hs_code), text, kinds, share, status])

    def build(self) -> None:
        for path in MARTS:
            apply_file(self.con, path)

    def records(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


@pytest.fixture
def mart_db(tmp_path: Path, _study_template: Path) -> Iterator[MartDb]:  # noqa: F811
    db = MartDb(tmp_path, _study_template)
    try:
        yield db
    finally:
        db.con.close()
