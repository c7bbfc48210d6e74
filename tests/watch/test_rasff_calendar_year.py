"""mart.rasff_intensity counts a notification in the calendar year of its date, the year of
the trade data it is set against, not in the ISO year of core.rasff_notifications.year
(30 December 2024 is in ISO week 2025-W01)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from observatory.warehouse.sql_runner import apply_file

SQL = (Path(__file__).resolve().parents[2] / "sql" / "mart" / "watch_regulatory"
       / "070_rasff_intensity.sql")
FRUIT = "fruits and vegetables"


def test_intensity_counts_the_calendar_year_of_the_notification(study_db) -> None:
    db = study_db
    db.configure(home="MAR", first_year=2023, last_year=2025, competitors=["ESP"])
    db.add_flows([(2024, "MAR", "FRA", "070200", 50e6), (2025, "MAR", "FRA", "070200", 80e6)])
    # (reference, timestamp, ISO year, ISO week), as the connector stores them.
    for reference, when, iso_year, iso_week in [
        ("2024.9611", datetime(2024, 12, 30, 8, 51), 2025, 1),
        ("2025.0100", datetime(2025, 3, 4, 9, 0), 2025, 10),
    ]:
        db.con.execute(
            "insert into core.rasff_notifications by name select ? as reference, "
            "1 as version, true as is_current, 'h' as content_hash, ? as notification_date, "
            "? as year, ? as week, ? as category, 'rasff' as source, 'T' as release, "
            "'b' as batch_id", [reference, when, iso_year, iso_week, FRUIT])
        db.con.execute("insert into core.rasff_origins by name select ? as reference, "
                       "'Morocco' as origin_name, 'MAR' as origin_iso3, 'b' as batch_id",
                       [reference])
        db.con.execute("insert into core.rasff_hs by name select ? as reference, "
                       "'0702' as hs_prefix, 'high' as confidence, 'category' as rule, "
                       "'b' as batch_id", [reference])
    apply_file(db.con, SQL)
    rows = db.con.execute(
        "select year, notifications, exports_year, per_100m_usd from mart.rasff_intensity "
        "where origin_iso3 = 'MAR' order by year").fetchall()
    # 2024: the notification of 30 December against 2024's exports of 50 million.
    assert [r[:3] for r in rows] == [(2024, 1, 2024), (2025, 1, 2025)]
    assert rows[0][3] == pytest.approx(1 / 0.5)
    assert rows[1][3] == pytest.approx(1 / 0.8)
