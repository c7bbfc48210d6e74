"""Time and memory of `complexity` on one synthetic BACI-scale year (a script, not a test).

Run: `python -m observatory.indicators.complexity_bench [n_countries n_products density]`.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from observatory.indicators.complexity import complexity

COLS = {"time": "year", "loc": "exporter", "prod": "product", "val": "value"}


def synthetic_year(
    n_countries: int = 225, n_products: int = 5300, density: float = 0.35, seed: int = 0
) -> pd.DataFrame:
    """A long table of one year: a `density` share of cells positive, log-normal values
    with country and product size effects (like exports aggregated over partners)."""
    rng = np.random.default_rng(seed)
    present = rng.random((n_countries, n_products)) < density
    c, p = np.nonzero(present)
    size_c = rng.normal(0.0, 2.0, n_countries)
    size_p = rng.normal(0.0, 1.5, n_products)
    value = np.exp(10.0 + size_c[c] + size_p[p] + rng.normal(0.0, 1.5, len(c)))
    return pd.DataFrame(
        {
            "year": 2023,
            "exporter": np.array([f"C{i:03d}" for i in range(n_countries)])[c],
            "product": np.array([f"{100000 + j:06d}" for j in range(n_products)])[p],
            "value": value,
        }
    )


def _rss_mib() -> float:
    # ru_maxrss is in KiB on Linux: the process's peak resident set so far
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_complexity(
    n_countries: int = 225, n_products: int = 5300, density: float = 0.35, seed: int = 0
) -> dict[str, float]:
    """Print and return wall time (best of 3) and peak memory of one `complexity` call."""
    data = synthetic_year(n_countries, n_products, density, seed)
    rss_before = _rss_mib()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = complexity(data, COLS)
        times.append(time.perf_counter() - start)
    rss_after = _rss_mib()

    tracemalloc.start()
    complexity(data, COLS)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    start = time.perf_counter()
    home = complexity(data, COLS, locations=["C000"], all_products=True)
    home_seconds = time.perf_counter() - start

    figures = {
        "input_rows": float(len(data)),
        "cells_rows": float(len(result.cells)),
        "seconds_best_of_3": min(times),
        "seconds_one_country_all_products": home_seconds,
        "traced_peak_mib": traced_peak / 2**20,
        "process_peak_rss_mib": rss_after,
        "process_rss_before_mib": rss_before,
    }
    print(  # noqa: T201 - this module is a script
        f"{n_countries} countries x {n_products} products, {len(data):,} positive cells,"
        f" {int(result.cells['m'].sum()):,} with M=1\n"
        f"complexity(): best of 3 {min(times):.2f} s"
        f" (runs: {', '.join(f'{t:.2f}' for t in times)})\n"
        f"complexity(locations=[one], all_products=True): {home_seconds:.2f} s,"
        f" {len(home.cells):,} cells\n"
        f"peak memory traced during one call: {traced_peak / 2**20:.0f} MiB;"
        f" process peak RSS {rss_after:.0f} MiB (before the calls: {rss_before:.0f} MiB)"
    )
    return figures


if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:4]]
    kwargs = dict(zip(("n_countries", "n_products", "density"), args, strict=False))
    bench_complexity(
        int(kwargs.get("n_countries", 225)),
        int(kwargs.get("n_products", 5300)),
        float(kwargs.get("density", 0.35)),
    )
