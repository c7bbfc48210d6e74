"""Benchmark: the study's complexity step and marts at BACI scale, and the whole refresh.

    .venv/bin/python -m bench.study [--countries 225] [--products 5300] [--years 1]
                                    [--flows N] [--workdir /tmp/obs-bench-study] [--seed 7]

Generates BACI-shaped bilateral flows with bench.scale's generator (exporters' scopes and
markets growing with their size, gravity, heavy-tailed values, each year grown from the one
before, the home country's real specialisations; about 10 million a year at full scale),
loads them into a warehouse built as the nightly job builds it (every SQL layer, the
reference tables, the staging views; flows in core.trade_flows), then times, each with its
peak resident memory (absolute, and its increase over the RSS just before the step):

- the complexity step: `complexity` on one year's exporter x HS6 exports (target <= 3 s
  and <= 1 GiB);
- the complexity marts: `build_complexity_marts` from the warehouse, HS4 and HS6, every year;
- the study refresh (`observatory.study.refresh.refresh_study`), when it exists.

Peaks: on Linux the process's RSS high-water mark is reset before each step
(/proc/self/clear_refs), so getrusage's ru_maxrss is the step's own peak; elsewhere it is
the process's peak so far (an upper bound). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from bench.scale import World, flows_by_year, make_world, scaled_flows, study_countries

REPO = Path(__file__).resolve().parents[1]
LAST_YEAR = 2024
TARGET_SECONDS = 3.0
TARGET_MIB = 1024.0


# --- memory ---------------------------------------------------------------------------------


def _rss_mib() -> float:
    """The current resident set (Linux), else the peak so far."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return _peak_mib()


def _peak_mib() -> float:
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # resets the RSS high-water mark (Linux >= 4.0)
        return True
    except OSError:
        return False


@dataclass
class Step:
    name: str
    seconds: float = 0.0
    peak_mib: float = 0.0
    baseline_mib: float = 0.0
    exact_peak: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def increase_mib(self) -> float:
        return self.peak_mib - self.baseline_mib


@contextmanager
def measured(name: str) -> Iterator[Step]:
    gc.collect()
    step = Step(name, baseline_mib=_rss_mib(), exact_peak=_reset_peak())
    start = time.perf_counter()
    yield step
    step.seconds = time.perf_counter() - start
    step.peak_mib = _peak_mib()


# --- flows ----------------------------------------------------------------------------------


def generate_flows(world: World, years: list[int], rows: int, seed: int) -> Iterator[pa.Table]:
    """One Arrow table a year (year, exporter_iso3, importer_iso3, product_code, value_usd;
    codes dictionary-encoded), about `rows` flows each, from bench.scale's generator."""
    iso3, hs6 = pa.array(world.iso3), pa.array(world.hs6)
    for flows in flows_by_year(world, years, rows, seed):
        e, j, p = world.split(flows.key)
        yield pa.table({
            "year": pa.array([flows.year] * len(flows), type=pa.int32()),
            "exporter_iso3": pa.DictionaryArray.from_arrays(pa.array(e.astype("int16")), iso3),
            "importer_iso3": pa.DictionaryArray.from_arrays(pa.array(j.astype("int16")), iso3),
            "product_code": pa.DictionaryArray.from_arrays(pa.array(p.astype("int16")), hs6),
            "value_usd": pa.array(flows.value_usd),
        })


# --- warehouse ------------------------------------------------------------------------------


def _config(workdir: Path, years: list[int], home: str) -> Any:
    """The committed configuration, every path in `workdir`; the study spans the generated
    years (at least two: the configuration's CMS needs a base and an end year)."""
    from observatory.config import load_config
    from tests.conftest import write_config

    first = min(years[0], years[-1] - 1)
    return load_config(write_config(workdir, home=home, first_year=first, last_year=years[-1]))


def build_warehouse(cfg: Any, world: World, years: list[int], rows: int, seed: int) -> int:
    """Create the working database and load the flows; returns the number of flows."""
    from datetime import UTC, datetime

    from observatory import plan
    from observatory.parameters import write_run_parameters
    from observatory.warehouse import db, sql_runner
    from observatory.warehouse.reference_loader import load_reference

    cfg.warehouse.work.unlink(missing_ok=True)
    con = db.open_work(cfg.warehouse)
    try:
        sql_runner.apply_layers(con, plan.TABLE_LAYERS)
        load_reference(con)
        sql_runner.apply_layers(con, plan.VIEW_LAYERS)
        now = datetime.now(UTC)
        write_run_parameters(con, cfg, "bench", now.date(), now.replace(tzinfo=None))
        total = 0
        for table in generate_flows(world, years, rows, seed):
            con.register("_bench_flows", table)
            con.execute(
                "insert into core.trade_flows by name select 'baci' as source, "
                "'BENCH' as release, 'bench' as batch_id, 'reconciled' as reported_by, "
                "? as classification, 6 as hs_level, product_code::varchar as product_code, "
                "'A' as freq, year, null as month, exporter_iso3::varchar as exporter_iso3, "
                "importer_iso3::varchar as importer_iso3, value_usd, null as quantity_t "
                "from _bench_flows",
                [cfg.study.hs_revision],
            )
            con.unregister("_bench_flows")
            total += table.num_rows
            del table
        con.execute("checkpoint")
    finally:
        con.close()
    return total


# --- steps ----------------------------------------------------------------------------------


