"""Write BACI-format yearly files at real scale, fast, for benchmarks.

About 225 countries × 5,300 HS6 and 10 million flows a year, with BACI's own conventions
(`t,i,j,k,v,q`; `k` written as a number, so leading zeros are lost; `v` in thousands of USD;
`q` in metric tons or `NA`). Realistic sparsity: an exporter's number of flows grows with its
size, partners are drawn by importer size, products by popularity and the exporter's own
specialisation, values are heavy-tailed (log-normal), and most flows persist from one year
to the next. Deterministic for a given seed.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from observatory.reference.countries import build_countries
from observatory.reference.hs import hs6_codes


@dataclass(frozen=True)
class Universe:
    codes: np.ndarray  # BACI country codes
    iso3: list[str]
    size: np.ndarray  # relative economic size
    products: np.ndarray  # HS6 codes as integers (BACI writes them without leading zeros)
    popularity: np.ndarray


def universe(n_countries: int = 225, n_products: int = 5300, seed: int = 7) -> Universe:
    rng = np.random.default_rng(seed)
    countries = build_countries().dropna(subset=["baci_code"])
    countries = countries.sort_values("iso3").head(n_countries)
    size = rng.pareto(1.1, len(countries)) + 0.05
    codes = hs6_codes()[:n_products]
    return Universe(
        codes=countries["baci_code"].to_numpy(dtype=np.int64),
        iso3=list(countries["iso3"]),
        size=size / size.sum(),
        products=np.array([int(c) for c in codes], dtype=np.int64),
        popularity=rng.lognormal(0.0, 1.2, len(codes)),
    )


def year_flows(u: Universe, year: int, rows: int, seed: int = 7) -> pa.Table:
    """One year of flows; years share their base structure so most flows persist."""
    base = np.random.default_rng(seed)
    draw = int(rows * 2.8)  # skewed draws repeat: about half are duplicates
    exporters = base.choice(len(u.codes), draw, p=u.size ** 0.8 / (u.size ** 0.8).sum())
    importers = base.choice(len(u.codes), draw, p=u.size ** 0.9 / (u.size ** 0.9).sum())
    products = base.choice(len(u.products), draw, p=u.popularity / u.popularity.sum())
    keep = exporters != importers
    key = (exporters[keep] * len(u.codes) + importers[keep]) * len(u.products) + products[keep]
    key = np.unique(key)
    # A year-specific 8% of flows exit, the rest persist.
    yearly = np.random.default_rng(seed * 10_000 + year)
    key = key[yearly.random(len(key)) > 0.08][:rows]
    prod = key % len(u.products)
    pair = key // len(u.products)
    exp, imp = pair // len(u.codes), pair % len(u.codes)
    scale = np.sqrt(u.size[exp] * u.size[imp]) * 1e6
    value = np.round(scale * yearly.lognormal(0.0, 2.0, len(key)) + 0.001, 3)
    quantity = np.round(value * yearly.lognormal(-1.0, 1.0, len(key)), 3)
    q_text = pc.fill_null(
        pc.cast(pa.array(quantity, mask=yearly.random(len(key)) < 0.02), pa.string()), "NA"
    )
    return pa.table({
        "t": pa.array(np.full(len(key), year, dtype=np.int32)),
        "i": pa.array(u.codes[exp]),
        "j": pa.array(u.codes[imp]),
        "k": pa.array(u.products[prod]),
        "v": pa.array(value),
        "q": q_text,
    })


def write_year_csv(u: Universe, year: int, rows: int, out_dir: Path, release: str = "V202601",
                   seed: int = 7) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"BACI_HS22_Y{year}_{release}.csv"
    table = year_flows(u, year, rows, seed)
    pacsv.write_csv(table, path, pacsv.WriteOptions(include_header=True, quoting_style="none"))
    return path


def write_archive(u: Universe, years: list[int], rows: int, out_dir: Path,
                  release: str = "V202601", seed: int = 7) -> Path:
    """A BACI archive (stored, not deflated, to keep generation fast) with its dictionaries."""
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / f"BACI_HS22_{release}.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        for year in years:
            csv = write_year_csv(u, year, rows, out_dir, release, seed)
            zf.write(csv, csv.name)
            csv.unlink()
        lines = ["country_code,country_name,country_iso2,country_iso3"]
        lines += [f"{c},{iso},{iso[:2]},{iso}" for c, iso in zip(u.codes, u.iso3, strict=True)]
        zf.writestr(f"country_codes_{release}.csv", "\n".join(lines) + "\n")
        lines = ["code,description"] + [f'"{p}","product {p:06d}"' for p in u.products]
        zf.writestr(f"product_codes_HS22_{release}.csv", "\n".join(lines) + "\n")
    return archive
