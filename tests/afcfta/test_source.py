"""The source `afcfta` on files in the e-Tariff Book's export format: a malformed schedule
rejected with every bad line quarantined (file, line, field, reason), a workbook with the
export's title lines and derived paths merged into core, rules of origin with one under
negotiation, another agreement's schedule, and an unreadable file. The stages run one by
one (prepare, ingest, gate, merge) as the nightly job runs them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from observatory.config import load_config
from observatory.sources.afcfta.source import SOURCE
from observatory.sources.base import RunContext
from observatory.stages.prepare import new_run_id, prepare_warehouse
from observatory.warehouse.session import run_database
from tests.conftest import write_config

HEADER = ("State Party,HS Code,National Tariff Line,Description,Category,Base Rate,"
          "LDC Timetable,2021,2022,2023,2024,2025")
MALFORMED = [  # (line, text); line 1 is the export's title, line 2 the header
    (3, "Egypt,0702.00,0702.00.00.00,Tomatoes,A,20,,16,12,8,4,0"),      # good
    (4, "Atlantis,080510,0805.10.00.00,Oranges,A,20,,,,,,"),            # unknown party
    (5, "EGY,160414,1604.14.00,Tuna,D,15,,,,,,"),                       # unknown category
    (6, "EGY,160415,1604.15.00,Mackerel,A,abc,,,,,,"),                  # base not a number
    (7, "EGY,030743,0307.43,Cuttlefish,A,10,,10,9,8,12,0"),             # path rises in 2024
    (8, "EGY,ABC,ABC,Bad,A,10,,,,,,"),                                  # not an HS6 code
    (9, "EGY,200990,2009.90,Juice,A,10,,8,x,4,2,0"),                    # 2022 not a rate
    (10, "EGY,200970,2009.70,Juice,A,-5,,,,,,"),                        # negative base
    (11, "ECOWAS,080510,0805.10.00.00,Oranges,B,20,,,,,,"),             # no timetable for a union
    (12, "EGY,0702.00,0702.00.00.00,Tomatoes again,A,20,,16,12,8,4,0"),  # duplicate of 3
    (13, "EGY,080610,0806.10,Grapes,B,10,,10,10,,10,10"),               # 2023 blank
]
BAD = {4: {"State Party"}, 5: {"category"}, 6: {"Base Rate"}, 7: {"2024"},
       8: {"HS Code"}, 9: {"2022"}, 10: {"base_rate_pct"}, 11: {"LDC Timetable"},
       12: {"National Tariff Line"}, 13: {"2023"}}


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("afcfta_source")
    cfg = load_config(write_config(folder, baci_paths=["inputs/none-*.zip"]))
    files = folder / "files"
    files.mkdir()
    malformed = _csv(files / "etariff_malformed.csv",
                     ["AfCFTA e-Tariff Book: Schedule of Tariff Concessions", HEADER]
                     + [text for _, text in MALFORMED])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["AfCFTA e-Tariff Book"])
    sheet.append(["Importing State Party: Senegal; Nomenclature: HS 2017"])
    sheet.append(["State Party", "HS Code", "National Tariff Line", "Description",
                  "Category", "Base Rate", "LDC Timetable", "HS Version"])
    sheet.append(["Senegal", "0805.10", "0805.10.00.10", "Oranges, fresh", "A", 20, "",
                  "HS2017"])
    sheet.append(["Senegal", "0805.10", "0805.10.00.90", "Oranges, other", "B", 35, "",
                  "HS2017"])
    sheet.append(["Senegal", 70200, "0702.00.00.00", "Tomatoes", "C - Exclusion", 20, "",
                  "HS2017"])
    sheet.append(["ECOWAS", "1604.14", "1604.14.00.00", "Tuna", "A", 10, "Non-LDC",
                  "HS2017"])
    workbook = files / "etariff_senegal.xlsx"
    book.save(workbook)
    rules = _csv(files / "appendix_iv.csv", [
        "HS Code,Description,Product Specific Rule,Status",
        "07,Edible vegetables,Wholly obtained,Agreed",
        "1604,Prepared fish,CTH,Agreed",
        '2009,Juices,"CTH; or MaxNOM 60 % (EXW)",Agreed',
        "6203,Trousers,Yet to be agreed,Under negotiation"])
    agreements = _csv(files / "agreements.csv", [
        "Agreement,Importer,Beneficiary,HS Code,Base Rate,2024,2025,2026",
        "EU-MAR,European Union,MAR,0702.00,10,0,0,0",
        "AGADIR,Egypt,Morocco,0702.00,30,10,10,10",
        "AGADIR,Egypt,Atlantis,0702.00,30,10,10,10"])  # unknown beneficiary: rejected
    html = _csv(files / "saved_page.csv", ["<html><body>Session expired</body></html>"])
    run_id = new_run_id()
    outcomes = {}
    with run_database(cfg):
        prepare_warehouse(cfg, run_id, date(2026, 11, 29))
        run = RunContext(cfg, run_id)
        for path, profile in ((malformed, "afcfta_schedule"), (workbook, "afcfta_schedule"),
                              (rules, "rules_of_origin"), (agreements, "agreement_tariffs"),
                              (html, "afcfta_schedule")):
            outcome = SOURCE.ingest_file(run, path, profile)
            if outcome.status == "loaded":
                if SOURCE.validate(run, outcome).passed:
                    SOURCE.merge(run, outcome).apply(outcome)
                else:
                    outcome.status = "rejected"
            outcomes[path.name] = outcome
    return {"cfg": cfg, "outcomes": outcomes}


def _query(cfg: Any, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(cfg.warehouse.work), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_every_bad_line_of_a_malformed_schedule_is_quarantined(loaded: dict[str, Any]) -> None:
    cfg, outcome = loaded["cfg"], loaded["outcomes"]["etariff_malformed.csv"]
    assert outcome.status == "rejected"
    rows = _query(cfg, "select file_name, line_number, field, reason, raw_record "
                       "from ops.quarantine where batch_id = ?", [outcome.batch_id])
    found: dict[int, set[str]] = {}
    for file_name, line, field, reason, record in rows:
        assert file_name == "etariff_malformed.csv" and reason and "\n" not in reason
        assert record == dict(MALFORMED)[line].replace(",", " | ")
        found.setdefault(line, set()).add(field)
    # Every bad line with its field; the good line 3 only as the other half of a duplicate.
    assert {line: fields for line, fields in found.items() if line != 3} == BAD
    assert found[3] == {"National Tariff Line"}
    reasons = {(line, field): reason for _, line, field, reason, _ in rows}
    assert "Atlantis" in reasons[(4, "State Party")]
    assert reasons[(7, "2024")].startswith("rate 12.0 for 2024 is above 8.0 for 2023")
    assert "lines 3, 12" in reasons[(12, "National Tariff Line")]
    # Nothing of a rejected batch reaches core, and its raw rows are cleared.
    assert _query(cfg, "select count(*) from core.tariff_schedules where batch_id = ?",
                  [outcome.batch_id]) == [(0,)]
    assert _query(cfg, "select count(*) from raw.tariff_schedule_rates") == [(0,)]


def test_a_workbook_export_with_title_lines_and_derived_paths(loaded: dict[str, Any]) -> None:
    cfg, outcome = loaded["cfg"], loaded["outcomes"]["etariff_senegal.xlsx"]
    assert outcome.status == "loaded", outcome
    assert "4 paths derived from the modalities" in (outcome.message or "")
    assert "1 HS code(s) of 5 digits padded to 6" in (outcome.message or "")
    path = dict(_query(cfg, "select year, rate_pct from core.tariff_schedules "
                            "where national_line = '0805.10.00.10'"))
    # Senegal is an LDC (ref.countries): category A over 10 years, 2 points a year.
    assert path[2021] == pytest.approx(18.0) and path[2025] == pytest.approx(10.0)
    assert path[2030] == 0.0
    sensitive = dict(_query(cfg, "select year, rate_pct from core.tariff_schedules "
                                 "where national_line = '0805.10.00.90'"))
    assert sensitive[2025] == 35.0 and sensitive[2026] == pytest.approx(35 * 7 / 8)
    assert sensitive[2033] == 0.0
    excluded = _query(cfg, "select distinct category, rate_pct, hs6 from core.tariff_schedules "
                           "where national_line = '0702.00.00.00' and party_code = 'SEN'")
    assert excluded == [("C", 20.0, "070200")]
    union = _query(cfg, "select distinct party_kind, list_contains(members, 'SEN'), "
                        "list_contains(members, 'NGA'), timetable from core.tariff_schedules "
                        "where party_code = 'ECOWAS'")
    assert union == [("customs_union", True, True, "non_ldc")]
    # The staging view averages the two national lines under 080510 for Senegal.
    rate = _query(cfg, "select rate_pct, national_lines, category from "
                       "staging.stg_schedule_rates where importer_iso3 = 'SEN' "
                       "and hs6 = '080510' and year = 2021")
    assert rate == [(pytest.approx((18.0 + 35.0) / 2), 2, "mixed")]


def test_rules_of_origin_with_one_under_negotiation(loaded: dict[str, Any]) -> None:
    cfg, outcome = loaded["cfg"], loaded["outcomes"]["appendix_iv.csv"]
    assert outcome.status == "loaded" and "1 under negotiation" in outcome.message
    rows = {r[0]: r[1:] for r in _query(
        cfg, "select hs_code, hs_level, rule_kinds, max_non_originating_pct, status, "
             "agreement from core.rules_of_origin")}
    assert rows["07"] == (2, ["wholly_obtained"], None, "agreed", "AFCFTA")
    assert rows["2009"] == (4, ["change_of_heading", "max_non_originating"], 60.0, "agreed",
                            "AFCFTA")
    assert rows["6203"][3] == "under_negotiation"


def test_an_agreement_schedule_with_an_unknown_beneficiary_is_rejected(
        loaded: dict[str, Any]) -> None:
    cfg, outcome = loaded["cfg"], loaded["outcomes"]["agreements.csv"]
    assert outcome.status == "rejected"
    assert _query(cfg, "select line_number, field from ops.quarantine where batch_id = ?",
                  [outcome.batch_id]) == [(4, "Beneficiary")]


def test_an_html_page_is_a_failed_input(loaded: dict[str, Any]) -> None:
    outcome = loaded["outcomes"]["saved_page.csv"]
    assert outcome.status == "failed"
    assert outcome.message == "saved_page.csv: an HTML or XML page, not a CSV export"
