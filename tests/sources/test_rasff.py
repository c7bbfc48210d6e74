"""The RASFF reader on the real 2024-2025 export: repairs, duplicates, attribution, HS map.

Expected numbers are counted here from the raw CSV with the csv module and plain strings,
never by calling the code under test.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from observatory.errors import ConfigError, ReferenceDataError, SourceError
from observatory.sources.rasff import client, resources, settings
from tests.conftest import real_sample

HEADER = ",".join(settings.COLUMNS)
GOOD_ROW = ('2024.001,fruits and vegetables,food,Aflatoxin B1 in dried figs from Greece,'
            '2024-01-02 10:55:42.000000,Cyprus,alert notification,serious,Cyprus,,,'
            '"Cyprus,Greece",Greece,Aflatoxin B1,2024,1')


def _raw_rows(name: str) -> list[dict[str, str]]:
    with real_sample("rasff", name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _origins_of(row: dict[str, str]) -> list[str]:
    return [part.strip() for part in row["origin"].split(",") if part.strip()]


@pytest.fixture(scope="module")
def batch() -> resources.RasffBatch:
    return resources.read_notifications(real_sample("rasff", "rasff_notifications_all.csv"))


def test_full_export_ingests_with_duplicates_dropped(batch: resources.RasffBatch) -> None:
    raw = _raw_rows("rasff_notifications_all.csv")
    assert len(raw) == 8413 == batch.rows_read
    counts = Counter(row["reference"] for row in raw)
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates == 27 == batch.duplicates_dropped
    assert len(batch.notifications) == len(counts) == 8386
    assert batch.notifications["reference"].is_unique
    assert batch.notifications["reference"].str.fullmatch(r"\d{4}\.\d{4}").all()
    # The twice-exported rows differ by timestamp format (with and without microseconds).
    formats = {(r["date"].count(".") == 1) for r in raw if r["reference"] == "2024.9611"}
    assert formats == {True, False}
    assert batch.unmapped_origins == []


def test_reference_repair_restores_the_lost_trailing_zeros(
        batch: resources.RasffBatch) -> None:
    assert client.repair_reference("2024.001", "f") == "2024.0010"
    assert client.repair_reference("2024.1", "f") == "2024.1000"
    assert client.repair_reference("2024.01", "f") == "2024.0100"
    assert client.repair_reference("2024.0006", "f") == "2024.0006"
    with pytest.raises(SourceError, match="f: reference"):
        client.repair_reference("2024.00101", "f")
    # The repair changes no number: every repaired reference equals its raw float.
    raw = {float(r["reference"]) for r in _raw_rows("rasff_notifications_all.csv")}
    assert {float(r) for r in batch.notifications["reference"]} == raw
    figs = batch.notifications.set_index("reference").loc["2024.0010"]
    assert figs["subject"] == "Aflatoxin B1 in dried figs from Grecce"


def test_both_timestamp_formats_parse_and_one_version_is_kept(
        batch: resources.RasffBatch) -> None:
    notes = batch.notifications.set_index("reference")
    assert notes.loc["2024.9611", "notification_date"] == datetime(2024, 12, 30, 8, 51, 43)
    assert notes["notification_date"].min() == datetime(2024, 1, 2, 10, 21, 9)
    assert notes["notification_date"].max().date().isoformat() == "2025-08-08"
    # The kept version is the later, fuller one (2024.9617 was upgraded to an alert) ...
    assert notes.loc["2024.9617", "classification"] == "alert"
    # ... dated by the reference's first timestamp (re-exported on 2025-08-01).
    assert notes.loc["2025.4775", "notification_date"] == datetime(2025, 6, 26, 11, 25, 52)
    assert set(notes["classification"]) == {
        "alert", "border rejection", "information notification for attention",
        "information notification for follow-up", "non-compliance"}
    assert notes.loc["2024.0010", "distribution"] == ["Cyprus"]
    assert notes.loc["2024.0010", "operator"] == ["Cyprus", "Greece"]


def test_morocco_attribution_is_by_origin_only(batch: resources.RasffBatch) -> None:
    raw = _raw_rows("rasff_notifications_all.csv")
    expected = {r["reference"] for r in raw if "Morocco" in _origins_of(r)}
    attributed = resources.notifications_for_origin(batch.notifications, batch.origins, "MAR")
    assert len(attributed) == len(expected) == 53
    assert {float(r) for r in attributed["reference"]} == {float(r) for r in expected}

    subset = _raw_rows("rasff_morocco_subset.csv")
    assert len(subset) == 73
    in_origin = [r for r in subset if "Morocco" in _origins_of(r)]
    assert {float(r["reference"]) for r in in_origin} == {float(r) for r in expected}
    # The other 20 name Morocco only as a country of distribution, for attention or
    # follow-up, an operator's country, or in the subject: not attributed.
    others = [r for r in subset if "Morocco" not in _origins_of(r)]
    assert len(others) == 20
    for row in others:
        elsewhere = [row[c] for c in ("distribution", "forAttention", "forFollowUp",
                                      "operator", "subject")]
        assert any("Morocc" in value for value in elsewhere), row["reference"]
    # Canned sardines "from Morocco" in the subject, but the export names no origin.
    sardines = next(r for r in others if r["reference"] == "2024.0142")
    assert "from Morocco" in sardines["subject"] and sardines["origin"] == ""
    assert 2024.0142 not in {float(r) for r in attributed["reference"]}
    with pytest.raises(ConfigError):
        resources.notifications_for_origin(batch.notifications, batch.origins, "XXX")


def test_origin_names_are_normalised(batch: resources.RasffBatch) -> None:
    iso = dict(zip(batch.origins["origin_name"], batch.origins["origin_iso3"], strict=True))
    assert iso["Türkiye"] == "TUR"
    assert iso["Vietnam"] == "VNM" and iso["China"] == "CHN" and iso["Morocco"] == "MAR"
    assert iso["Northern Ireland"] == "GBR"
    assert iso["unknown origin"] is None
    # A notification naming three origins has three origin rows.
    raw = _raw_rows("rasff_notifications_all.csv")
    multi = next(r for r in raw if r["origin"] == "Morocco,Poland,South Africa")
    reference = client.repair_reference(multi["reference"], "test")
    rows = batch.origins[batch.origins["reference"] == reference]
    assert sorted(rows["origin_iso3"]) == ["MAR", "POL", "ZAF"]
    assert resources.country_iso3("Viet Nam") == "VNM"


def test_hs_mapping_of_real_subjects(batch: resources.RasffBatch) -> None:
    hs = resources.map_to_hs(batch.notifications)
    by_ref = {ref: g for ref, g in hs.groupby("reference")}

    def prefixes(ref: str) -> dict[str, tuple[str, str]]:
        g = by_ref[ref]
        return {p: (c, r) for p, c, r in zip(g["hs_prefix"], g["confidence"], g["rule"],
                                             strict=True)}

    # "Aflatoxins in dried figs from Turkey": the keyword beats the category.
    assert prefixes("2024.0011") == {"0804": ("high", "keyword:fig")}
    # "histamine in canned sardines from Morocco"
    assert set(prefixes("2024.0142")) == {"0302", "0303", "1604"}
    # "Undeclared allergen (almonds) in thyme from Morocco": the allergen is not the product.
    assert prefixes("2024.4890") == {"0910": ("high", "keyword:thyme")}
    # "Anisakis spp in hake roe from Morocco": no keyword, the category applies.
    assert prefixes("2024.3931")["03"] == ("high", "category:fish and fish products")
    # "Cadmium in rawit pepper from Morocco": fresh pepper or spice, medium.
    assert prefixes("2024.0660") == {"0709": ("medium", "keyword:pepper"),
                                     "0904": ("medium", "keyword:pepper")}
    # Every category of the real export is in the table.
    categories = {r["category"] for r in _raw_rows("rasff_notifications_all.csv")}
    table = resources.load_category_hs_map()
    assert categories <= set(table["category"])
    assert resources.unmapped_categories(batch.notifications) == []


def test_hs_table_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "map.csv"
    bad.write_text("# a comment\ncategory,hs_prefix,confidence,note\n"
                   "fruits and vegetables,07,medium,ok\nwine,2299,high,no such heading\n",
                   encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="map.csv: line 4: hs_prefix"):
        resources.load_category_hs_map(bad)


def _write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_exports_raise_one_line_errors(tmp_path: Path) -> None:
    missing = _write(tmp_path, "reference,category,subject\n2024.001,x,y\n")
    with pytest.raises(SourceError, match=r"export.csv: line 1: missing column\(s\) type"):
        client.read_export(missing)
    html = _write(tmp_path, "<!DOCTYPE html><html><body>Login</body></html>")
    with pytest.raises(SourceError, match="export.csv: line 1: an HTML/XML page"):
        client.read_export(html)
    bad_date = _write(tmp_path, f"{HEADER}\n{GOOD_ROW}\n"
                      + GOOD_ROW.replace("2024.001,", "2024.002,")
                      .replace("2024-01-02 10:55:42.000000", "yesterday") + "\n")
    with pytest.raises(SourceError, match="export.csv: line 3: date: 'yesterday'"):
        resources.read_notifications(bad_date)
    bad_ref = _write(tmp_path, f"{HEADER}\n{GOOD_ROW.replace('2024.001,', 'N/A,')}\n")
    with pytest.raises(SourceError, match="export.csv: line 2: reference: 'N/A'"):
        resources.read_notifications(bad_ref)
    ragged = _write(tmp_path, f"{HEADER}\n{GOOD_ROW}\n2024.003,x\n")
    with pytest.raises(SourceError, match="export.csv: line 3: 2 fields"):
        client.read_export(ragged)
    for error in (missing, html, bad_date, bad_ref, ragged):
        try:
            resources.read_notifications(error)
        except SourceError as exc:
            assert "\n" not in str(exc)


def test_portal_date_format_and_xlsx_export(tmp_path: Path) -> None:
    portal = GOOD_ROW.replace("2024-01-02 10:55:42.000000", "02-01-2024 10:55:42")
    csv_batch = resources.read_notifications(_write(tmp_path, f"{HEADER}\n{portal}\n"))
    assert csv_batch.notifications.loc[0, "notification_date"] == datetime(2024, 1, 2, 10, 55,
                                                                           42)
    frame = pd.read_csv(_write(tmp_path, f"{HEADER}\n{GOOD_ROW}\n", "one.csv"), dtype=str,
                        keep_default_na=False)
    xlsx = tmp_path / "export.xlsx"
    frame.to_excel(xlsx, index=False)
    xlsx_batch = resources.read_notifications(xlsx)
    row = xlsx_batch.notifications.iloc[0]
    assert row["reference"] == "2024.0010"
    assert row["classification"] == "alert" and row["notifying_iso3"] == "CYP"
    assert list(xlsx_batch.origins["origin_iso3"]) == ["GRC"]
    assert row["line_number"] == 2


def test_real_export_through_the_gate_with_history(tmp_path: Path) -> None:
    """The full real export loads once (duplicates dropped and said); the Morocco rule holds
    in the published warehouse; a changed notification in a later export adds a version and
    keeps the old one."""
    import duckdb
    import pandas as pd

    from observatory.config import load_config
    from observatory.nightly import run_file_ingest
    from tests.conftest import real_sample, write_config

    export = real_sample("rasff", "rasff_notifications_all.csv")
    cfg = load_config(write_config(tmp_path, baci_paths=["inputs/none-*.zip"]))
    summary = run_file_ingest(cfg, export, "rasff")
    assert summary["status"] == "published", summary["validation"]
    (ingested,) = summary["inputs"]
    assert ingested["rows_read"] == 8413
    assert ingested["message"].startswith(
        "8,386 notifications (27 exported twice, loaded once); ")
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        assert con.execute("select count(*), count(distinct reference) from "
                           "core.rasff_notifications").fetchone() == (8386, 8386)
        morocco = con.execute("select count(distinct reference) from core.rasff_origins "
                              "where origin_iso3 = 'MAR'").fetchone()[0]
    raw = pd.read_csv(export, dtype=str, keep_default_na=False)
    by_origin = {r for r, o in zip(raw["reference"], raw["origin"], strict=True)
                 if "morocco" in o.lower()}
    assert morocco == len(by_origin) == 53

    # A later export where one notification's risk decision changed.
    later = tmp_path / "rasff_later.csv"
    changed = raw.drop_duplicates("reference").head(3).copy()
    changed.loc[changed.index[0], "risk_decision"] = "serious (revised)"
    changed.to_csv(later, index=False)
    again = run_file_ingest(cfg, later, "rasff")
    assert again["status"] == "published", again["validation"]
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        versions = con.execute(
            "select version, is_current, risk_decision from core.rasff_notifications "
            "where reference = (select reference from core.rasff_notifications "
            "where version = 2) order by version").fetchall()
        total = con.execute("select count(*) from core.rasff_notifications").fetchone()[0]
    assert [v[:2] for v in versions] == [(1, False), (2, True)]
    assert versions[1][2] == "serious (revised)"
    assert total == 8387


def _dated(reference: str, when: str, export_year: int, export_week: int) -> str:
    """GOOD_ROW with another reference and timestamp; the export's own year/week columns
    as the real export writes them (calendar year, and an inconsistent week)."""
    return (GOOD_ROW.replace("2024.001,", f"{reference},")
            .replace("2024-01-02 10:55:42.000000", when)
            .removesuffix(",2024,1") + f",{export_year},{export_week}")


# ISO 8601 weeks, hand-checked: 2024-12-30 is the Monday of 2025-W01 (the week of Thursday
# 2 January 2025); 2021-01-03 is the Sunday of 2020-W53 (the week of Thursday 31 December
# 2020); 2024-01-02 is the Tuesday of 2024-W01 (1 January 2024 was a Monday).
ISO_EXPORT = "\n".join([
    HEADER,
    _dated("2024.9611", "2024-12-30 08:51:43.000000", 2024, 53),
    _dated("2024.9611", "2024-12-30 08:51:43", 2024, 1),  # exported twice
    _dated("2021.0005", "2021-01-03 10:00:00", 2021, 53),
    GOOD_ROW,
]) + "\n"


def test_year_and_week_are_the_iso_year_and_week(tmp_path: Path) -> None:
    batch = resources.read_notifications(_write(tmp_path, ISO_EXPORT))
    got = {r: (y, w) for r, y, w in zip(batch.notifications["reference"],
                                        batch.notifications["year"],
                                        batch.notifications["week"], strict=True)}
    assert got == {"2024.9611": (2025, 1), "2021.0005": (2020, 53), "2024.0010": (2024, 1)}
    assert batch.rows_read == 4 and batch.duplicates_dropped == 1


def test_outcome_says_rows_read_and_notifications_kept(tmp_path: Path) -> None:
    import duckdb

    from observatory.config import load_config
    from observatory.nightly import run_file_ingest
    from observatory.runsummary import console_lines, markdown_summary
    from tests.conftest import write_config

    export = _write(tmp_path, ISO_EXPORT)
    cfg = load_config(write_config(tmp_path, baci_paths=["inputs/none-*.zip"]))
    summary = run_file_ingest(cfg, export, "rasff")
    assert summary["status"] == "published", summary["validation"]
    (ingested,) = summary["inputs"]
    assert ingested["rows_read"] == 4
    assert ingested["message"] == "3 notifications (1 exported twice, loaded once)"
    lines = [line.strip() for line in console_lines(summary)]
    assert any(line.startswith("rasff export.csv: 4 rows read, 3 notifications (1 exported "
                               "twice, loaded once)") for line in lines), lines
    assert ("| rasff | export.csv | loaded | 4 | 3 notifications (1 exported twice, loaded "
            "once) |") in markdown_summary(summary)
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        stored = con.execute("select reference, year, week, year(notification_date) "
                             "from core.rasff_notifications order by reference").fetchall()
    assert stored == [("2021.0005", 2020, 53, 2021), ("2024.0010", 2024, 1, 2024),
                      ("2024.9611", 2025, 1, 2024)]


def test_gate_accepts_the_iso_year_of_the_last_days_of_december(monkeypatch) -> None:
    """On 30 December 2025 a notification of that day is in ISO year 2026: the gate's
    upper bound for `year` is today's ISO year, not its calendar year."""
    from datetime import UTC

    from observatory.validation import suites

    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime(2025, 12, 30, 12, 0, tzinfo=UTC)

    monkeypatch.setattr(suites, "datetime", FrozenClock)
    (year_range,) = suites.rasff_suite("b").by_value["year"]()
    assert (year_range.min_value, year_range.max_value) == (1979, 2026)
