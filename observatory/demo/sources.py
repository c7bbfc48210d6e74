"""The demo's inputs beside the BACI archive and the regulatory files: synthetic exchange
rates (EUR and MAD against USD), an Office des Changes-format annual table for the home
country and a Eurostat Comext-format monthly extract for the EU priority markets through
last month, each written where the configuration's defaults look for them (`demo.dir` /
rates, national, comext) and labelled synthetic in its name. With them the demo study shows
every source at work and the demo watch the latest months."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from observatory.demo.afcfta import write_afcfta_demo
from observatory.demo.comext import write_comext_demo
from observatory.demo.fabric import write_fabric_demo
from observatory.demo.national import write_national_demo
from observatory.demo.rates import write_demo_rates


def write_source_demos(demo_dir: Path, *, home: str, years: range | tuple[int, int],
                       markets: list[str] | tuple[str, ...], today: date,
                       seed: int) -> list[Path]:
    """Write the three demo inputs under `demo_dir`; returns their paths (the Comext
    extract only when a priority market is an EU member)."""
    first, last = (years[0], years[-1])
    demo_dir = Path(demo_dir)
    paths = [write_demo_rates(demo_dir / "rates", first_year=first, today=today)]
    paths += [p for p in write_national_demo(demo_dir / "national", home, first, last, seed)
              if p.suffix == ".csv"]
    paths += write_comext_demo(demo_dir / "comext", today, list(markets), seed)
    # AfCFTA schedules, rules of origin and the home country's agreements (synthetic).
    paths += write_afcfta_demo(demo_dir / "afcfta", home=home, markets=markets, today=today,
                               seed=seed)
    # exporter-level files (synthetic), consistent with the demo BACI archive's home exports
    paths += write_fabric_demo(demo_dir, home, list(range(first, last + 1)), seed)
    return paths
