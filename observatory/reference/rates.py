"""Exchange rates: values reported in euros (Eurostat Comext) or dirhams (Office des Changes)
are converted to US dollars at the average rate of their period.

`[rates] paths` lists rate files (globs); each is read in one of two formats, told apart by
its header:

- the ECB's reference-rate file (`eurofxref-hist.csv`, `eurofxref.csv`): `Date` then one
  column per currency, each cell the units of that currency for one euro, `N/A` where the
  ECB published none, a trailing comma on every line;
- a long file `date,base,quote,rate` (one rate per line: `rate` units of `quote` for one
  `base`), the shape a central bank's table takes once saved as CSV (Bank Al-Maghrib's
  reference rates: base EUR or USD, quote MAD). `date` is a day (`YYYY-MM-DD`), a month
  (`YYYY-MM`) or a year (`YYYY`).

From every file, the dollars one unit of each currency was worth is derived (directly
against USD, or across a third currency quoted against both on the same date), then
averaged by month (from days) and by year (from the months, or from the days when only
days exist; a year stated as such is taken as given). `ref.exchange_rates` holds them
(`sql/ref/020_exchange_rates.sql`), with the file and the last date it covers (its
vintage). Two files that give one currency a rate for the same date must agree.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from observatory.errors import SourceError

LONG_HEADER = ("date", "base", "quote", "rate")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
COLUMNS = ("currency", "freq", "year", "month", "usd_per_unit", "observations",
           "source_file", "vintage")


@dataclass(frozen=True)
class Quote:
    """`rate` units of `quote` for one `base`, on a day, a month or a year."""

    file: str
    line: int
    date: str
    base: str
    quote: str
    rate: float


def _date(file: str, line: int, value: str) -> str:
    match = _DATE.match(value.strip())
    if not match or not (1 <= int(match.group(2) or 1) <= 12) or \
            not (1 <= int(match.group(3) or 1) <= 31):
        raise SourceError(f"{file}, line {line}, field date: {value!r} is not a date "
                          "(YYYY-MM-DD, YYYY-MM or YYYY)")
    return value.strip()


def _rate(file: str, line: int, field: str, value: str) -> float | None:
    text = value.strip()
    if text in ("", "N/A", "NA", "-"):
        return None
    try:
        rate = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text \
            else float(text)
    except ValueError:
        raise SourceError(f"{file}, line {line}, field {field}: {value!r} is not a "
                          "number") from None
    if not math.isfinite(rate) or rate <= 0:
        raise SourceError(f"{file}, line {line}, field {field}: {value!r} is not a positive "
                          "rate")
    return rate


def read_quotes(path: Path) -> list[Quote]:
    """Every rate of one file, in either format; SourceError naming the file, line and
    field for anything unreadable."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{name}: cannot read ({exc.strerror or type(exc).__name__})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    if text.lstrip().startswith("<"):
        raise SourceError(f"{name}: an HTML or XML page, not a rate file")
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise SourceError(f"{name}: empty file")
    header = [h.strip() for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    if [h.lower() for h in header] == list(LONG_HEADER):
        return _long(name, rows[1:])
    if header and header[0] == "Date" and len(header) > 1 and \
            all(_CURRENCY.match(h) for h in header[1:]):
        return _ecb(name, header, rows[1:])
    raise SourceError(f"{name}, line 1: not a rate file (expected the ECB header "
                      f"'Date,USD,JPY,…' or '{','.join(LONG_HEADER)}'), got "
                      f"{','.join(header)[:80]!r}")


def _ecb(name: str, header: list[str], rows: list[list[str]]) -> list[Quote]:
    quotes: list[Quote] = []
    for number, row in enumerate(rows, start=2):
        cells = row[:len(header)]
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(header):
            raise SourceError(f"{name}, line {number}: {len(cells)} fields, the header has "
                              f"{len(header)}")
        day = _date(name, number, cells[0])
        for currency, cell in zip(header[1:], cells[1:], strict=True):
            rate = _rate(name, number, currency, cell)
            if rate is not None:
                quotes.append(Quote(name, number, day, "EUR", currency, rate))
    return quotes


def _long(name: str, rows: list[list[str]]) -> list[Quote]:
    quotes: list[Quote] = []
    for number, row in enumerate(rows, start=2):
        cells = [c.strip() for c in row]
        while cells and cells[-1] == "" and len(cells) > 4:
            cells.pop()
        if not any(cells):
            continue
        if len(cells) != 4:
            raise SourceError(f"{name}, line {number}: {len(cells)} fields, expected 4 "
                              f"({','.join(LONG_HEADER)})")
        day = _date(name, number, cells[0])
        for field, code in (("base", cells[1]), ("quote", cells[2])):
            if not _CURRENCY.match(code):
                raise SourceError(f"{name}, line {number}, field {field}: {code!r} is not an "
                                  "ISO 4217 currency code")
        rate = _rate(name, number, "rate", cells[3])
        if rate is None:
            continue
        quotes.append(Quote(name, number, day, cells[1], cells[2], rate))
    return quotes


def usd_values(quotes: Iterable[Quote]) -> pd.DataFrame:
    """Dollars per unit of each currency, per file and date: from a quote against USD, or
    across the other quotes of the same file and date (EUR/JPY and EUR/USD give JPY; EUR/MAD
    and USD/MAD give EUR)."""
    by_date: dict[tuple[str, str], list[Quote]] = {}
    for q in quotes:
        by_date.setdefault((q.file, q.date), []).append(q)
    rows = []
    for (file, date), day in by_date.items():
        usd = {"USD": 1.0}
        changed = True
        while changed:  # one unit of `base` is worth `rate` units of `quote`
            changed = False
            for q in day:
                if q.base in usd and q.quote not in usd:
                    usd[q.quote] = usd[q.base] / q.rate
                    changed = True
                elif q.quote in usd and q.base not in usd:
                    usd[q.base] = usd[q.quote] * q.rate
                    changed = True
        rows += [(file, date, c, v) for c, v in usd.items() if c != "USD"]
    return pd.DataFrame(rows, columns=["source_file", "date", "currency", "usd_per_unit"])


def _check_agreement(values: pd.DataFrame) -> None:
    """Two files giving one currency a rate for one date must agree (within 0.01 %)."""
    if values.empty:
        return
    spread = values.groupby(["currency", "date"])["usd_per_unit"].agg(["min", "max"])
    bad = spread[spread["max"] > spread["min"] * 1.0001]
    if not bad.empty:
        (currency, date), row = next(iter(bad.iterrows()))
        files = sorted(values[(values.currency == currency) & (values.date == date)]
                       .source_file)
        raise SourceError(f"rates: {' and '.join(files)} disagree on {currency} for {date} "
                          f"({row['min']:.6g} and {row['max']:.6g} USD)")


def period_averages(values: pd.DataFrame) -> pd.DataFrame:
    """Monthly averages of daily rates, annual averages of the months (or of the days
    when a file has only days; a year stated as such is kept as given): the rows of
    `ref.exchange_rates`."""
    if values.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    v = values.copy()
    parts = v["date"].str.split("-", expand=True).reindex(columns=[0, 1, 2])
    v["year"] = parts[0].astype(int)
    v["month"] = pd.to_numeric(parts[1], errors="coerce")
    v["is_day"] = parts[2].notna()
    keys = ["source_file", "currency"]
    vintage = v.groupby(keys)["date"].max().rename("vintage")
    days = v[v.is_day]
    months_from_days = (days.groupby([*keys, "year", "month"])
                        .agg(usd_per_unit=("usd_per_unit", "mean"),
                             observations=("usd_per_unit", "size")).reset_index())
    months_given = (v[v.month.notna() & ~v.is_day]
                    .assign(observations=1)[[*keys, "year", "month", "usd_per_unit",
                                             "observations"]])
    months = pd.concat([months_from_days, months_given], ignore_index=True)
    months = months.drop_duplicates([*keys, "year", "month"], keep="first")
    years_from_months = (months.groupby([*keys, "year"])
                         .agg(usd_per_unit=("usd_per_unit", "mean"),
                              observations=("observations", "sum")).reset_index())
    years_given = v[v.month.isna()].assign(observations=1)[[*keys, "year", "usd_per_unit",
                                                            "observations"]]
    years = pd.concat([years_given, years_from_months], ignore_index=True)
    years = years.drop_duplicates([*keys, "year"], keep="first")
    months["freq"] = "M"
    years["freq"] = "A"
    years["month"] = pd.NA
    out = pd.concat([months, years], ignore_index=True).merge(vintage.reset_index(), on=keys)
    # One rate per currency and period: the file with the latest vintage wins (files agree
    # on common dates, checked before).
    out = (out.sort_values(["currency", "freq", "year", "month", "vintage"],
                           ascending=[True, True, True, True, False])
           .drop_duplicates(["currency", "freq", "year", "month"], keep="first"))
    out["month"] = out["month"].astype("Int8")
    out["year"] = out["year"].astype("int32")
    out["observations"] = out["observations"].astype("int32")
    return out[list(COLUMNS)].reset_index(drop=True)


def rate_files(patterns: Iterable[str]) -> list[Path]:
    """The files the globs match, sorted (each glob already resolved against the
    configuration's folder)."""
    return sorted({Path(p) for pattern in patterns for p in glob.glob(pattern)})


def build_rates(paths: Iterable[Path]) -> pd.DataFrame:
    quotes = [q for path in paths for q in read_quotes(path)]
    values = usd_values(quotes)
    _check_agreement(values)
    return period_averages(values)


def load_rates(con: duckdb.DuckDBPyConnection, paths: Iterable[Path]) -> str:
    """Replace `ref.exchange_rates` with the rates of the files; returns a fingerprint of
    the table's content (a change of rates changes what depends on them)."""
    frame = build_rates(paths)
    con.register("_rates", frame)
    try:
        con.execute("delete from ref.exchange_rates")
        con.execute(f"insert into ref.exchange_rates ({', '.join(COLUMNS)}) "
                    f"select {', '.join(COLUMNS)} from _rates")
    finally:
        con.unregister("_rates")
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).values.tobytes())
    return digest.hexdigest()
