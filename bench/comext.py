"""Benchmark: one month of a Comext bulk file at its real size, ingested and validated through
the source, against DuckDB's own CSV load of the same .dat.

    .venv/bin/python -m bench.comext [--rows 7000000] [--workdir /tmp/obs-bench-comext]

Writes `full_v2_202402.7z` in the real layout (the 27 declarants × about 250 partners × about
9,000 CN8 codes, sparse: a declarant's flows grow with its size, partners are drawn by size,
products by popularity; about 5 % of figures split over a second statistical procedure and
0.2 % of rows with a confidential product code), then prints, for the same file in the same
run: DuckDB's `read_csv` of the extracted .dat → table (closed, so checkpointed: the floor),
the observatory's land (decompress) + raw load + validation, their ratio (target ≤ 2), the
merge into core that follows, and each step's peak memory (every step in its own child
process). `--rows` scales it down (a smoke run). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PERIOD = "202402"
ARCHIVE = f"full_v2_{PERIOD}.7z"
MEMBER = f"full_{PERIOD}.dat"
TARGET = 2.0


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(step: str, workdir: Path, rows: int = 0) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.comext", "--step", step, "--workdir", str(workdir),
         "--rows", str(rows)],
        cwd=REPO, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bulk_table(rows: int, seed: int = 7) -> Any:
    """About `rows` lines of a month's bulk file, as an Arrow table in the .dat's columns."""
    import pyarrow as pa

    from observatory.reference.countries import build_countries
    from observatory.reference.hs import hs6_codes

    rng = np.random.default_rng(seed)
    countries = build_countries()
    declarants = sorted(countries.loc[countries.eu_member, "iso2"])
    partners = sorted(countries["iso2"].dropna()) + ["QS", "QU", "QV", "QW", "XC"]
    hs6 = hs6_codes()
    # About 9,000 CN8 codes: each HS6 split into one to three national subdivisions; then
    # the 99 chapters as confidential codes (39XXXXXX).
    splits = rng.choice([1, 1, 2, 3], len(hs6))
    cn8 = [f"{code}{10 * (n + 1) if s > 1 else 0:02d}"
           for code, s in zip(hs6, splits, strict=True) for n in range(s)]
    chapter = np.array([int(code[:2]) for code in cn8])
    products = cn8 + [f"{c:02d}XXXXXX" for c in range(100)]
    size_d = rng.pareto(1.2, len(declarants)) + 0.1
    size_p = rng.pareto(1.1, len(partners)) + 0.02
    popularity = rng.lognormal(0.0, 1.0, len(cn8))
    # Skewed draws repeat: draw until there are enough distinct figures (a figure is a
    # declarant, partner, product and flow; about 5 % of them take a second line below).
    figures = int(rows / 1.05)
    key = np.empty(0, np.int64)
    while len(key) < figures:
        draw = 2 * (figures - len(key)) + 1000
        d = rng.choice(len(declarants), draw, p=size_d / size_d.sum())
        p = rng.choice(len(partners), draw, p=size_p / size_p.sum())
        k = rng.choice(len(cn8), draw, p=popularity / popularity.sum())
        f = rng.integers(0, 2, draw)
        fresh = ((d * len(partners) + p) * len(cn8) + k) * 2 + f
        key = np.unique(np.concatenate([key, fresh]))
    key = np.sort(rng.permutation(key)[:figures])
    flow = key % 2
    rest = key // 2
    k, rest = rest % len(cn8), rest // len(cn8)
    p, d = rest % len(partners), rest // len(partners)
    eu = np.isin(np.array(partners), declarants)
    keep = np.array(declarants)[d] != np.array(partners)[p]
    d, p, k, flow = d[keep], p[keep], k[keep], flow[keep]
    # About 5 % of figures split over a second statistical procedure (2 or 3).
    second = rng.random(len(d)) < 0.05
    index = np.concatenate([np.arange(len(d)), np.flatnonzero(second)])
    procedure = np.concatenate([np.zeros(len(d), np.int64),
                                rng.integers(1, 3, int(second.sum()))])
    order = np.argsort(index, kind="stable")
    index, procedure = index[order], procedure[order]
    n = len(index)
    product = k[index]
    # A confidential CN8 is shown as its chapter padded with X, once per declarant, partner,
    # chapter, flow and procedure.
    candidate = np.flatnonzero(rng.random(n) < 0.002)
    group = (((d[index[candidate]] * len(partners) + p[index[candidate]]) * 100
              + chapter[product[candidate]]) * 2 + flow[index[candidate]]) * 4 \
        + procedure[candidate]
    _, first = np.unique(group, return_index=True)
    product[candidate[first]] = len(cn8) + chapter[product[candidate[first]]]
    value = np.round(rng.lognormal(9.0, 2.2, n)).astype(np.int64) + 1
    kg = np.round(value / rng.lognormal(1.0, 1.0, n)).astype(np.int64)

    def take(vocabulary: list[str], codes: np.ndarray) -> Any:
        return pa.array(vocabulary).take(pa.array(codes))

    def constant(text: str) -> Any:
        return pa.repeat(pa.scalar(text), n)

    return pa.table({
        "REPORTER": take(declarants, d[index]), "PARTNER": take(partners, p[index]),
        "TRADE_TYPE": take(["E", "I"], eu[p[index]].astype(np.int64)),
        "PRODUCT_NC": take(products, product), "PRODUCT_SITC": constant("05459"),
        "PRODUCT_CPA21": constant("0113"), "PRODUCT_CPA22": constant("0113"),
        "PRODUCT_BEC": constant("112"), "PRODUCT_BEC5": constant("111110"),
        "PRODUCT_SECTION": constant("02"), "FLOW": take(["1", "2"], flow[index]),
        "STAT_PROCEDURE": take(["1", "2", "3"], procedure), "SUPPL_UNIT": constant("NO_SU"),
        "PERIOD": constant(PERIOD), "VALUE_EUR": value, "VALUE_NAC": value,
        "QUANTITY_KG": kg, "QUANTITY_SUPPL_UNIT": np.zeros(n, np.int64),
    })


def step_generate(workdir: Path, rows: int) -> dict[str, Any]:
    import py7zr
    import pyarrow.csv as pacsv

    t0 = time.perf_counter()
    table = bulk_table(rows)
    inputs = workdir / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    dat = workdir / MEMBER
    pacsv.write_csv(table, dat, pacsv.WriteOptions(quoting_style="none"))
    archive = inputs / ARCHIVE
    # LZMA2 at a fast preset: decompression, what the ingest pays, barely depends on it.
    with py7zr.SevenZipFile(archive, "w",
                            filters=[{"id": py7zr.FILTER_LZMA2, "preset": 1}]) as zf:
        zf.write(dat, MEMBER)
    size = dat.stat().st_size
    dat.unlink()
    return {"seconds": time.perf_counter() - t0, "peak_mib": _peak_mib(),
            "rows": table.num_rows, "dat_bytes": size, "bytes": archive.stat().st_size}


def step_floor(workdir: Path) -> dict[str, Any]:
    import duckdb
    import py7zr

    folder = workdir / "floor"
    shutil.rmtree(folder, ignore_errors=True)
    with py7zr.SevenZipFile(workdir / "inputs" / ARCHIVE, "r") as zf:
        zf.extractall(folder)
    dat = folder / MEMBER
    db = workdir / "floor.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute("set threads = 2")
    t0 = time.perf_counter()
    con.execute("create table bulk as select * from read_csv(?)", [str(dat)])
    rows = con.execute("select count(*) from bulk").fetchone()[0]
    # Closing checkpoints the table to disk: part of loading a persistent database.
    con.close()
    seconds = time.perf_counter() - t0
    shutil.rmtree(folder, ignore_errors=True)
    return {"seconds": seconds, "peak_mib": _peak_mib(), "rows": rows}


def step_ingest(workdir: Path) -> dict[str, Any]:
    from datetime import UTC, datetime

    from observatory.config import load_config
    from observatory.nightly import new_run_id
    from observatory.sources.base import RunContext
    from observatory.sources.comext.source import SOURCE as COMEXT
    from observatory.sources.comext.source import ingest_bulk
    from observatory.stages.prepare import prepare_warehouse
    from observatory.validation import gate
    from observatory.warehouse.session import run_database
    from tests.conftest import write_config

    for leftover in ("warehouse", "raw", "reports"):
        shutil.rmtree(workdir / "data" / leftover, ignore_errors=True)
    rates = workdir / "data" / "demo" / "rates" / "eur_usd_2024.csv"
    rates.parent.mkdir(parents=True, exist_ok=True)
    rates.write_text("date,base,quote,rate\n" + "".join(
        f"2024-{m:02d},EUR,USD,{1.08 + m / 1000:.4f}\n" for m in range(1, 13)))
    cfg_path = write_config(workdir)
    text = cfg_path.read_text(encoding="utf-8")
    text = text.replace("bulk_paths = []", f'bulk_paths = ["inputs/{ARCHIVE}"]')
    cfg_path.write_text(text, encoding="utf-8")
    cfg = load_config(cfg_path)
    run_id = new_run_id()
    prepare_warehouse(cfg, run_id, datetime.now(UTC).date())
    run = RunContext(cfg, run_id)
    # As the nightly job does: the database held for the run, GX warmed up at its start,
    # and the run's one checkpoint (counted with the merge).
    with run_database(cfg) as con:
        t0 = time.perf_counter()
        gate.warm_up()
        outcome = ingest_bulk(run, workdir / "inputs" / ARCHIVE)
        t1 = time.perf_counter()
        verdict = COMEXT.validate(run, outcome)
        t2 = time.perf_counter()
        merged = COMEXT.merge(run, outcome) if verdict.passed else None
        con.execute("checkpoint")
        t3 = time.perf_counter()
        core = con.execute("select count(*) from core.trade_flows").fetchone()[0]
    return {"seconds": t2 - t0, "land_load": t1 - t0, "validate": t2 - t1, "merge": t3 - t2,
            "peak_mib": _peak_mib(), "rows": outcome.rows_read, "passed": verdict.passed,
            "status": outcome.status, "merged": merged.status if merged else "rejected",
            "core_rows": core,
            "message": outcome.message}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=7_000_000,
                        help="lines of the bulk file (default 7,000,000, a real month)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/obs-bench-comext"))
    parser.add_argument("--step", choices=["generate", "floor", "ingest"])
    parser.add_argument("--reuse", action="store_true",
                        help="keep the bulk file already generated in --workdir")
    args = parser.parse_args(argv)
    if args.step:
        fn = {"generate": lambda: step_generate(args.workdir, args.rows),
              "floor": lambda: step_floor(args.workdir),
              "ingest": lambda: step_ingest(args.workdir)}[args.step]
        result = fn()
        print(json.dumps(result))
        return result
    args.workdir.mkdir(parents=True, exist_ok=True)
    generated = None
    if args.reuse and (args.workdir / "inputs" / ARCHIVE).is_file():
        print(f"reusing {args.workdir / 'inputs' / ARCHIVE}")
    else:
        generated = _child("generate", args.workdir, args.rows)
        print(f"generated one month's bulk file: {generated['rows']:,} rows, "
              f"{generated['dat_bytes'] / 2**20:.0f} MiB of .dat, "
              f"{generated['bytes'] / 2**20:.0f} MiB of 7z, in {generated['seconds']:.1f} s")
    floor = _child("floor", args.workdir)
    ours = _child("ingest", args.workdir)
    ratio = ours["seconds"] / floor["seconds"]
    print(f"rows: {floor['rows']:,} (DuckDB) / {ours['rows']:,} (observatory)")
    print(f"DuckDB read_csv -> table, closed: {floor['seconds']:7.2f} s   "
          f"peak {floor['peak_mib']:7.0f} MiB")
    print(f"observatory ingest + validation:  {ours['seconds']:7.2f} s   "
          f"peak {ours['peak_mib']:7.0f} MiB   (land + raw load {ours['land_load']:.2f} s, "
          f"validation {ours['validate']:.2f} s; passed: {ours['passed']})")
    print(f"  then merge into core:           {ours['merge']:7.2f} s   "
          f"({ours['core_rows']:,} rows in core.trade_flows: CN8 and HS6 sums)")
    print(f"ratio to the floor: {ratio:.2f}  (target <= {TARGET:g}: "
          f"{'met' if ratio <= TARGET else 'missed'})")
    return {"generated": generated, "floor": floor, "ingest": ours, "ratio": ratio}


if __name__ == "__main__":
    main()
