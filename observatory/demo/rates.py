"""Synthetic exchange rates for the demo: the euro and the dirham against the dollar, one
rate a month, in the long `date,base,quote,rate` format of `observatory.reference.rates`.

The values move smoothly within plausible ranges (about 1.05–1.20 dollars for a euro, 9.3–10.3
dirhams for a dollar); they are no central bank's rates, and the file's name says so.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

FILE_NAME = "rates_demo_synthetic_EUR_MAD_USD.csv"


def write_demo_rates(folder: Path, first_year: int, today: date) -> Path:
    """Write monthly EUR→USD and USD→MAD rates from January of `first_year` through the month
    before `today` under `folder`; returns the file."""
    lines = ["date,base,quote,rate"]
    year, month = first_year, 1
    while (year, month) < (today.year, today.month):
        t = (year - 2000) * 12 + month
        eur_usd = 1.125 + 0.06 * math.sin(t / 9.0) + 0.015 * math.sin(t / 2.3)
        usd_mad = 9.8 + 0.35 * math.sin(t / 11.0 + 1.0) + 0.08 * math.sin(t / 3.1)
        lines.append(f"{year}-{month:02d},EUR,USD,{eur_usd:.4f}")
        lines.append(f"{year}-{month:02d},USD,MAD,{usd_mad:.4f}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    path = Path(folder) / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
