"""Benchmark: the product fiches and the search page, from a published database.

    .venv/bin/python -m bench.fiches [--database data/warehouse/observatory.duckdb]
                                     [--out /tmp/obs-bench-fiches] [--lang fr --lang en]

Times, on the database as published (the demo's by default), reading every fiche's rows
(`load_fiches`: one query per mart, for all products), then rendering and writing the
fiches of each language, and the search page with its index; prints the number of fiches
and the milliseconds per fiche (read + render + atomic write, fsync included). Not part of
the test suite.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import duckdb

from observatory.report import parameters
from observatory.report.product_fiche import load_fiches, render_product_fiches
from observatory.report.published import PublishedTables
from observatory.report.search_page import render_search_page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.fiches", description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=Path("data/warehouse/observatory.duckdb"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/obs-bench-fiches"))
    parser.add_argument("--lang", action="append", choices=["fr", "en"])
    args = parser.parse_args(argv)
    langs = args.lang or ["fr", "en"]
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    con = duckdb.connect(str(args.database), read_only=True)
    try:
        tables = PublishedTables(con, "bench")
        start = time.perf_counter()
        found = load_fiches(tables, parameters.run_parameters(tables).home_iso3)
        loaded = time.perf_counter() - start
        print(f"read: {len(found.fiches)} fiches' rows in {loaded:.2f} s")
        for lang in langs:
            start = time.perf_counter()
            written = render_product_fiches(con, args.out, lang, found=found)
            took = time.perf_counter() - start
            per = 1000 * took / max(len(written), 1)
            print(f"{lang}: {len(written)} fiches in {took:.2f} s, {per:.2f} ms per fiche")
            start = time.perf_counter()
            render_search_page(con, args.out, lang, found)
            print(f"{lang}: search page and index in {time.perf_counter() - start:.2f} s")
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
