"""Every published mart of the demo, fingerprinted: a refactoring changes no number.

Each `mart.*` table (and the watch's alerts) of the session's demo run is reduced to its
row count and a hash of its rows, columns that name a run left out (run and study ids).
Numbers are written with seven significant digits: DuckDB's parallel sums differ in the
last bit from run to run (about 1e-16), which flips a rounded digit only when a value lies
within that of a rounding boundary (about one value in ten billion at seven digits); a
relative nudge of 3.3e-11 first moves exact decimal ties (19986794.925 at ten digits)
off the boundary. Any change of a number beyond about 1e-7 of it shows. The fingerprints
are compared with `tests/fixtures/mart_fingerprints.json`, written by the code before the
change under test.

A change meant to change numbers regenerates the file and says why in its commit:

    .venv/bin/python -m tests.test_mart_fingerprints --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import duckdb

EXPECTED = Path(__file__).parent / "fixtures" / "mart_fingerprints.json"
# Columns naming the run or study version that produced a row (they differ at every run).
RUN_COLUMNS = {"run_id", "previous_run_id", "study_id", "previous_study_id", "alert_id",
               "raised_run", "last_seen_run", "cleared_run", "raised_at", "cleared_at"}
EXTRA_TABLES = ("ops.alerts",)
FLOATS = ("DOUBLE", "FLOAT", "REAL")


def fingerprints(con: duckdb.DuckDBPyConnection,
                 only: dict[str, list[str]] | None = None) -> dict[str, dict[str, Any]]:
    """Every mart's fingerprint; with `only`, a table's hash covers only the columns it names
    (the columns an earlier fingerprint knew: a column added since does not hide a change of
    the others, and is listed)."""
    tables = [f"mart.{r[0]}" for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'mart' "
        "order by table_name").fetchall()] + list(EXTRA_TABLES)
    out = {}
    for table in tables:
        schema, name = table.split(".")
        columns = [(c, t) for c, t in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by column_name",
            [schema, name]).fetchall() if c not in RUN_COLUMNS]
        if only is not None and table in only:
            columns = [(c, t) for c, t in columns if c in only[table]]
        cells = [f"format('{{:.6e}}', \"{c}\" * (1 + 3.3e-11) + 0.0)" if t in FLOATS
                 else f"cast(\"{c}\" as varchar)" for c, t in columns]
        row_text = "concat_ws('|', " + ", ".join(
            f"coalesce({cell}, 'NULL')" for cell in cells) + ")"
        count, digest = con.execute(
            f"select count(*), md5(coalesce(string_agg(t, chr(10) order by t), '')) "
            f"from (select {row_text} as t from {table})").fetchall()[0]
        out[table] = {"rows": int(count), "columns": [c for c, _ in columns],
                      "md5": digest}
    return out


def test_every_published_mart_is_unchanged(demo_run: dict[str, Any]) -> None:
    cfg = demo_run["cfg"]
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        got = fingerprints(con, {t: v["columns"] for t, v in expected.items()})
    # A mart added since is not a changed number (--write adds it); a mart gone is.
    assert set(expected) <= set(got), sorted(set(expected) - set(got))
    changed = {t: (expected[t], got[t]) for t in expected if got[t] != expected[t]}
    assert not changed, changed
    assert sum(v["rows"] for v in got.values()) > 100_000  # the demo fills them


if __name__ == "__main__" and "--write" in sys.argv:
    import tempfile

    from observatory.config import load_config
    from observatory.demo.generate import generate_demo
    from observatory.demo.regulatory import generate_regulatory_demo
    from observatory.nightly import run_nightly
    from tests.conftest import DEMO_TODAY, DEMO_YEARS, write_config

    folder = Path(tempfile.mkdtemp())
    archive = generate_demo(folder / "gen", years=range(DEMO_YEARS[0], DEMO_YEARS[1] + 1))
    (folder / "inputs").mkdir()
    archive.replace(folder / "inputs" / archive.name)
    generate_regulatory_demo(folder / "data" / "demo", today=DEMO_TODAY)
    cfg = load_config(write_config(folder, baci_paths=["inputs/BACI_*.zip"], demo_feed=True))
    from observatory.demo.sources import write_source_demos
    write_source_demos(folder / "data" / "demo", home=cfg.study.home, years=DEMO_YEARS,
                       markets=cfg.study.priority_markets, today=DEMO_TODAY, seed=cfg.demo.seed)
    run_nightly(cfg, langs=("fr", "en"), as_of=DEMO_TODAY)
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        EXPECTED.write_text(json.dumps(fingerprints(con), indent=1, sort_keys=True) + "\n",
                            encoding="utf-8")
    print(f"wrote {EXPECTED}")
