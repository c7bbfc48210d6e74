"""The demo's exporter-level files (synthetic): customs exports by exporter, the exporter
registry and a program cohort, in the formats the exporter source reads.

They are consistent with the demo's country-level data: for every year, HS6 and destination,
the exporters' values (in dirhams, converted at the demo's annual MAD rate) add up to the
home country's exports in the demo BACI archive. Every exporter is registered; some are
cooperatives and some are in the earthquake provinces; a 2024 cohort of beneficiaries is
favoured in the split of its products' flows from 2024 on (totals unchanged), so the
follow-up has something to show. Identifiers are 15 digits starting with 9, like no real
ICE. Labelled synthetic: a README.txt with the demo marker beside the files.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from observatory.sources.batches import DEMO_MARKER

# Regions and provinces of the demo registry, by home country; another home country gets
# neutral names. The earthquake provinces of the default configuration are among them.
GEOGRAPHY = {
    "MAR": {
        "Marrakech-Safi": ["Al Haouz", "Chichaoua", "Marrakech", "Safi"],
        "Souss-Massa": ["Taroudant", "Agadir Ida-Outanane", "Tiznit"],
        "Drâa-Tafilalet": ["Ouarzazate", "Errachidia"],
        "Béni Mellal-Khénifra": ["Azilal", "Béni Mellal"],
        "Casablanca-Settat": ["Casablanca", "Settat", "El Jadida"],
        "Tanger-Tétouan-Al Hoceïma": ["Tanger-Assilah", "Tétouan"],
        "Fès-Meknès": ["Fès", "Meknès"],
        "Oriental": ["Oujda-Angad", "Nador"],
    },
}
NEUTRAL = {f"Region {r}": [f"Province {r}{i}" for i in range(1, 4)] for r in "ABCDEF"}
COHORT = 2024


def _archive(demo_dir: Path, home: str, years: list[int], seed: int) -> Path:
    """The demo BACI archive: the one `observatory demo` wrote, else the same one again
    (the generator is deterministic in its seed, years and home country)."""
    found = sorted((demo_dir / "baci").glob("BACI_*.zip"))
    if found:
        return found[-1]
    from observatory.demo.generate import generate_demo

    out = Path(tempfile.mkdtemp(prefix="observatory-demo-baci-"))
    return generate_demo(out, seed=seed, years=years, home_iso3=home)


def home_exports(archive: Path, home: str) -> dict[int, list[tuple[str, str, float, float]]]:
    """The home country's reconciled exports in the archive: year -> (HS6, destination ISO3,
    value USD, quantity t)."""
    out: dict[int, list[tuple[str, str, float, float]]] = defaultdict(list)
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        codes_name = next(n for n in names if n.startswith("country_codes"))
        codes = {row["country_code"]: row["country_iso3"] for row in csv.DictReader(
            io.StringIO(zf.read(codes_name).decode("utf-8")))}
        home_code = next(c for c, iso in codes.items() if iso == home)
        for name in names:
            if not name.startswith("BACI_") or "_Y" not in name:
                continue
            for row in csv.DictReader(io.StringIO(zf.read(name).decode("utf-8"))):
                if row["i"] != home_code or row["j"] not in codes:
                    continue
                quantity = float(row["q"]) if row["q"] not in ("", "NA") else 0.0
                out[int(row["t"])].append((row["k"].zfill(6), codes[row["j"]],
                                           float(row["v"]) * 1000.0, quantity))
    return out


def _annual_mad(demo_dir: Path) -> dict[int, float]:
    """Dollars per dirham by year, as `ref.exchange_rates` will hold them."""
    from observatory.reference.rates import build_rates, rate_files

    rates = build_rates(rate_files([str(demo_dir / "rates" / "*.csv")]))
    annual = rates[(rates["currency"] == "MAD") & (rates["freq"] == "A")]
    return {int(y): float(r) for y, r in zip(annual["year"], annual["usd_per_unit"],
                                             strict=True)}


def write_fabric_demo(demo_dir: Path, home: str, years: list[int], seed: int,
                      n_firms: int = 240) -> list[Path]:
    """Write exports_<year>.csv, registry_demo_synthetic.csv, program_demo_synthetic.csv
    and README.txt under demo_dir/fabric; returns the files."""
    from observatory.reference.hs import hs6_codes
    from observatory.reference.sectors import build_sector_map

    rng = np.random.default_rng(seed + 16)
    flows = home_exports(_archive(demo_dir, home, years, seed), home)
    usd_per_mad = _annual_mad(demo_dir)
    sectors = dict(zip(*(build_sector_map(hs6_codes())[c] for c in ("hs6", "sector")),
                       strict=True))
    geography = GEOGRAPHY.get(home, NEUTRAL)
    places = [(region, province) for region, provinces in geography.items()
              for province in provinces]
    firms = [f"9{n:014d}" for n in rng.choice(10**13, size=n_firms, replace=False)]
    products = sorted({hs6 for rows in flows.values() for hs6, *_ in rows})
    # Each product is carried by a few firms (one for some: fragile products).
    carriers = {p: list(rng.choice(n_firms, size=int(min(1 + rng.poisson(2.5), 8, n_firms)),
                                   replace=False)) for p in products}
    beneficiaries = set(rng.choice(n_firms, size=max(n_firms * 3 // 20, 1),
                                  replace=False).tolist())
    folder = Path(demo_dir) / "fabric"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    served: dict[int, str] = {}
    for year in sorted(flows):
        if year not in usd_per_mad:
            continue
        active = {f for f in range(n_firms) if rng.random() < 0.85}
        lines = ["exporter_id;period;product_code;destination;value_national;net_mass_kg"]
        for hs6, destination, value_usd, quantity in flows[year]:
            pool = [f for f in carriers[hs6] if f in active] or carriers[hs6][:1]
            chosen = list(rng.choice(pool, size=int(rng.integers(1, len(pool) + 1)),
                                     replace=False))
            weights = rng.dirichlet(np.ones(len(chosen)))
            if year >= COHORT:
                weights = weights * [1.6 if f in beneficiaries else 1.0 for f in chosen]
                weights = weights / weights.sum()
            for firm, weight in zip(chosen, weights, strict=True):
                served.setdefault(firm, hs6)
                # two national lines under one HS6 for some flows
                splits = [1.0] if rng.random() < 0.7 else [0.6, 0.4]
                for i, part in enumerate(splits):
                    mad = value_usd * weight * part / usd_per_mad[year]
                    lines.append(f"{firms[firm]};{year};{hs6}{10 * (i + 1):04d};"
                                 f"{destination};{mad:.6f};"
                                 f"{quantity * 1000 * weight * part:.3f}")
        path = folder / f"exports_{year}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    registry = ["exporter_id;legal_form;region;province;sector;size_class;creation_year"]
    sizes = ["micro", "small", "medium", "large"]
    for firm in sorted(served):
        form = rng.choice(["company", "cooperative", "individual"], p=[0.7, 0.22, 0.08])
        region, province = places[int(rng.integers(len(places)))]
        size = "micro" if form == "cooperative" else str(rng.choice(sizes,
                                                                    p=[0.2, 0.4, 0.3, 0.1]))
        registry.append(f"{firms[firm]};{form};{region};{province};"
                        f"{sectors.get(served[firm], 'other')};{size};"
                        f"{int(rng.integers(1975, 2020))}")
    paths.append(folder / "registry_demo_synthetic.csv")
    paths[-1].write_text("\n".join(registry) + "\n", encoding="utf-8")
    program = ["exporter_id;application_date;status;cohort;support_kind;support_amount"]
    applicants = sorted(served)[: len(served)]
    for firm in applicants:
        if firm in beneficiaries:
            program.append(f"{firms[firm]};{COHORT - 1}-10-15;beneficiary;{COHORT};"
                           f"{rng.choice(['grant', 'trade fair', 'coaching'])};"
                           f"{int(rng.integers(50, 500)) * 1000}")
        elif rng.random() < 0.08:
            program.append(f"{firms[firm]};{COHORT - 1}-11-02;rejected;{COHORT};;")
    paths.append(folder / "program_demo_synthetic.csv")
    paths[-1].write_text("\n".join(program) + "\n", encoding="utf-8")
    (folder / "README.txt").write_text(
        f"{DEMO_MARKER}\nExporter-level files of the demo: synthetic firms, identifiers "
        "and values, consistent with the demo's country-level exports.\n", encoding="utf-8")
    return paths
