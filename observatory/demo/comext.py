"""A synthetic Eurostat Comext answer for the demo: the EU priority markets' monthly imports
of a few of the home country's products, in the real SDMX-CSV layout of the dissemination
API (dataset DS-045409), from January two years back through last month.

Partners: Morocco (MA), a few competitors and WORLD (every partner together, above the sum
of the listed ones: the rest of the world is not listed). Values in euros and quantities in
hundreds of kilograms, as the API gives them; deterministic for a seed and `today`. Its
DATAFLOW cell and its name say it is synthetic (the demo marker is on its first data line,
so everything read from it is labelled synthetic downstream).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import numpy as np

from observatory.reference.countries import build_countries
from observatory.sources.batches import DEMO_MARKER

DATAFLOW = f"{DEMO_MARKER} ESTAT:DS-045409(1.0)"
FILE_NAME = "comext_demo_synthetic_DS-045409.csv"
COLUMNS = ("DATAFLOW", "LAST UPDATE", "freq", "reporter", "partner", "product", "flow",
           "indicators", "TIME_PERIOD", "OBS_VALUE")
# CN8 codes of the home country's exports to the EU: (yearly imports of one market from the
# world, EUR; typical unit value, EUR per 100 kg; Morocco's usual share of the market).
PRODUCTS: dict[str, tuple[float, float, float]] = {
    "07020000": (4.0e8, 120.0, 0.30),   # tomatoes, fresh or chilled
    "08052200": (1.5e8, 110.0, 0.20),   # clementines
    "03075200": (1.2e8, 900.0, 0.25),   # octopus, frozen
    "16041311": (6.0e7, 450.0, 0.35),   # sardines in olive oil
    "85443000": (2.5e9, 1800.0, 0.12),  # ignition and other wiring sets for vehicles
    "62034231": (3.0e8, 2500.0, 0.08),  # men's denim trousers
}
# Home country, then competitors (Eurostat's codes): each takes a share of the market.
PARTNERS: dict[str, float] = {"MA": 0.0, "ES": 0.15, "TR": 0.10, "EG": 0.05, "TN": 0.05,
                              "CN": 0.12, "PT": 0.04}


def write_comext_demo(folder: Path, today: date, markets: list[str], seed: int) -> list[Path]:
    """Write the answer under `folder` for the priority markets that are EU members (ISO3);
    returns the files written (none when no market is an EU member)."""
    countries = build_countries().set_index("iso3")
    reporters = [countries.at[m, "iso2"] for m in markets
                 if m in countries.index and bool(countries.at[m, "eu_member"])]
    if not reporters:
        return []
    rng = np.random.default_rng(seed)
    months = _months(today)
    stamp = f"{today:%d/%m/%y} 11:00:00"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for reporter in reporters:
        for product, (yearly, unit_value, home_share) in PRODUCTS.items():
            size = yearly * rng.lognormal(0.0, 0.5) / 12
            shares = {p: (home_share if p == "MA" else s) * rng.lognormal(0.0, 0.3)
                      for p, s in PARTNERS.items() if p != reporter}
            for n, period in enumerate(months):
                # Seasonality over the year and a slow drift of the home country's share.
                season = 1.0 + 0.25 * np.sin(2 * np.pi * (int(period[5:]) - 3) / 12)
                world = size * season * rng.lognormal(0.0, 0.08)
                drift = 1.0 + 0.01 * (n - len(months) / 2) * rng.normal(0.3, 0.5)
                listed = 0.0
                for partner, share in shares.items():
                    value = world * share * (drift if partner == "MA" else 1.0) \
                        * rng.lognormal(0.0, 0.15)
                    listed += value
                    _write(writer, stamp, reporter, partner, product, period, value,
                           unit_value * rng.lognormal(0.0, 0.1))
                # WORLD: every partner, the rest of the world included.
                _write(writer, stamp, reporter, "WORLD", product, period,
                       max(world, listed * 1.1), unit_value)
    path = Path(folder) / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(out.getvalue(), encoding="utf-8")
    return [path]


def _months(today: date) -> list[str]:
    """January two years before `today` through the month before it, as YYYY-MM."""
    months = []
    year, month = today.year - 2, 1
    while (year, month) < (today.year, today.month):
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _write(writer: object, stamp: str, reporter: str, partner: str, product: str,
           period: str, value: float, unit_value: float) -> None:
    euros = round(value)
    hundreds_of_kg = round(value / unit_value, 1)
    for indicator, obs in (("QUANTITY_IN_100KG", hundreds_of_kg), ("VALUE_IN_EUROS",
                                                                   float(euros))):
        writer.writerow((DATAFLOW, stamp, "M", reporter, partner, product, "1",  # type: ignore[attr-defined]
                         indicator, period, obs))
