"""Benchmark at BACI scale: the nightly job on 1, 5 and 10 years (20 on request) against
DuckDB's own floor on the same data, in one process tree.

    .venv/bin/python -m bench.scale --years 1 5 10 [--years 20] --workdir DIR
                                    [--write-benchmarks BENCHMARKS.md]
                                    [--countries 225] [--products 5300] [--flows N] [--seed 7]

1. Writes (once; cached in DIR/archive with its parameters) a BACI-format archive
   `BACI_HS22_V202601.zip` covering the largest N years: 225 countries x 5,300 HS6, about 10
   million flows a year. Exporters' product scopes and markets grow with their size, markets
   follow a gravity rule (importer size, same region), values are heavy-tailed, each year is
   the previous one with growth noise, deaths (mostly of small flows) and births, and the
   home country (`study.home`) ships its real specialisations
   (`observatory.demo.profiles.SPECIALISATIONS`) to their main markets. Each year's CSV is
   streamed into the zip chunk by chunk (bounded memory).
2. For each N, on a fresh warehouse in DIR/N<N>y with its own `observatory.toml` (the study
   spans the N last years of the archive; other sources off; no feeds), runs each step in its
   own child process, so that each step's peak resident memory is its own (os.wait4):
   - the nightly job up to the merge (`observatory.nightly.run_nightly`, with the marts,
     study, watch and publish split out), each stage timed and with its own peak;
   - the marts, study and watch refresh (`observatory.stages.indicators`: `build_marts`,
     `refresh_study`, `refresh_watch`), with the seconds of each of their steps;
   - publish (checkpoint, snapshot copy, swap);
   - the DuckDB floor: `read_csv` of the same landed files into a table of a fresh database
     (closed, so checkpointed), a plain scan and one group-by on year and product of
     `core.trade_flows`;
   and prints every figure with its ratio to the floor (ingest + validation against the CSV
   load; the refresh against the group-by).
3. With `--write-benchmarks`, writes the command, the date, the machine, one table per N and
   a summary against the targets of issue 7.

Not part of the test suite (tests/test_bench_scale_smoke.py runs it at a tiny scale).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import re
import resource
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

OTHER_BENCHMARKS = "<!-- other benchmarks -->"
REPO = Path(__file__).resolve().parents[1]
FULL_FLOWS = 10_000_000  # flows a year at 225 countries x 5,300 HS6 (CEPII BACI)
LAST_YEAR = 2024
RELEASE = "V202601"
REPUBLISHED = "V202602"  # the release that revises one year (step republished_year)
GENERATOR = 1  # bump when the generator changes: cached archives are then rewritten
GIB = 2**30

# Issue 7's targets.
TARGET_REFRESH_S = 60.0  # 10 years: marts + study + watch
TARGET_REFRESH_GIB = 4.0  # 10 years: their peak
TARGET_20Y_GIB = 8.0  # 20 years: every step
TARGET_INGEST_RATIO = 3.0  # one year: ingest + validation over DuckDB's CSV load
TARGET_QUIET_S = 5.0  # a nightly run with nothing new, beyond Prefect's start-up


# =============================================================================== the world


@dataclass(frozen=True)
class World:
    """Countries (by ascending BACI code, as BACI sorts its files), products (HS6), sizes."""

    iso3: list[str]
    codes: np.ndarray  # BACI numeric country codes
    size_usd: np.ndarray  # exports a year
    importer_weights: np.ndarray  # [exporter, importer]: gravity, zero on the diagonal
    hs6: list[str]
    product_codes: np.ndarray  # HS6 as BACI writes them (numbers: leading zeros lost)
    popularity: np.ndarray  # world demand for each product
    unit_value: np.ndarray  # USD per ton, each product
    home: int
    spec_keys: np.ndarray  # the home country's specialisation flows (sorted flow keys)
    spec_usd: np.ndarray  # and their values

    @property
    def n_countries(self) -> int:
        return len(self.iso3)

    @property
    def n_products(self) -> int:
        return len(self.hs6)

    def key(self, e: np.ndarray, j: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Flow key (exporter, importer, product) as one integer; its order is BACI's."""
        return (e.astype(np.int64) * self.n_countries + j) * self.n_products + p

    def split(self, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pair, p = np.divmod(key, self.n_products)
        e, j = np.divmod(pair, self.n_countries)
        return e, j, p


def study_countries(config: Path) -> tuple[str, tuple[str, ...]]:
    """The home country and the countries the study and the watch look at (priority markets,
    competitors) in a configuration file."""
    with open(config, "rb") as fh:
        study = tomllib.load(fh)["study"]
    return study["home"], tuple(study["priority_markets"]) + tuple(study["competitors"])


def make_world(n_countries: int = 225, n_products: int = 5300, seed: int = 7,
               home: str = "MAR", include: tuple[str, ...] = ()) -> World:
    """The home country, `include`, the major traders of `profiles.SIZES_BN` (at their real
    size), then others (log-normal sizes) up to `n_countries`; the home country's
    specialisations, then other HS 2022 codes, up to `n_products`."""
    from observatory.demo.profiles import SIZES_BN, SPECIALISATIONS
    from observatory.reference.countries import build_countries
    from observatory.reference.hs import hs6_codes

    rng = np.random.default_rng([seed, 0])
    ref = build_countries().dropna(subset=["baci_code"])
    known = set(ref["iso3"])
    if home not in known:
        raise ValueError(f"home country {home} has no BACI code")
    wanted = [c for c in dict.fromkeys([home, *include, *SIZES_BN]) if c in known]
    chosen = (wanted + sorted(known - set(wanted)))[:max(2, n_countries)]
    table = ref[ref["iso3"].isin(chosen)].sort_values("baci_code").reset_index(drop=True)
    iso3 = list(table["iso3"])
    size = np.array([SIZES_BN[c] * 1e9 if c in SIZES_BN else 0.0 for c in iso3])
    others = size == 0
    size[others] = rng.lognormal(np.log(2e9), 1.6, int(others.sum()))

    # Gravity: importer size, 4 times in the same sub-region, twice on the same continent.
    sub = table["sub_region"].fillna("").to_numpy()
    region = table["region"].fillna("").to_numpy()
    weights = (size[None, :] / size.max()) ** 0.8 \
        * np.where(sub[:, None] == sub[None, :], 4.0, 1.0) \
        * np.where(region[:, None] == region[:, None].T, 2.0, 1.0)
    np.fill_diagonal(weights, 0.0)

    specialisations = SPECIALISATIONS.get(home, {})
    codes = [c for c in hs6_codes() if c != "999999"]
    special = [c for c in codes if c in specialisations]
    rest = [c for c in codes if c not in specialisations]
    if n_products < len(codes):
        keep = rng.choice(len(rest), max(0, n_products - len(special)), replace=False)
        rest = [rest[i] for i in sorted(keep)]
    hs6 = sorted(special + rest)[:max(1, n_products)]

    h = iso3.index(home)
    index = {c: i for i, c in enumerate(iso3)}
    product = {c: i for i, c in enumerate(hs6)}
    spec_e, spec_j, spec_p, spec_v = [], [], [], []
    for code, (annual_usd, markets) in specialisations.items():
        present = [index[m] for m in markets if m in index and m != home]
        if code not in product or not present:
            continue
        shares = rng.dirichlet(np.full(len(present), 1.2))
        spec_e += [h] * len(present)
        spec_j += present
        spec_p += [product[code]] * len(present)
        spec_v += list(annual_usd * shares)
    world = World(
        iso3=iso3, codes=table["baci_code"].to_numpy(dtype=np.int64), size_usd=size,
        importer_weights=weights, hs6=hs6,
        product_codes=np.array([int(c) for c in hs6], dtype=np.int64),
        popularity=rng.lognormal(0.0, 1.3, len(hs6)),
        unit_value=rng.lognormal(7.5, 1.2, len(hs6)), home=h,
        spec_keys=np.empty(0, np.int64), spec_usd=np.empty(0))
    keys = world.key(np.array(spec_e, dtype=np.int64), np.array(spec_j, dtype=np.int64),
                     np.array(spec_p, dtype=np.int64))
    order = np.argsort(keys)
    object.__setattr__(world, "spec_keys", keys[order])
    object.__setattr__(world, "spec_usd", np.array(spec_v)[order])
    return world


def scaled_flows(n_countries: int, n_products: int) -> int:
    """BACI's density: 10 million flows a year at 225 countries x 5,300 products."""
    cells = n_countries * (n_countries - 1) * n_products
    return max(1, round(FULL_FLOWS * cells / (225 * 224 * 5300)))


# =============================================================================== the flows


@dataclass
class YearFlows:
    """One year's flows, sorted by key (exporter, importer, product)."""

    year: int
    key: np.ndarray
    value_usd: np.ndarray
    quantity_t: np.ndarray  # NaN where unknown (BACI's NA)

    def __len__(self) -> int:
        return len(self.key)


@dataclass
class _Model:
    """What drives a world's flows: each exporter's products (its scope) and, for each
    (exporter, product) pair, its export value and the number of markets it reaches."""

    pair_e: np.ndarray
    pair_p: np.ndarray
    pair_usd: np.ndarray
    markets: np.ndarray  # expected number of importers of each pair
    entry_cdf: np.ndarray  # where new flows go: flattened row CDFs, row e spans [e, e + 1)


def _model(world: World, rows: int, rng: np.random.Generator) -> _Model:
    n_c, n_p = world.n_countries, world.n_products
    relative = world.size_usd / world.size_usd.max()
    # Scope: the largest exporter ships every product, a 1 bn USD economy a few hundred.
    scope = np.clip(np.round(n_p * relative**0.3), min(10, n_p), n_p).astype(np.int64)
    affinity = world.popularity[None, :] * rng.lognormal(0.0, 1.5, (n_c, n_p))
    # The home country's other products follow world demand (its own specialisations are
    # pinned on top, see _pin_home).
    affinity[world.home] = world.popularity * rng.lognormal(0.0, 0.4, n_p)
    gumbel = np.log(affinity) - np.log(-np.log(rng.random((n_c, n_p))))
    ranked = np.argsort(-gumbel, axis=1)  # a weighted draw without replacement per row
    pair_e = np.repeat(np.arange(n_c), scope)
    pair_p = np.concatenate([ranked[e, :scope[e]] for e in range(n_c)])
    chosen = affinity[pair_e, pair_p]
    pair_usd = world.size_usd[pair_e] * chosen / np.bincount(pair_e, chosen)[pair_e]
    # The home country's specialisations take their share of its exports off the rest.
    home_size = world.size_usd[world.home]
    pair_usd[pair_e == world.home] *= max(home_size - world.spec_usd.sum(),
                                          0.05 * home_size) / home_size
    # Breadth: big exporters and popular products reach more markets; scaled so that the
    # pairs' markets add up to `rows`.
    breadth = relative[pair_e] ** 0.45 * (world.popularity[pair_p]
                                          / world.popularity.mean()) ** 0.35
    low, high = 1e-6, 1e6
    for _ in range(80):
        mid = (low * high) ** 0.5
        total = np.clip(mid * breadth, 1.0, n_c - 1).sum()
        low, high = (mid, high) if total < rows else (low, mid)
    # New flows go to smaller markets more often than established ones do.
    entry = world.importer_weights ** 0.5
    cdf = np.cumsum(entry / entry.sum(axis=1, keepdims=True), axis=1)
    cdf[:, -1] = 1.0
    cdf += np.arange(n_c)[:, None]
    return _Model(pair_e, pair_p, pair_usd, np.clip(high * breadth, 1.0, n_c - 1),
                  cdf.ravel())


def _is_in(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each of `keys`, whether it is in `sorted_keys`."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[pos] == keys


@dataclass
class _State:
    key: np.ndarray
    value_usd: np.ndarray
    unit_value: np.ndarray


def _first_year(world: World, model: _Model, rng: np.random.Generator,
                chunk: int = 20_000) -> _State:
    """Each pair's markets: that many distinct importers, drawn by gravity without
    replacement (Gumbel top-k over the exporter's row, a chunk of pairs at a time)."""
    n_c = world.n_countries
    markets = np.floor(model.markets).astype(np.int64)
    markets += rng.random(len(markets)) < model.markets - markets
    with np.errstate(divide="ignore"):
        log_weights = np.log(world.importer_weights).astype(np.float32)  # -inf: itself
    keys, pairs = [], []
    for start in range(0, len(markets), chunk):
        part = np.arange(start, min(start + chunk, len(markets)))
        with np.errstate(divide="ignore"):
            noise = -np.log(-np.log(rng.random((len(part), n_c), dtype=np.float32)))
        ranked = np.argsort(-(log_weights[model.pair_e[part]] + noise), axis=1)
        taken = np.arange(n_c)[None, :] < markets[part][:, None]
        pair = np.repeat(part, markets[part])
        keys.append(world.key(model.pair_e[pair], ranked[taken], model.pair_p[pair]))
        pairs.append(pair)
    key, pair = np.concatenate(keys), np.concatenate(pairs)
    order = np.argsort(key)
    key, pair = key[order], pair[order]
    e, j, p = world.split(key)
    # A pair's exports split over its markets by gravity, with log-normal noise.
    pull = np.sqrt(world.importer_weights[e, j]) * rng.lognormal(0.0, 1.0, len(key))
    value = model.pair_usd[pair] * pull / np.bincount(pair, pull,
                                                      minlength=len(model.pair_e))[pair]
    unit_value = (world.unit_value[p] * rng.lognormal(0.0, 0.4, len(key))).astype(np.float32)
    return _pin_home(world, _State(key, value, unit_value), rescale=True)


def _pin_home(world: World, state: _State, rescale: bool = False) -> _State:
    """The home country's specialisations as its largest flows (added where missing); in the
    first year its other flows are scaled so its exports total its size."""
    if not len(world.spec_keys):
        return state
    present = _is_in(world.spec_keys, state.key)
    if rescale:
        home = (state.key // (world.n_countries * world.n_products)) == world.home
        others = home & ~present
        room = max(world.size_usd[world.home] - world.spec_usd.sum(),
                   0.05 * world.size_usd[world.home])
        if others.any():
            state.value_usd[others] *= room / state.value_usd[others].sum()
        state.value_usd[present] = world.spec_usd[
            np.searchsorted(world.spec_keys, state.key[present])]
    missing = ~_is_in(state.key, world.spec_keys)
    if missing.any():
        _, _, p = world.split(world.spec_keys[missing])
        key = np.concatenate([state.key, world.spec_keys[missing]])
        value = np.concatenate([state.value_usd, world.spec_usd[missing]])
        unit = np.concatenate([state.unit_value, world.unit_value[p].astype(np.float32)])
        order = np.argsort(key, kind="stable")
        state = _State(key[order], value[order], unit[order])
    return state


def _births(world: World, model: _Model, existing: np.ndarray, need: int,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`need` new flows (sorted keys, and their pairs): a market new to a product an
    exporter ships, pairs drawn by their breadth, importers by a flattened gravity."""
    weights = np.cumsum(model.markets)
    found_keys, found_pairs = np.empty(0, np.int64), np.empty(0, np.int64)
    for _ in range(20):
        missing = need - len(found_keys)
        if missing <= 0:
            break
        draws = 2 * missing + 100
        pair = np.minimum(np.searchsorted(weights, rng.random(draws) * weights[-1],
                                          side="right"), len(weights) - 1)
        e = model.pair_e[pair]
        j = np.clip(np.searchsorted(model.entry_cdf, e + rng.random(draws), side="right")
                    - e * world.n_countries, 0, world.n_countries - 1)
        ok = j != e
        key = world.key(e[ok], j[ok], model.pair_p[pair[ok]])
        key, first = np.unique(key, return_index=True)
        fresh = ~_is_in(existing, key) & ~_is_in(found_keys, key)
        found_keys = np.concatenate([found_keys, key[fresh]])
        found_pairs = np.concatenate([found_pairs, pair[ok][first][fresh]])
        order = np.argsort(found_keys)
        found_keys, found_pairs = found_keys[order], found_pairs[order]
    if len(found_keys) > need:
        keep = np.sort(rng.choice(len(found_keys), need, replace=False))
        found_keys, found_pairs = found_keys[keep], found_pairs[keep]
    return found_keys, found_pairs


def _next_year(world: World, model: _Model, state: _State, rows: int,
               rng: np.random.Generator) -> _State:
    """Growth noise (smaller for large flows), deaths (mostly small flows; never the home
    country's specialisations), and births back to `rows`, starting small."""
    relative = state.value_usd / np.median(state.value_usd)
    death = 0.35 / (1.0 + relative**0.4)
    death[_is_in(world.spec_keys, state.key)] = 0.0
    alive = rng.random(len(state.key)) >= death
    sigma = 0.1 + 0.4 / (1.0 + relative[alive] ** 0.3)
    key = state.key[alive]
    value = state.value_usd[alive] * np.exp(rng.normal(0.02, 1.0, len(key)) * sigma)
    unit = state.unit_value[alive] * rng.lognormal(0.02, 0.08, len(key)).astype(np.float32)
    born, pair = _births(world, model, key, max(0, rows - len(key)), rng)
    if len(born):
        _, _, p = world.split(born)
        born_value = model.pair_usd[pair] / model.markets[pair] \
            * rng.lognormal(-1.0, 1.2, len(born))
        born_unit = (world.unit_value[p] * rng.lognormal(0.0, 0.4, len(born))).astype(
            np.float32)
        key = np.concatenate([key, born])
        order = np.argsort(key, kind="stable")
        key = key[order]
        value = np.concatenate([value, born_value])[order]
        unit = np.concatenate([unit, born_unit])[order]
    return _pin_home(world, _State(key, value, unit))


def flows_by_year(world: World, years: list[int], rows: int, seed: int) -> Iterator[YearFlows]:
    """The flows of each year in `years` (consecutive), about `rows` a year, each year
    grown from the one before. Deterministic for a given world, rows and seed."""
    model = _model(world, rows, np.random.default_rng([seed, 1]))
    state: _State | None = None
    for year in years:
        rng = np.random.default_rng([seed, year])
        state = (_first_year(world, model, rng) if state is None
                 else _next_year(world, model, state, rows, rng))
        quantity = state.value_usd / state.unit_value
        quantity[rng.random(len(quantity)) < 0.02] = np.nan  # BACI's NA
        yield YearFlows(year, state.key, state.value_usd, quantity)


# ============================================================================= the archive


README = """BACI-format benchmark archive written by bench.scale (synthetic, fixed seed).
{marker}
Not CEPII data: generated to measure the observatory at BACI's scale.
"""


def _write_year(out: Any, world: World, flows: YearFlows, chunk_rows: int) -> None:
    """A year's CSV as BACI writes it (t,i,j,k,v,q; k a number; v in thousands of USD with
    3 decimals; q in tons or NA), written to `out` one chunk at a time."""
    options = [pacsv.WriteOptions(include_header=first, quoting_style="none")
               for first in (True, False)]
    for start in range(0, len(flows), chunk_rows):
        part = slice(start, start + chunk_rows)
        e, j, p = world.split(flows.key[part])
        value = np.maximum(np.round(flows.value_usd[part] / 1000, 3), 0.001)
        quantity = np.round(flows.quantity_t[part], 3)
        table = pa.table({
            "t": pa.array(np.full(len(value), flows.year, dtype=np.int32)),
            "i": pa.array(world.codes[e]),
            "j": pa.array(world.codes[j]),
            "k": pa.array(world.product_codes[p]),
            "v": pa.array(value),
            "q": pc.fill_null(pc.cast(pa.array(quantity, mask=np.isnan(quantity)),
                                      pa.string()), "NA"),
        })
        sink = pa.BufferOutputStream()
        pacsv.write_csv(table, sink, options[start > 0])
        out.write(sink.getvalue())


def _dictionaries(world: World) -> tuple[str, str]:
    from observatory.reference.countries import build_countries
    from observatory.reference.hs import build_hs_nomenclature

    ref = build_countries().set_index("iso3")
    countries = io.StringIO()
    writer = csv.writer(countries, lineterminator="\n")
    writer.writerow(["country_code", "country_name", "country_iso2", "country_iso3"])
    for code, iso in zip(world.codes, world.iso3, strict=True):
        writer.writerow([code, ref.at[iso, "name_en"], ref.at[iso, "iso2"], iso])
    hs = build_hs_nomenclature()
    names = dict(zip(hs["hs_code"], hs["description"], strict=False))
    products = io.StringIO()
    writer = csv.writer(products, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["code", "description"])
    for code in world.hs6:
        writer.writerow([int(code), names.get(code, f"product {code}")])
    return countries.getvalue(), products.getvalue()


def write_archive(path: Path, world: World, years: list[int], rows: int, seed: int,
                  compression: str = "deflated", chunk_rows: int = 1_000_000) -> list[int]:
    """Write a BACI archive at `path` (through a temporary file); returns the flows of each
    year. Deflated (level 1) as CEPII's archives are, so landing a year decompresses it."""
    from observatory.sources.batches import DEMO_MARKER

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    method = zipfile.ZIP_DEFLATED if compression == "deflated" else zipfile.ZIP_STORED
    counts = []
    with zipfile.ZipFile(tmp, "w", compression=method, compresslevel=1) as zf:
        for flows in flows_by_year(world, years, rows, seed):
            name = f"BACI_HS22_Y{flows.year}_{RELEASE}.csv"
            with zf.open(name, "w", force_zip64=True) as out:
                _write_year(out, world, flows, chunk_rows)
            counts.append(len(flows))
        country_csv, product_csv = _dictionaries(world)
        zf.writestr(f"country_codes_{RELEASE}.csv", country_csv)
        zf.writestr(f"product_codes_HS22_{RELEASE}.csv", product_csv)
        zf.writestr("Readme.txt", README.format(marker=DEMO_MARKER))
    tmp.replace(path)
    return counts


# =============================================================== measuring inside a step


def _reset_peak() -> bool:
    """Reset this process's resident-set high-water mark (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def _peak_gib() -> float:
    """This process's resident-set high-water mark (since the last reset)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / GIB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB


class Stages:
    """Seconds and peak memory of the stages of a step (a stage called several times, such as
    one validation per year, adds its seconds and keeps its largest peak). Each finished
    call is appended to the progress file, so a step that dies still says how far it got."""

    def __init__(self, progress: Path | None) -> None:
        self.progress = progress
        self.figures: dict[str, dict[str, float]] = {}
        self._peak = 0.0
        self._open: list[float] = []

    def process_peak(self) -> float:
        """The process's peak since it started: the high-water mark is read before each
        reset, and a reset also lowers what os.wait4 reports for the process."""
        self._peak = max(self._peak, _peak_gib())
        return self._peak

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.process_peak()
        _reset_peak()
        self._open.append(0.0)  # the largest peak of the stages nested in this one
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        # a nested stage reset the high-water mark: its peak counts for this one too
        peak = max(_peak_gib(), self._open.pop())
        if self._open:
            self._open[-1] = max(self._open[-1], peak)
        self._peak = max(self._peak, peak)
        entry = self.figures.setdefault(name, {"seconds": 0.0, "peak_gib": 0.0, "calls": 0})
        entry["seconds"] += seconds
        entry["peak_gib"] = max(entry["peak_gib"], peak)
        entry["calls"] += 1
        if self.progress is not None:
            with open(self.progress, "a") as fh:
                fh.write(json.dumps({"stage": name, "seconds": round(seconds, 3),
                                     "peak_gib": round(peak, 3)}) + "\n")

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                return fn(*args, **kwargs)
        return timed

    def runner(self, labels: dict[str, str],
               replaced: dict[str, Callable[..., Any]] | None = None) -> Any:
        """The plan's direct runner with the steps of `labels` timed under their label, and
        those of `replaced` swapped for another function (a step run later, elsewhere)."""
        from observatory import plan

        def run(step: str, fn: Callable[..., Any], *args: Any, label: str | None = None) -> Any:
            fn = (replaced or {}).get(step, fn)
            if step in labels:
                with self.stage(labels[step]):
                    return fn(*args)
            return plan.direct(step, fn, *args, label=label)
        return run


class _Deferred(dict):  # type: ignore[type-arg]
    """What run_nightly receives from a step the benchmark runs later, in its own process:
    an empty result in which every key reads as another empty result."""

    def __missing__(self, key: str) -> _Deferred:
        return _Deferred()


# =================================================================================== steps


def step_generate(ctx: dict[str, Any], stages: Stages) -> dict[str, Any]:
    world = make_world(ctx["countries"], ctx["products"], ctx["seed"], ctx["home"],
                       tuple(ctx["include"]))
    with stages.stage("generate"):
        counts = write_archive(Path(ctx["archive"]), world, ctx["archive_years"], ctx["flows"],
                               ctx["seed"], ctx["compression"])
    return {"flows": counts, "bytes": Path(ctx["archive"]).stat().st_size}


def _checkpoint(cfg: Any, *_: Any) -> dict[str, Any]:
    """Stands for publish in the ingest step: the checkpoint the nightly job makes before its
    snapshot (of the ingested data here; the refresh step checkpoints its own)."""
    from observatory.warehouse.session import work_db

    with work_db(cfg) as con:
        con.execute("checkpoint")
    return {"published": False}


def step_ingest(ctx: dict[str, Any], stages: Stages) -> dict[str, Any]:
    """The nightly job up to the merge: `run_nightly` with the marts, study, watch and
    publish split out (they run in the next steps)."""
    from observatory.config import load_config
    from observatory.nightly import run_nightly
    from observatory.stages.prepare import prepare_warehouse

    cfg = load_config(Path(ctx["config"]))
    prepared: dict[str, Any] = {}

    def prepare(*args: Any) -> dict[str, Any]:
        prepared.update(prepare_warehouse(*args))
        return prepared

    runner = stages.runner(
        {"prepare_warehouse": "prepare", "ingest": "ingest", "validate": "validation",
         "merge": "merge", "publish_database": "checkpoint"},
        replaced={"prepare_warehouse": prepare, "build_marts": lambda *_: {},
                  "refresh_study": lambda *_: _Deferred(),
                  "refresh_watch": lambda *_: _Deferred(), "publish_database": _checkpoint})
    started = time.perf_counter()
    summary = run_nightly(cfg, runner=runner, run_id=ctx["run_id"],
                          as_of=date.fromisoformat(ctx["as_of"]))
    whole = time.perf_counter() - started
    loaded = [i for i in summary["inputs"] if i["status"] in ("loaded", "rejected")]
    failed = [v for v in summary["validation"] if not v["passed"]]
    if len(loaded) != len(ctx["study_years"]) or failed:
        raise RuntimeError(f"expected {len(ctx['study_years'])} loaded and valid years: "
                           f"{json.dumps(summary['inputs'])[:500]} "
                           f"{json.dumps(failed)[:500]}")
    return {"rows": sum(i["rows_read"] for i in loaded), "batches": len(loaded),
            "nightly_s": whole, "ref_fingerprint": prepared["ref_fingerprint"]}


def step_refresh(ctx: dict[str, Any], stages: Stages) -> dict[str, Any]:
    """Marts, study and watch on the loaded warehouse, as the nightly job runs them."""
    from observatory.config import load_config
    from observatory.stages import indicators
    from observatory.warehouse import publish
    from observatory.warehouse.session import run_database

    cfg = load_config(Path(ctx["config"]))
    as_of = date.fromisoformat(ctx["as_of"])
    with publish.run_lock(cfg.warehouse.work), run_database(cfg) as con:
        with stages.stage("marts"):
            indicators.build_marts(cfg)
        with stages.stage("study"):
            study = indicators.refresh_study(cfg, ctx["run_id"])
        with stages.stage("watch"):
            watch = indicators.refresh_watch(cfg, ctx["run_id"], as_of)
        with stages.stage("checkpoint"):
            con.execute("checkpoint")
    return {"study_seconds": study["seconds"], "watch_seconds": watch["seconds"],
            "study_notes": study.get("notes", []), "alerts": watch.get("alerts", {}),
            "study_complexity": study.get("complexity", {}),
            "tables": {**study.get("tables", {}), **watch.get("tables", {})}}


def step_publish(ctx: dict[str, Any], stages: Stages) -> dict[str, Any]:
    """The nightly job's publication (ledger, checkpoint, snapshot copy, swap), without the
    reports (not measured here)."""
    from observatory.config import load_config
    from observatory.stages import indicators, publication
    from observatory.warehouse import publish
    from observatory.warehouse.session import run_database

    cfg = load_config(Path(ctx["config"]))
    with publish.run_lock(cfg.warehouse.work), run_database(cfg):
        fingerprint = indicators.publication_fingerprint(cfg, ctx["ref_fingerprint"])
        with stages.stage("publish"):
            publication.publish_database(cfg, ctx["run_id"], fingerprint,
                                         (cfg.report.language,), lambda *_, **__: [])
    return {"published_gib": cfg.warehouse.published.stat().st_size / GIB,
            "work_gib": cfg.warehouse.work.stat().st_size / GIB}


def _landed_csvs(cfg: Any, years: list[int]) -> list[str]:
    files = sorted(str(p) for year in years
                   for p in (cfg.warehouse.raw_dir / "baci").glob(f"*/BACI_*_Y{year}_*.csv"))
    if len(files) != len(years):
        raise RuntimeError(f"expected {len(years)} landed CSV files, found {files}")
    return files


def step_floor_csv(ctx: dict[str, Any], stages: Stages) -> dict[str, Any]:
    """DuckDB's own load of the same files: read_csv into a table of a fresh database, with
    the configured memory limit, threads and spill folder; closed, so checkpointed."""
    import duckdb

    from observatory.config import load_config
    from observatory.warehouse import db

    cfg = load_config(Path(ctx["config"]))
    files = _landed_csvs(cfg, ctx["study_years"])
    path = Path(ctx["dir"]) / "floor.duckdb"
    path.unlink(missing_ok=True)
    with stages.stage("csv load"):
        con = duckdb.connect(str(path))
        db.configure(con, cfg.warehouse)
        con.execute("create table flows as select * from read_csv(?)", [files])
        rows = con.execute("select count(*) from flows").fetchall()[0][0]
        con.close()
    size = path.stat().st_size
    path.unlink()
    return {"rows": rows, "files": len(files), "db_gib": size / GIB,
            "csv_gib": sum(Path(f).stat().st_size for f in files) / GIB}


def step_floor_queries(ctx: dict[str, Any], stages: Stages) -> dict[str, Any]:
    """A plain scan and one group-by on year and product of core.trade_flows (best of 3)."""
    import duckdb

    from observatory.config import load_config
    from observatory.warehouse import db

    cfg = load_config(Path(ctx["config"]))
    con = duckdb.connect(str(cfg.warehouse.work), read_only=True)
    try:
        db.configure(con, cfg.warehouse)
        runs: dict[str, list[float]] = {"scan": [], "group-by": []}
        queries = {
            "scan": "select count(*), sum(value_usd) from core.trade_flows",
            "group-by": "select year, product_code, sum(value_usd) from core.trade_flows "
                        "group by year, product_code",
        }
        out: dict[str, Any] = {}
        for name, sql in queries.items():
            for _ in range(3):
                with stages.stage(name):
                    started = time.perf_counter()
                    result = con.execute(sql).fetchall()
                    runs[name].append(time.perf_counter() - started)
            out[f"{name}_rows"] = result[0][0] if name == "scan" else len(result)
    finally:
        con.close()
    return {**out, "runs": runs, "scan_s": min(runs["scan"]),
            "groupby_s": min(runs["group-by"])}


def _timed_steps(stages: Stages) -> Any:
    """The nightly job's steps, each timed (reports are not rendered: not measured here)."""
    return stages.runner(
        {"ingest": "ingest", "validate": "validation", "merge": "merge",
         "build_marts": "marts", "refresh_study": "study", "refresh_watch": "watch",
         "publish_database": "publish"},
        replaced={"render_reports": lambda *_: []})


def step_quiet_nightly(ctx: dict[str, Any], stages: Stages) -> dict[str, Any]:
    """The whole nightly job again with nothing new (Prefect left out): what a quiet night
    costs beyond Prefect's start-up."""
    from observatory.config import load_config
    from observatory.nightly import run_nightly

    cfg = load_config(Path(ctx["config"]))
    with stages.stage("nightly"):
        summary = run_nightly(cfg, runner=_timed_steps(stages), run_id=ctx["run_id"] + "-q",
                              as_of=date.fromisoformat(ctx["as_of"]))
    return {"published": summary["published"], "reason": summary.get("reason"),
            "statuses": sorted({i["status"] for i in summary["inputs"]})}


def write_republished_year(archive: Path, out: Path, year: int) -> dict[str, Any]:
    """A later release holding one year of `archive` again, with its first flow's value
    revised (+10 %), and the release's dictionaries: what CEPII's yearly releases do to
    past years."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(
            out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as dest:
        member = next(n for n in source.namelist() if re.search(rf"_Y{year}_", n))
        renamed = member.replace(RELEASE, REPUBLISHED)
        with source.open(member) as src, dest.open(renamed, "w", force_zip64=True) as target:
            header = src.readline()
            first = src.readline().decode().rstrip("\n").split(",")
            first[4] = f"{float(first[4]) * 1.1:.3f}"
            target.write(header + (",".join(first) + "\n").encode())
            shutil.copyfileobj(src, target, 1 << 20)
        for name in source.namelist():
            if not re.search(r"_Y\d{4}_", name):  # the dictionaries and readme
                dest.writestr(name.replace(RELEASE, REPUBLISHED), source.read(name))
    return {"member": renamed}


def step_republished_year(ctx: dict[str, Any], stages: Stages) -> dict[str, Any]:
    """A nightly run in which the last year is republished in a later release: that year is
    ingested, validated and merged again, and the refresh recomputes what depends on it."""
    from observatory.config import load_config
    from observatory.nightly import run_nightly

    folder = Path(ctx["dir"])
    base = Path(ctx["config"])
    extra = folder / f"BACI_HS22_{REPUBLISHED}.zip"
    with stages.stage("write the republished year"):
        written = write_republished_year(Path(ctx["archive"]), extra, ctx["study_years"][-1])
    config = folder / "observatory.republished.toml"
    config.write_text(edit_config(base.read_text(encoding="utf-8"), {
        ("sources.baci", "paths"): [ctx["archive"], str(extra)]}, drop=""), encoding="utf-8")
    cfg = load_config(config)
    with stages.stage("nightly"):
        summary = run_nightly(cfg, runner=_timed_steps(stages), run_id=ctx["run_id"] + "-r",
                              as_of=date.fromisoformat(ctx["as_of"]))
    extra.unlink(missing_ok=True)
    loaded = [i for i in summary["inputs"] if i["status"] == "loaded"]
    if len(loaded) != 1 or not summary["published"]:
        raise RuntimeError(f"expected one republished year: {json.dumps(summary['inputs'])[:500]}")
    return {"member": written["member"], "study_notes": summary["study"].get("notes", []),
            "study_seconds": summary["study"].get("seconds", {}),
            "study_complexity": summary["study"].get("complexity", {})}


STEPS: dict[str, Callable[[dict[str, Any], Stages], dict[str, Any]]] = {
    "generate": step_generate, "ingest": step_ingest, "refresh": step_refresh,
    "publish": step_publish, "floor_csv": step_floor_csv, "floor_queries": step_floor_queries,
    "quiet_nightly": step_quiet_nightly, "republished_year": step_republished_year,
}


# ================================================================================ runners


@dataclass
class StepResult:
    name: str
    ok: bool
    wall_s: float
    peak_gib: float  # the child process's peak (in process: the step's own high-water mark)
    figures: dict[str, Any] = field(default_factory=dict)
    stages: dict[str, dict[str, float]] = field(default_factory=dict)
    error: str | None = None
    progress: list[dict[str, Any]] = field(default_factory=list)
    load: float = 0.0  # the machine's 1-minute load average when the step started


def _child_main(name: str, context: Path) -> None:
    ctx = json.loads(context.read_text())
    stages = Stages(Path(ctx["progress"]))
    figures = STEPS[name](ctx, stages)
    Path(ctx["result"]).write_text(json.dumps(
        {"figures": figures, "stages": stages.figures, "peak_gib": stages.process_peak()},
        default=str))


def run_step(name: str, ctx: dict[str, Any], logs: Path, *, in_process: bool,
             timeout: float) -> StepResult:
    """Run one step in a child process of its own (its peak is os.wait4's ru_maxrss), or in
    this process (tests: the peak is the step's high-water mark, reset at its start)."""
    logs.mkdir(parents=True, exist_ok=True)
    ctx = {**ctx, "progress": str(logs / f"{name}.progress.jsonl"),
           "result": str(logs / f"{name}.result.json")}
    for key in ("progress", "result"):
        Path(ctx[key]).unlink(missing_ok=True)
    started = time.perf_counter()
    if in_process:
        stages = Stages(Path(ctx["progress"]))
        _reset_peak()
        try:
            figures = STEPS[name](ctx, stages)
        except Exception as exc:  # noqa: BLE001 - the report says which step failed and why
            return StepResult(name, False, time.perf_counter() - started,
                              stages.process_peak(), error=f"{type(exc).__name__}: {exc}",
                              progress=_progress(ctx))
        return StepResult(name, True, time.perf_counter() - started, stages.process_peak(),
                          figures, stages.figures)
    context = logs / f"{name}.context.json"
    context.write_text(json.dumps(ctx))
    log = logs / f"{name}.log"
    with open(log, "w") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.scale", "--child", name, "--context", str(context)],
            cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    timed_out = False
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - started > timeout:
            child.kill()  # our own child, by its id
            pid, status, usage = os.wait4(child.pid, 0)
            timed_out = True
            break
        time.sleep(0.2)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    peak = usage.ru_maxrss * 1024 / GIB  # KiB on Linux
    progress = _progress(ctx)
    peak = max([peak] + [p["peak_gib"] for p in progress])
    result = Path(ctx["result"])
    if child.returncode == 0 and result.is_file():
        data = json.loads(result.read_text())
        return StepResult(name, True, wall, max(peak, data["peak_gib"]), data["figures"],
                          data["stages"])
    if timed_out:
        error = f"stopped after {timeout:.0f} s (--step-timeout)"
    elif child.returncode < 0:
        error = f"killed by signal {-child.returncode}" + (
            " (out of memory?)" if child.returncode == -9 else "")
    else:
        tail = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
        error = tail[-1] if tail else f"exit code {child.returncode}"
    return StepResult(name, False, wall, peak, error=error, progress=progress)


def _progress(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    path = Path(ctx["progress"])
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# ========================================================================== configuration


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value) if isinstance(value, str) else str(value)


def edit_config(text: str, values: dict[tuple[str, str], Any], drop: str) -> str:
    """`text` (TOML) with the given (section, key) values replaced (a multi-line list
    included) and the sections `drop` and `drop.*` removed; comments kept."""
    out: list[str] = []
    section, skipping, depth = "", False, 0
    done: set[tuple[str, str]] = set()
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if depth > 0:  # continuation of a replaced multi-line value
            depth += stripped.count("[") - stripped.count("]")
            continue
        header = re.fullmatch(r"\[([^\[\]]+)\]", stripped)
        if header:
            section = header.group(1).strip()
            skipping = section == drop or section.startswith(drop + ".")
        if skipping:
            continue
        assignment = re.match(r"([A-Za-z_][\w-]*)\s*=", stripped)
        if assignment and (section, assignment.group(1)) in values:
            key = assignment.group(1)
            out.append(f"{key} = {_toml_value(values[(section, key)])}\n")
            done.add((section, key))
            depth = stripped.count("[") - stripped.count("]")
            continue
        out.append(line)
    missing = set(values) - done
    if missing:
        raise ValueError(f"not in the configuration: {sorted(missing)}")
    return "".join(out)


def write_run_config(base: Path, folder: Path, archive: Path, years: list[int]) -> Path:
    """The base configuration with the study on `years`, BACI read from `archive`, the other
    sources off or empty and no feeds; every other path relative to `folder`."""
    text = edit_config(base.read_text(encoding="utf-8"), {
        ("study", "first_year"): years[0], ("study", "last_year"): years[-1],
        ("sources.baci", "enabled"): True, ("sources.baci", "paths"): [str(archive)],
        ("sources.comtrade", "enabled"): False,
        ("sources.eping", "enabled"): False, ("sources.eping", "files"): [],
        ("sources.rasff", "paths"): [],
        ("sources.tariffs", "paths"): [], ("sources.tariffs", "wits_enabled"): False,
    }, drop="feeds")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "observatory.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ================================================================================== machine


def describe_machine(cfg: Any) -> dict[str, str]:
    import duckdb

    model = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh
                          if ln.startswith("model name")), model)
    except OSError:
        pass
    ram = "unknown"
    try:
        with open("/proc/meminfo") as fh:
            kib = next(int(ln.split()[1]) for ln in fh if ln.startswith("MemTotal:"))
        ram = f"{kib * 1024 / GIB:.1f} GiB"
    except (OSError, StopIteration):
        pass
    system = platform.platform()
    try:
        release = dict(ln.rstrip("\n").split("=", 1) for ln in open("/etc/os-release")
                       if "=" in ln)
        system = f"{release.get('PRETTY_NAME', '').strip(chr(34))} ({system})"
    except OSError:
        pass
    return {
        "CPU": f"{os.cpu_count()} × {model}",
        "RAM": ram,
        "OS": system,
        "Python": platform.python_version(),
        "DuckDB": duckdb.__version__,
        "DuckDB settings ([warehouse])": (
            f"memory_limit = {cfg.warehouse.memory_limit}, threads = {cfg.warehouse.threads},"
            f" temp_directory = {cfg.raw['warehouse']['temp_directory']} (in each run's "
            "folder)"),
        "load average at start": " / ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


def code_version() -> str:
    """The commit measured, and the files changed since (the benchmark's own output aside)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = [line[3:] for line in git("status", "--porcelain").splitlines()
               if not line.endswith("BENCHMARKS.md")]
    if not changed:
        return f"git {commit}, no uncommitted changes"
    shown = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8
                                      else "")
    return f"git {commit} with uncommitted changes in {shown}"


# ================================================================================ the run


@dataclass
class YearsResult:
    n: int
    years: list[int]
    steps: dict[str, StepResult] = field(default_factory=dict)


ORDER = ("ingest", "refresh", "publish", "floor_csv", "floor_queries", "quiet_nightly",
         "republished_year")
NEEDS = {"ingest": (), "refresh": ("ingest",), "publish": ("ingest", "refresh"),
         "floor_csv": ("ingest",), "floor_queries": ("ingest",),
         "quiet_nightly": ("publish",), "republished_year": ("publish",)}


def run_years(n: int, args: argparse.Namespace, archive: Path, log: Callable[[str], None]
              ) -> YearsResult:
    from observatory.nightly import new_run_id

    years = list(range(args.last_year - n + 1, args.last_year + 1))
    folder = args.workdir / f"N{n}y"
    shutil.rmtree(folder, ignore_errors=True)
    config = write_run_config(args.config, folder, archive, years)
    ctx: dict[str, Any] = {"config": str(config), "dir": str(folder), "study_years": years,
                           "archive": str(archive),
                           "run_id": new_run_id(),
                           "as_of": datetime.now(UTC).date().isoformat()}
    result = YearsResult(n, years)
    for name in ORDER:
        missing = [d for d in NEEDS[name] if not (d in result.steps and result.steps[d].ok)]
        if missing:
            log(f"  {name}: not run ({', '.join(missing)} did not complete)")
            continue
        if name == "publish":
            ctx["ref_fingerprint"] = result.steps["ingest"].figures["ref_fingerprint"]
        load = os.getloadavg()[0]
        step = run_step(name, ctx, folder / "logs", in_process=args.in_process,
                        timeout=args.step_timeout)
        step.load = load
        result.steps[name] = step
        state = "ok" if step.ok else f"FAILED: {step.error}"
        log(f"  {name}: {step.wall_s:.1f} s, peak {step.peak_gib:.2f} GiB, {state}")
    if not args.keep:  # the warehouse, landed files and published copy: GiBs at full scale
        shutil.rmtree(folder / "data", ignore_errors=True)
    return result


def ensure_archive(args: argparse.Namespace, home: str, include: tuple[str, ...],
                   log: Callable[[str], None]) -> tuple[Path, dict[str, Any]]:
    """The cached archive when it was written with the same parameters, else a new one."""
    n_years = max(args.years)
    params = {"generator": GENERATOR, "countries": args.countries, "products": args.products,
              "flows": args.flows, "seed": args.seed, "home": home, "include": list(include),
              "archive_years": list(range(args.last_year - n_years + 1, args.last_year + 1)),
              "compression": args.compression}
    folder = args.workdir / "archive"
    archive = folder / f"BACI_HS22_{RELEASE}.zip"
    meta_path = folder / "archive.json"
    if archive.is_file() and meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta.get("params") == params:
            log(f"archive: reusing {archive} ({meta['bytes'] / GIB:.2f} GiB)")
            return archive, meta
    meta_path.unlink(missing_ok=True)
    log(f"archive: writing {len(params['archive_years'])} year(s) of about "
        f"{args.flows:,} flows to {archive} ...")
    step = run_step("generate", {**params, "archive": str(archive)}, folder / "logs",
                    in_process=args.in_process, timeout=args.step_timeout)
    if not step.ok:
        raise SystemExit(f"archive generation failed: {step.error}")
    meta = {"params": params, **step.figures, "seconds": step.wall_s,
            "peak_gib": step.peak_gib}
    meta_path.write_text(json.dumps(meta, indent=1))
    log(f"archive: {sum(meta['flows']):,} flows, {meta['bytes'] / GIB:.2f} GiB, written in "
        f"{step.wall_s:.0f} s (peak {step.peak_gib:.2f} GiB)")
    return archive, meta


# ================================================================================ figures


@dataclass
class Row:
    label: str
    seconds: float | None
    peak_gib: float | None
    ratio: str = ""
    note: str = ""


def _stage(step: StepResult | None, name: str) -> dict[str, float] | None:
    return step.stages.get(name) if step and step.ok else None


def _sum(*stages: dict[str, float] | None) -> tuple[float | None, float | None]:
    if any(s is None for s in stages):
        return None, None
    return (sum(s["seconds"] for s in stages if s),
            max(s["peak_gib"] for s in stages if s))


def _ratio(seconds: float | None, floor: float | None, name: str) -> str:
    if seconds is None or not floor:
        return ""
    return f"{seconds / floor:.1f} × {name}"


def floors(result: YearsResult) -> tuple[float | None, float | None, float | None]:
    csv_step, queries = result.steps.get("floor_csv"), result.steps.get("floor_queries")
    csv_s = _stage(csv_step, "csv load")
    return (csv_s["seconds"] if csv_s else None,
            queries.figures["scan_s"] if queries and queries.ok else None,
            queries.figures["groupby_s"] if queries and queries.ok else None)


def headline(result: YearsResult) -> dict[str, float | None]:
    """The figures the targets are about."""
    ingest, refresh = result.steps.get("ingest"), result.steps.get("refresh")
    csv_s, _, groupby_s = floors(result)
    iv_s, iv_peak = _sum(_stage(ingest, "ingest"), _stage(ingest, "validation"))
    ref_s, _ = _sum(_stage(refresh, "marts"), _stage(refresh, "study"), _stage(refresh, "watch"))
    nightly = [result.steps[s] for s in ("ingest", "refresh", "publish", "quiet_nightly",
                                                 "republished_year") if s in result.steps]
    return {
        "rows": ingest.figures["rows"] if ingest and ingest.ok else None,
        "ingest_validation_s": iv_s, "ingest_validation_peak": iv_peak,
        "ingest_ratio": iv_s / csv_s if iv_s is not None and csv_s else None,
        "merge_s": (_stage(ingest, "merge") or {}).get("seconds"),
        "refresh_s": ref_s,
        "refresh_peak": refresh.peak_gib if refresh and refresh.ok else None,
        "refresh_ratio": ref_s / groupby_s if ref_s is not None and groupby_s else None,
        "publish_s": (_stage(result.steps.get("publish"), "publish") or {}).get("seconds"),
        "max_peak": max((s.peak_gib for s in nightly), default=None),
        "quiet_s": (_stage(result.steps.get("quiet_nightly"), "nightly") or {}).get("seconds"),
        "republished_s": (_stage(result.steps.get("republished_year"), "nightly")
                          or {}).get("seconds"),
        "complete": float(all(s.ok for s in result.steps.values())
                          and len(result.steps) == len(ORDER)),
    }


def rows_for(result: YearsResult) -> list[Row]:
    ingest, refresh = result.steps.get("ingest"), result.steps.get("refresh")
    publish, csv_step = result.steps.get("publish"), result.steps.get("floor_csv")
    queries = result.steps.get("floor_queries")
    csv_s, scan_s, groupby_s = floors(result)
    rows: list[Row] = []

    def add(label: str, stage: dict[str, float] | None, floor: float | None = None,
            floor_name: str = "", note: str = "") -> None:
        seconds = stage["seconds"] if stage else None
        rows.append(Row(label, seconds, stage["peak_gib"] if stage else None,
                        _ratio(seconds, floor, floor_name), note))

    add("ingest: land + raw load (ingest_baci_archive)", _stage(ingest, "ingest"), csv_s,
        "CSV load")
    add("validation (validate_baci_batch)", _stage(ingest, "validation"), csv_s, "CSV load")
    iv_s, iv_peak = _sum(_stage(ingest, "ingest"), _stage(ingest, "validation"))
    rows.append(Row("**ingest + validation**", iv_s, iv_peak, _ratio(iv_s, csv_s, "CSV load")))
    add("merge into core (merge_baci_batch)", _stage(ingest, "merge"), csv_s, "CSV load")
    add("checkpoint of the ingested data", _stage(ingest, "checkpoint"))
    if ingest and ingest.ok:
        whole = ingest.figures["nightly_s"]
        rows.append(Row("**nightly up to the merge** (run_nightly: prepare, GX, bookkeeping "
                        "too)", whole, ingest.peak_gib, _ratio(whole, csv_s, "CSV load"),
                        "peak: the whole child"))
    add("marts (build_marts)", _stage(refresh, "marts"), groupby_s, "group-by")
    add("study refresh (refresh_study)", _stage(refresh, "study"), groupby_s, "group-by")
    add("watch refresh (refresh_watch)", _stage(refresh, "watch"), groupby_s, "group-by")
    ref_s, _ = _sum(_stage(refresh, "marts"), _stage(refresh, "study"), _stage(refresh, "watch"))
    rows.append(Row("**study + watch refresh (marts + study + watch)**", ref_s,
                    refresh.peak_gib if refresh and refresh.ok else None,
                    _ratio(ref_s, groupby_s, "group-by"), "peak: the whole child"))
    add("checkpoint of the refreshed marts", _stage(refresh, "checkpoint"))
    add("publish (checkpoint, snapshot copy, swap)", _stage(publish, "publish"))
    add("floor: DuckDB read_csv → table, closed", _stage(csv_step, "csv load"), csv_s,
        "CSV load")
    for label, seconds, name in (("floor: scan, count(*) + sum(value_usd)", scan_s, "scan"),
                                 ("floor: group-by year, product", groupby_s, "group-by")):
        stage = _stage(queries, name)
        rows.append(Row(label, seconds, stage["peak_gib"] if stage else None,
                        _ratio(seconds, groupby_s, "group-by") if name == "group-by" else "",
                        "best of 3"))
    quiet = result.steps.get("quiet_nightly")
    add("**nothing new: the whole nightly job** (run_nightly; Prefect's start-up not "
        "included)", _stage(quiet, "nightly"),
        note=(f"published: {quiet.figures['published']} ({quiet.figures['reason']})"
              if quiet and quiet.ok else ""))
    again = result.steps.get("republished_year")
    if again and again.ok:
        add("**one year republished: the whole nightly job** (run_nightly)",
            _stage(again, "nightly"), note=f"{again.figures['member']} revised")
        for stage in ("ingest", "validation", "merge", "marts", "study", "watch", "publish"):
            add(f"  of which {stage}", _stage(again, stage))
    for name, step in result.steps.items():
        if not step.ok:
            done = ", ".join(f"{p['stage']} {p['seconds']:.1f} s" for p in step.progress)
            rows.append(Row(f"**{name} FAILED**", step.wall_s, step.peak_gib, "",
                            f"{step.error}; finished before: {done or 'nothing'}"))
    return rows


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def years_table(result: YearsResult) -> str:
    lines = ["| step | seconds | peak RSS GiB | ratio to floor | note |",
             "|---|---:|---:|---:|---|"]
    for row in rows_for(result):
        lines.append(f"| {row.label} | {_num(row.seconds)} | {_num(row.peak_gib)} | "
                     f"{row.ratio} | {row.note} |")
    return "\n".join(lines)


def step_details(result: YearsResult) -> list[str]:
    out = []
    refresh = result.steps.get("refresh")
    if refresh and refresh.ok:
        for name in ("study_seconds", "watch_seconds"):
            seconds = refresh.figures.get(name, {})
            ranked = sorted(seconds.items(), key=lambda kv: -kv[1])
            out.append(f"- {name.split('_')[0]} steps (s): "
                       + ", ".join(f"{k} {v:.2f}" for k, v in ranked))
        if refresh.figures.get("study_notes"):
            out.append("- study notes: " + "; ".join(refresh.figures["study_notes"]))
    again = result.steps.get("republished_year")
    if again and again.ok:
        seconds = again.figures.get("study_seconds", {})
        out.append("- one year republished, study steps (s): " + ", ".join(
            f"{k} {v:.2f}" for k, v in sorted(seconds.items(), key=lambda kv: -kv[1])))
        if again.figures.get("study_complexity"):
            out.append("- one year republished, complexity marts: "
                       + _complexity_line(again.figures["study_complexity"]))
        if again.figures.get("study_notes"):
            out.append("- one year republished, study notes: "
                       + "; ".join(again.figures["study_notes"]))
    ingest = result.steps.get("ingest")
    if ingest and ingest.ok:
        calls = ingest.stages.get("validation", {}).get("calls", 0)
        out.append(f"- {ingest.figures['rows']:,} flows in {ingest.figures['batches']} "
                   f"yearly batch(es); validation and merge ran {calls:.0f} time(s), once a "
                   "year")
    queries = result.steps.get("floor_queries")
    if queries and queries.ok:
        runs = queries.figures["runs"]
        out.append("- floor query runs (s): scan " + ", ".join(f"{v:.2f}" for v in runs["scan"])
                   + "; group-by " + ", ".join(f"{v:.2f}" for v in runs["group-by"])
                   + f" ({queries.figures['group-by_rows']:,} groups)")
    csv_step = result.steps.get("floor_csv")
    if csv_step and csv_step.ok:
        f = csv_step.figures
        out.append(f"- CSV floor: {f['files']} file(s), {f['csv_gib']:.2f} GiB of CSV, "
                   f"{f['rows']:,} rows, database {f['db_gib']:.2f} GiB")
    publish = result.steps.get("publish")
    if publish and publish.ok:
        out.append(f"- published database {publish.figures['published_gib']:.2f} GiB")
    out.append("- machine load (1-minute average) when each step started: "
               + ", ".join(f"{name} {step.load:.2f}" for name, step in result.steps.items())
               + " (other processes on the machine slow every figure down)")
    return out


def _complexity_line(done: dict[str, Any]) -> str:
    """Which (level, years) the complexity marts recomputed and reused."""
    def years(pairs: dict[str, list[int]]) -> str:
        return "; ".join(f"{level} {', '.join(map(str, ys))}" for level, ys in pairs.items()
                         if ys) or "none"
    return (f"recomputed {years(done.get('recomputed', {}))}; reused "
            f"{years(done.get('reused', {}))}; fingerprints "
            f"{done.get('fingerprint_seconds', 0):.2f} s")


def summary_table(results: list[YearsResult]) -> str:
    lines = ["| years | flows | ingest + validation s | × CSV load | merge s | "
             "study + watch s | × group-by | refresh peak GiB | publish s | "
             "largest step peak GiB | nothing new s | one year republished s |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        h = headline(r)
        flows = f"{h['rows']:,.0f}" if h["rows"] is not None else "n/a"
        lines.append(
            f"| {r.n} | {flows} | {_num(h['ingest_validation_s'], 1)} | "
            f"{_num(h['ingest_ratio'], 1)} | {_num(h['merge_s'], 1)} | "
            f"{_num(h['refresh_s'], 1)} | {_num(h['refresh_ratio'], 1)} | "
            f"{_num(h['refresh_peak'])} | {_num(h['publish_s'], 1)} | {_num(h['max_peak'])} | "
            f"{_num(h['quiet_s'], 1)} | {_num(h['republished_s'], 1)} |")
    return "\n".join(lines)


def _verdict(value: float | None, limit: float, unit: str, missing: str) -> tuple[str, str]:
    if value is None:
        return "n/a", missing
    digits = 2 if unit == " GiB" else 1
    shown = f"{value:.{digits}f}{unit}"
    if value <= limit:
        return shown, "**met**"
    return shown, (f"**missed** by {value - limit:.{digits}f}{unit} "
                   f"({(value / limit - 1) * 100:.0f} % over the target)")


def targets_table(results: list[YearsResult]) -> str:
    by_n = {r.n: r for r in results}

    def figure(n: int, key: str) -> tuple[float | None, str]:
        if n not in by_n:
            return None, f"not run (add --years {n})"
        value = headline(by_n[n])[key]
        failed = [s for s in by_n[n].steps.values() if not s.ok]
        return value, (f"not measured: {failed[0].name} failed ({failed[0].error})"
                       if failed else "not measured")

    lines = ["| target | measured | verdict |", "|---|---:|---|"]

    def add(label: str, value: float | None, limit: float, unit: str, why: str) -> None:
        shown, verdict = _verdict(value, limit, unit, why)
        lines.append(f"| {label} | {shown} | {verdict} |")

    value, why = figure(10, "refresh_s")
    add("10 years: study + watch refresh ≤ 60 s", value, TARGET_REFRESH_S, " s", why)
    value, why = figure(10, "refresh_peak")
    add("10 years: study + watch peak memory ≤ 4 GiB", value, TARGET_REFRESH_GIB, " GiB", why)
    value, why = figure(20, "max_peak")
    if value is not None and not headline(by_n[20])["complete"]:
        value, why = None, why.replace("not measured", "did not complete")
    add("20 years: completes, every step within 8 GiB", value, TARGET_20Y_GIB, " GiB", why)
    value, why = figure(1, "ingest_ratio")
    add("1 year: ingest + validation ≤ 3 × DuckDB's CSV → table load", value,
        TARGET_INGEST_RATIO, "×", why)
    largest = max(by_n, default=None)
    if largest is not None:
        value, why = figure(largest, "quiet_s")
        add(f"{largest} years, nothing new: nightly ≤ 5 s beyond Prefect's start-up", value,
            TARGET_QUIET_S, " s", why)
    return "\n".join(lines)


def markdown(command: str, started: datetime, machine: dict[str, str], archive: dict[str, Any],
             results: list[YearsResult], total_s: float, in_process: bool = False) -> str:
    p = archive["params"]
    flows = archive["flows"]
    how = ("Every step ran in this one process (--in-process): peaks are the process's "
           "high-water mark reset at each step's start, rough." if in_process else
           "Each step of each run ran in its own child process: its peak is that process's "
           "peak resident set (os.wait4), interpreter and imports included; a stage's peak "
           "inside a step is the process's high-water mark reset at the stage's start.")
    parts = [
        "# Benchmarks",
        "",
        f"Written by `bench.scale` (issue 7). {how} Ratios: ingest rows against DuckDB's own "
        "`read_csv` → table load of the same landed CSV files (closed, so checkpointed); "
        "refresh rows against one group-by on year and product of `core.trade_flows`.",
        "",
        f"- Command: `{command}`",
        f"- Date: {started.strftime('%Y-%m-%d %H:%M')} UTC; whole run {total_s / 60:.1f} min",
        *[f"- {key}: {value}" for key, value in machine.items()],
        f"- Data: a generated BACI-format archive, {p['countries']} countries × "
        f"{p['products']:,} HS6, home {p['home']}, seed {p['seed']}, years "
        f"{p['archive_years'][0]}–{p['archive_years'][-1]}, {min(flows):,}–{max(flows):,} "
        f"flows a year, {archive['bytes'] / GIB:.2f} GiB ({p['compression']}); written in "
        f"{archive['seconds']:.0f} s, peak {archive['peak_gib']:.2f} GiB (or reused from the "
        "cache). Each N reads the last N years of it.",
        "",
        "## Targets",
        "",
        targets_table(results),
        "",
        "## Summary across N",
        "",
        summary_table(results),
    ]
    for r in results:
        parts += ["", f"## {r.n} year{'s' if r.n > 1 else ''} ({r.years[0]}–{r.years[-1]})",
                  "", years_table(r), "", *step_details(r)]
    return "\n".join(parts) + "\n"


def _command(argv: list[str]) -> str:
    python = Path(sys.executable)
    shown = (".venv/bin/python" if (REPO / ".venv") in python.parents
             or python.parent.parent == REPO / ".venv" else "python")
    return f"{shown} -m bench.scale " + " ".join(shlex.quote(a) for a in argv)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scale",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, nargs="+", action="extend",
                        help="numbers of years to run (default: 1 5 10); repeatable")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/obs-bench-scale"))
    parser.add_argument("--write-benchmarks", type=Path, metavar="PATH")
    parser.add_argument("--countries", type=int, default=225)
    parser.add_argument("--products", type=int, default=5300)
    parser.add_argument("--flows", type=int, default=0,
                        help="flows a year (default: 10 million scaled to the universe)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--last-year", type=int, default=LAST_YEAR)
    parser.add_argument("--config", type=Path, default=REPO / "observatory.toml",
                        help="the configuration each run's is derived from")
    parser.add_argument("--compression", choices=("deflated", "stored"), default="deflated")
    parser.add_argument("--step-timeout", type=float, default=3600.0,
                        help="seconds after which a step's process is stopped")
    parser.add_argument("--keep", action="store_true", help="keep each run's warehouse")
    parser.add_argument("--in-process", action="store_true",
                        help="run every step in this process (tests; peaks are then rough)")
    parser.add_argument("--child", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--context", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.years = sorted(set(args.years or [1, 5, 10]))
    if min(args.years) < 1 or args.countries < 3 or args.products < 2:
        parser.error("need --years >= 1, --countries >= 3 and --products >= 2")
    args.flows = args.flows or scaled_flows(args.countries, args.products)
    args.workdir = args.workdir.resolve()
    if args.workdir == REPO:
        parser.error("--workdir must not be the repository")
    return args


def main(argv: list[str] | None = None) -> list[YearsResult]:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.child:
        _child_main(args.child, args.context)
        return []
    from observatory.config import load_config

    def log(line: str) -> None:
        print(line, flush=True)

    started, clock = datetime.now(UTC), time.perf_counter()
    args.workdir.mkdir(parents=True, exist_ok=True)
    home, include = study_countries(args.config)
    machine = {"code": code_version(), **describe_machine(load_config(args.config))}
    for key, value in machine.items():
        log(f"{key}: {value}")
    archive, meta = ensure_archive(args, home, include, log)
    results = []
    for n in args.years:
        log(f"{n} year(s):")
        results.append(run_years(n, args, archive, log))
    machine["load average at end"] = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    if code_version() != machine["code"]:
        machine["code"] += f"; at the end: {code_version()} (the code changed during the run)"
    text = markdown(_command(argv), started, machine, meta, results,
                    time.perf_counter() - clock, args.in_process)
    print("\n" + text, flush=True)
    if args.write_benchmarks:
        # Sections other benchmarks write (bench.comext) follow a marker and are kept.
        if args.write_benchmarks.exists():
            previous = args.write_benchmarks.read_text(encoding="utf-8")
            if OTHER_BENCHMARKS in previous:
                text = text.rstrip("\n") + "\n\n" + previous[previous.index(OTHER_BENCHMARKS):]
        args.write_benchmarks.write_text(text, encoding="utf-8")
        log(f"written: {args.write_benchmarks}")
    return results


if __name__ == "__main__":
    main()
