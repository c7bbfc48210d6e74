"""Exchange rates: the ECB's reference-rate file and a long date,base,quote,rate file read
into dollars per unit, averaged by month and year; every unreadable cell is one line naming
the file, line and field. Expected values are computed by hand from the rows written here."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from observatory.errors import SourceError
from observatory.reference import rates
from observatory.warehouse.sql_runner import SQL_DIR, apply_file

# The ECB layout: units of each currency for one euro, N/A where none, a trailing comma.
ECB = """Date,USD,JPY,CYP,GBP,
2024-02-01,1.0800,158.00,N/A,0.8500,
2024-01-31,1.0837,160.00,N/A,0.8510,
2024-01-30,1.0846,159.50,N/A,0.8520,
2024-01-02,1.0956,155.00,N/A,0.8600,
"""
# Bank Al-Maghrib-style reference rates: MAD for one EUR and one USD.
LONG = """date,base,quote,rate
2024-01-02,EUR,MAD,10.90
2024-01-02,USD,MAD,9.95
2024-01-03,USD,MAD,9.97
2023,USD,MAD,10.13
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rate(frame, currency: str, freq: str, year: int, month: int | None = None) -> float:
    rows = frame[(frame.currency == currency) & (frame.freq == freq) & (frame.year == year)]
    if month is not None:
        rows = rows[rows.month == month]
    (value,) = rows.usd_per_unit.tolist()
    return value


def test_ecb_file_monthly_and_annual_averages(tmp_path: Path) -> None:
    frame = rates.build_rates([_write(tmp_path, "eurofxref-hist.csv", ECB)])
    # EUR: the USD column itself; January's three days averaged.
    assert _rate(frame, "EUR", "M", 2024, 1) == pytest.approx((1.0837 + 1.0846 + 1.0956) / 3)
    assert _rate(frame, "EUR", "M", 2024, 2) == pytest.approx(1.08)
    # The year: the average of its months (January's average and February's).
    assert _rate(frame, "EUR", "A", 2024) == pytest.approx(
        ((1.0837 + 1.0846 + 1.0956) / 3 + 1.08) / 2)
    # JPY across the euro: USD per EUR over JPY per EUR, day by day, then averaged.
    assert _rate(frame, "JPY", "M", 2024, 1) == pytest.approx(
        (1.0837 / 160.0 + 1.0846 / 159.5 + 1.0956 / 155.0) / 3)
    assert "CYP" not in set(frame.currency)  # N/A throughout
    vintage = frame[frame.currency == "EUR"].vintage.unique().tolist()
    assert vintage == ["2024-02-01"]
    jan = frame[(frame.currency == "EUR") & (frame.freq == "M") & (frame.month == 1)]
    assert jan.observations.tolist() == [3]


def test_long_file_direct_cross_and_annual_rates(tmp_path: Path) -> None:
    frame = rates.build_rates([_write(tmp_path, "bam.csv", LONG)])
    # MAD: 1 / (MAD per USD), two days in January.
    assert _rate(frame, "MAD", "M", 2024, 1) == pytest.approx((1 / 9.95 + 1 / 9.97) / 2)
    # A year stated as such is taken as given.
    assert _rate(frame, "MAD", "A", 2023) == pytest.approx(1 / 10.13)
    # EUR across MAD on 2024-01-02: 10.90 MAD per EUR, 9.95 MAD per USD.
    assert _rate(frame, "EUR", "M", 2024, 1) == pytest.approx(10.90 / 9.95)


def test_rates_land_in_the_reference_table(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("create schema ref")
    apply_file(con, SQL_DIR / "ref" / "020_exchange_rates.sql")
    first = rates.load_rates(con, [_write(tmp_path, "eurofxref-hist.csv", ECB)])
    ((count,),) = con.execute("select count(*) from ref.exchange_rates where currency = 'EUR'"
                              ).fetchall()
    assert count == 3  # two months, one year
    assert rates.load_rates(con, [tmp_path / "eurofxref-hist.csv"]) == first
    assert rates.load_rates(con, []) != first
    assert con.execute("select count(*) from ref.exchange_rates").fetchall() == [(0,)]


@pytest.mark.parametrize(("name", "text", "message"), [
    ("bad.csv", "Date,USD,\n2024-01-02,abc,\n",
     "bad.csv, line 2, field USD: 'abc' is not a number"),
    ("neg.csv", "date,base,quote,rate\n2024-01-02,USD,MAD,-1\n",
     "neg.csv, line 2, field rate: '-1' is not a positive rate"),
    ("inf.csv", "date,base,quote,rate\n2024-01-02,USD,MAD,inf\n",
     "inf.csv, line 2, field rate: 'inf' is not a positive rate"),
    ("day.csv", "date,base,quote,rate\n2024-13-02,USD,MAD,9.9\n",
     "day.csv, line 2, field date: '2024-13-02' is not a date"),
    ("code.csv", "date,base,quote,rate\n2024-01-02,usd,MAD,9.9\n",
     "code.csv, line 2, field base: 'usd' is not an ISO 4217 currency code"),
    ("short.csv", "Date,USD,JPY,\n2024-01-02,1.1\n",
     "short.csv, line 2: 2 fields, the header has 3"),
    ("page.csv", "<!DOCTYPE html><html><body>Service unavailable</body></html>\n",
     "page.csv: an HTML or XML page, not a rate file"),
    ("other.csv", "when,what\n2024,1\n", "other.csv, line 1: not a rate file"),
])
def test_unreadable_rate_files_are_one_line(tmp_path: Path, name: str, text: str,
                                            message: str) -> None:
    with pytest.raises(SourceError) as info:
        rates.build_rates([_write(tmp_path, name, text)])
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_files_that_disagree_are_refused(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.csv", "date,base,quote,rate\n2024-01-02,USD,MAD,9.95\n")
    b = _write(tmp_path, "b.csv", "date,base,quote,rate\n2024-01-02,USD,MAD,9.50\n")
    with pytest.raises(SourceError, match="a.csv and b.csv disagree on MAD for 2024-01-02"):
        rates.build_rates([a, b])
    latin = tmp_path / "latin.csv"
    latin.write_bytes("date,base,quote,rate\n2024-01-02,USD,MAD,9,95 é\n".encode("latin-1"))
    with pytest.raises(SourceError, match="latin.csv: not UTF-8 text"):
        rates.build_rates([latin])