def step_complexity(con: duckdb.DuckDBPyConnection, year: int, home: str) -> Step:
    """`complexity` on one year's exporter x HS6 exports, as the marts call it."""
    from observatory.indicators.complexity import complexity
    from observatory.study.complexity_marts import COLS

    exports = con.execute(
        "select year, exporter_iso3, product_code, sum(value_usd) as value_usd "
        "from core.trade_flows where year = ? group by all", [year]).df()
    with measured("complexity, HS6, one year (in memory)") as step:
        result = complexity(exports, COLS, locations=[home], all_products=True)
    runs = [step.seconds]
    for _ in range(2):  # the first call also pays for lazy imports and first page faults
        started = time.perf_counter()
        complexity(exports, COLS, locations=[home], all_products=True)
        runs.append(time.perf_counter() - started)
    step.notes.append(f"first call above; best of 3: {min(runs):.2f} s "
                      f"(runs: {', '.join(f'{t:.2f}' for t in runs)})")
    step.notes.append(
        f"{exports['exporter_iso3'].nunique()} exporters x {exports['product_code'].nunique():,}"
        f" HS6: {len(exports):,} positive cells, {int(result.countries['diversity'].sum()):,}"
        " with M = 1")
    return step


def step_marts(con: duckdb.DuckDBPyConnection, cfg: Any, n_years: int) -> Step:
    from observatory.study.complexity_marts import build_complexity_marts

    levels = cfg.analysis.complexity_levels
    label = "+".join(f"HS{level}" for level in levels)
    with measured(f"complexity marts, {label}, {n_years} year(s), from DuckDB") as step:
        counts = build_complexity_marts(con, cfg.study.home, cfg.thresholds.rca, levels=levels)
    step.notes.append(", ".join(f"{name} {rows:,}" for name, rows in counts.items()))
    return step


def step_refresh(con: duckdb.DuckDBPyConnection, cfg: Any) -> Step | str:
    try:
        from observatory.study.refresh import refresh_study
    except ImportError as exc:
        return f"study refresh: not available ({exc})"
    # The complexity step before this one recorded every year: forget it, so that this
    # step times a whole refresh (an unchanged year would otherwise be reused).
    con.execute("delete from ops.complexity_state")
    with measured("study refresh (refresh_study)") as step:
        try:
            outcome = refresh_study(con, cfg, "bench")
        except Exception as exc:  # noqa: BLE001 - the benchmark reports it and goes on
            step.notes.append(f"FAILED: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            return step
    seconds = outcome.get("seconds", {}) if isinstance(outcome, dict) else {}
    if seconds:
        step.notes.append(", ".join(f"{name} {value:.2f} s" for name, value in seconds.items()))
    return step


# --- report ---------------------------------------------------------------------------------


def _table(steps: list[Step]) -> str:
    head = f"{'step':<52} {'seconds':>8} {'peak RSS MiB':>13} {'increase MiB':>13}"
    lines = [head, "-" * len(head)]
    for s in steps:
        mark = "" if s.exact_peak else " (process peak so far)"
        lines.append(f"{s.name:<52} {s.seconds:>8.2f} {s.peak_mib:>13.0f} "
                     f"{s.increase_mib:>13.0f}{mark}")
        lines += [f"    {note}" for note in s.notes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Step]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--countries", type=int, default=225)
    parser.add_argument("--products", type=int, default=5300)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--flows", type=int, default=0,
                        help="flows a year (default: 10 million scaled to the universe)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/obs-bench-study"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.years < 1 or args.countries < 3 or args.products < 2:
        parser.error("need --years >= 1, --countries >= 3 and --products >= 2")
    rows = args.flows or scaled_flows(args.countries, args.products)
    if args.workdir.resolve() == REPO:
        parser.error("--workdir must not be the repository (its configuration is rewritten)")
    years = list(range(LAST_YEAR - args.years + 1, LAST_YEAR + 1))
    args.workdir.mkdir(parents=True, exist_ok=True)

    load = os.getloadavg()[0]  # before this run adds its own
    home, include = study_countries(REPO / "observatory.toml")
    world = make_world(args.countries, args.products, args.seed, home, include)
    cfg = _config(args.workdir, years, home)
    started = time.perf_counter()
    flows = build_warehouse(cfg, world, years, rows, args.seed)
    print(f"warehouse: home {home}, {flows:,} flows ({len(years)} year(s) {years[0]}-{years[-1]}, "
          f"{world.n_countries} countries x {world.n_products:,} HS6), generated and loaded in "
          f"{time.perf_counter() - started:.1f} s")

    from observatory.warehouse import db

    steps: dict[str, Step] = {}
    con = db.open_work(cfg.warehouse)
    try:
        steps["complexity"] = step_complexity(con, years[-1], cfg.study.home)
        steps["marts"] = step_marts(con, cfg, len(years))
        refresh = step_refresh(con, cfg)
    finally:
        con.close()
    if isinstance(refresh, Step):
        steps["refresh"] = refresh
    print(f"\nload average when the run started: {load:.2f} on {os.cpu_count()} CPUs "
          "(other processes slow every figure down)")
    print(_table(list(steps.values())))
    if isinstance(refresh, str):
        print(refresh)
    c = steps["complexity"]
    verdict = "meets" if c.seconds <= TARGET_SECONDS and c.increase_mib <= TARGET_MIB else "MISSES"
    print(f"\ncomplexity step {verdict} its target (<= {TARGET_SECONDS:.0f} s, "
          f"<= {TARGET_MIB:.0f} MiB over the baseline): {c.seconds:.2f} s, "
          f"+{c.increase_mib:.0f} MiB (absolute peak {c.peak_mib:.0f} MiB)")
    sys.stdout.flush()
    return steps


if __name__ == "__main__":
    main()
