"""The exporter source: files through the gate into the restricted database, bad rows
quarantined with file, line and field, and nothing firm-level in the working database."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.fabric.helpers import (
    EXPORTS_HEADER,
    PROGRAM_HEADER,
    REGISTRY_HEADER,
    firm,
    ingest,
    workspace,
    write,
)


def _restricted(cfg: object, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(cfg.fabric.restricted_db), read_only=True) as con:  # type: ignore[attr-defined]
        return con.execute(sql).fetchall()


def _work(cfg: object, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(cfg.warehouse.work), read_only=True) as con:  # type: ignore[attr-defined]
        return con.execute(sql).fetchall()


def test_good_files_land_in_the_restricted_database_converted_to_dollars(tmp_path: Path
                                                                         ) -> None:
    cfg = workspace(tmp_path)
    write(tmp_path, "exports_2023.csv", EXPORTS_HEADER, [
        f"{firm(1)};2023;0702000010;FR;1 000,5;12",    # ISO2, decimal comma, year rate 8
        f"{firm(1)};2023;0702000020;FRA;400;3",         # a second national line, same HS6
        f"{firm(2)};2023-03;0805100000;ESP;800;5",      # a month: its rate is the year's
    ])
    write(tmp_path, "registry_a.csv", REGISTRY_HEADER, [
        f"{firm(1)};Coopérative;Marrakech-Safi;Al Haouz;agrifood;TPE;2015",
        f"{firm(2)};company;Souss-Massa;Taroudant;agrifood;small;2001"])
    write(tmp_path, "program_a.csv", PROGRAM_HEADER, [
        f"{firm(1)};15/10/2023;bénéficiaire;2024;grant;50000"])
    outcomes, verdicts = ingest(cfg)
    assert [o.status for o in outcomes] == ["loaded"] * 3, [o.message for o in outcomes]
    assert all(v.passed for v in verdicts)
    rows = _restricted(cfg, "select exporter_id, hs6, destination_iso3, value_usd, rate_from "
                            "from core.fabric_exports order by exporter_id, product_code")
    assert rows == [(firm(1), "070200", "FRA", pytest.approx(1000.5 / 8), "A"),
                    (firm(1), "070200", "FRA", pytest.approx(400 / 8), "A"),
                    (firm(2), "080510", "ESP", pytest.approx(800 / 8), "A")]
    assert _restricted(cfg, "select legal_form, size_class from core.fabric_registry "
                            "order by exporter_id") == [("cooperative", "micro"),
                                                         ("company", "small")]
    assert _restricted(cfg, "select status, cohort, application_date::varchar "
                            "from core.fabric_program") == [("beneficiary", 2024, "2023-10-15")]
    # the files were landed in the restricted folder, not under warehouse.raw_dir
    assert not list(cfg.warehouse.raw_dir.rglob("*.csv"))
    assert list((cfg.fabric.restricted_db.parent / "raw").rglob("exports_2023.csv"))
    # the working database holds no firm-level table and no identifier
    assert _work(cfg, "select count(*) from information_schema.columns "
                      "where column_name = 'exporter_id'") == [(0,)]

    # Next run: a subset of 2023 would delete most of the year (refused, nothing changed);
    # a program file with a firm not in the registry and an unknown status (rejected).
    write(tmp_path, "exports_2023.csv", EXPORTS_HEADER, [f"{firm(2)};2023-03;0805100000;ESP;800;5"])
    write(tmp_path, "program_b.csv", PROGRAM_HEADER, [
        f"{firm(1)};2023-10-01;beneficiary;2025;grant;10",
        f"{firm(8)};2023-10-01;applicant;2024;;",         # line 3: not registered
        f"{firm(2)};2023-10-01;lauréat;2025;grant;10"])   # line 4: unknown status
    outcomes, _ = ingest(cfg)
    by_file = {o.file_name: o for o in outcomes}
    assert by_file["exports_2023.csv"].status == "refused"
    assert "REFUSED" in (by_file["exports_2023.csv"].message or "")
    assert _restricted(cfg, "select count(*) from core.fabric_exports") == [(3,)]
    assert by_file["program_b.csv"].status == "rejected"
    assert _work(cfg, "select line_number, field, reason from ops.quarantine "
                      "where file_name = 'program_b.csv' order by line_number") == [
        (3, "exporter_id", "program row for an exporter not in the registry"),
        (4, "status", "status is not a known code")]


def test_bad_rows_are_quarantined_with_file_line_and_field_without_values_in_public(
        tmp_path: Path) -> None:
    cfg = workspace(tmp_path)
    write(tmp_path, "exports_2023.csv", EXPORTS_HEADER, [
        f"{firm(1)};2023;0702000010;FRA;100;1",   # line 2: good
        "12AB;2023;0702000010;FRA;5;1",            # line 3: malformed identifier
        f"{firm(1)};2023;0702000010;FRA;7;1",      # line 4: duplicate of line 2
        f"{firm(3)};2023;0702000010;ESP;-4;1",     # line 5: negative value
        f"{firm(4)};2023;9999990000;ESP;4;1",      # line 6: unknown product
        f"{firm(5)};2023;0702000010;XXX;4;1",      # line 7: unknown destination
        f"{firm(6)};2023;0702000010;MAR;4;1",      # line 8: the home country
        f"{firm(7)};1999;0702000010;ESP;4;1",      # line 9: no rate for 1999
    ])
    write(tmp_path, "registry_a.csv", REGISTRY_HEADER, [
        f"{firm(1)};company;R;P;agrifood;small;2001",
        f"{firm(9)};company;R;P;agrifood;small;2001"])  # line 3: no exports at all
    write(tmp_path, "exports_other.csv", "a;b;c", ["1;2;3"])  # not an exporter file
    # (line 2 too: the exports file was rejected, so no exporter has exports yet)
    outcomes, verdicts = ingest(cfg)
    assert [o.status for o in outcomes] == ["rejected", "failed", "rejected"]
    failed = outcomes[1].message or ""
    assert failed.startswith("exports_other.csv: line 1") and "\n" not in failed
    public = _work(cfg, "select file_name, line_number, field, reason, raw_record "
                        "from ops.quarantine order by file_name, line_number, field")
    located = {(f, line, field) for f, line, field, _, _ in public}
    assert located == {
        ("exports_2023.csv", 3, "exporter_id"), ("exports_2023.csv", 4, "exporter_id"),
        ("exports_2023.csv", 5, "value_national"), ("exports_2023.csv", 6, "hs6"),
        ("exports_2023.csv", 7, "destination_iso3"), ("exports_2023.csv", 8,
                                                      "destination_iso3"),
        ("exports_2023.csv", 9, "value_usd"), ("registry_a.csv", 2, "exporter_id"),
        ("registry_a.csv", 3, "exporter_id")}
    text = repr(public) + repr(verdicts)
    for secret in ("12AB", firm(1), firm(9), "-4", "XXX"):
        assert secret not in text
    assert "duplicate declaration: same exporter, period, product and destination as line 2" \
        in text
    assert "registered exporter without any export declaration" in text
    # the restricted quarantine keeps the raw record and the value
    kept = _restricted(cfg, "select line_number, reason, raw_record from ops.fabric_quarantine "
                            "where file_name = 'exports_2023.csv' and line_number = 3")
    assert kept and "12AB" in kept[0][1] and kept[0][2].startswith("12AB |")
    assert _restricted(cfg, "select count(*) from core.fabric_exports") == [(0,)]
    assert _restricted(cfg, "select count(*) from raw.fabric_export_lines") == [(0,)]
