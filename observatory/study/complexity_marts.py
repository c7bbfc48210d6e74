"""Economic complexity marts, every study year, at HS4 and/or HS6 (Hidalgo & Hausmann 2009;
the Growth Lab's `ecomplexity` conventions, see observatory.indicators.complexity):

- `mart.complexity_countries(year, level, iso3, diversity, eci, coi)`: every exporter;
- `mart.complexity_products(year, level, product_code, ubiquity, pci)`: every product;
- `mart.home_product_space(year, level, product_code, rca, m, density, cog, distance)`: for
  the home country, every product traded that year: RCA, presence m (1 when RCA >=
  thresholds.rca, else 0), density (feasibility), COG (opportunity gain) and distance =
  1 - density (the Atlas convention). No rows for a year the home country exports nothing.

`level` is 4 or 6 (`analysis.complexity_levels`). Exports X_cp are the exporters' world
exports at that level from the input chosen for the year and level
(staging.stg_exporter_world: reconciled BACI flows summed over importers, HS4 summed from
HS6; else reporters' World rows, exporters' declarations or mirror data, per [inputs]).

Memory: one year at a time, DuckDB sums the year's flows into a temporary table (at most
countries x products rows a level, about 1 million at HS6 for BACI); each level of the year
is fetched and computed on its own, and its results are inserted before the next one.

Incremental: each year's results depend on that year's exports only, so every (year, level)
has a fingerprint of its inputs (see `year_fingerprints`), kept in `ops.complexity_state`
with the row counts it produced. A build recomputes the pairs whose fingerprint changed or
whose rows are not what was recorded, deletes the rows of years and levels no longer asked
for, and leaves the others untouched: when one year is republished, only that year is
recomputed. The first build, and any change of home country, RCA threshold or
`METHOD_VERSION`, recompute everything.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from observatory.indicators.complexity import complexity
from observatory.warehouse import ledger

COLS = {"time": "year", "loc": "exporter_iso3", "prod": "product_code", "val": "value_usd"}
LEVELS = (4, 6)
# Part of every fingerprint: bump it when the method, its conventions or the marts' columns
# change, and the next build recomputes every year.
METHOD_VERSION = 2  # 2: exports from staging.stg_exporter_world
# The mart tables and their columns, created before any row is inserted so that an empty
# study still has them with their types.
TABLES: dict[str, dict[str, str]] = {
    "complexity_countries": {
        "year": "integer", "level": "integer", "iso3": "varchar", "diversity": "integer",
        "eci": "double", "coi": "double",
    },
    "complexity_products": {
        "year": "integer", "level": "integer", "product_code": "varchar",
        "ubiquity": "integer", "pci": "double",
    },
    "home_product_space": {
        "year": "integer", "level": "integer", "product_code": "varchar", "rca": "double",
        "m": "integer", "density": "double", "cog": "double", "distance": "double",
    },
}
# The column of ops.complexity_state that records each table's rows for a (year, level).
STATE_ROWS = {"complexity_countries": "countries_rows", "complexity_products": "products_rows",
              "home_product_space": "home_rows"}
_EXPORTS = "_complexity_exports"
_REUSED = "_complexity_reused"

Pair = tuple[int, int]  # (year, level)


@dataclass
class ComplexityBuild:
    """What a build did: the marts' row counts and which (year, level) pairs it recomputed,
    reused unchanged, or removed (no longer in the study or not asked for)."""

    tables: dict[str, int]
    recomputed: list[Pair] = field(default_factory=list)
    reused: list[Pair] = field(default_factory=list)
    removed: list[Pair] = field(default_factory=list)
    fingerprint_seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """For run summaries: the years of each kind by level ("HS4": [2021, ...])."""

        def by_level(pairs: list[Pair]) -> dict[str, list[int]]:
            out: dict[str, list[int]] = {}
            for year, level in sorted(pairs, key=lambda p: (p[1], p[0])):
                out.setdefault(f"HS{level}", []).append(year)
            return out

        return {"recomputed": by_level(self.recomputed), "reused": by_level(self.reused),
                "removed": by_level(self.removed),
                "fingerprint_seconds": round(self.fingerprint_seconds, 3)}


def build_complexity_marts(
    con: duckdb.DuckDBPyConnection,
    home_iso3: str,
    rca_threshold: float,
    levels: Iterable[int] = LEVELS,
    notes: list[str] | None = None,
) -> dict[str, int]:
    """`update_complexity_marts`, returning only {"mart.<table>": rows}."""
    return update_complexity_marts(con, home_iso3, rca_threshold, levels, notes).tables


def update_complexity_marts(
    con: duckdb.DuckDBPyConnection,
    home_iso3: str,
    rca_threshold: float,
    levels: Iterable[int] = LEVELS,
    notes: list[str] | None = None,
    *,
    run_id: str | None = None,
    force: bool = False,
) -> ComplexityBuild:
    """Bring the three complexity marts up to date for every study year (ops.run_parameters)
    at each product level in `levels` (4 and/or 6): recompute the (year, level) pairs whose
    inputs' fingerprint changed or whose rows are not those recorded (all of them when
    `force`), delete the pairs no longer asked for, keep the others. `run_id` (default: that
    of ops.run_parameters) is recorded in ops.complexity_state.

    A year whose exports the complexity indicators reject (fewer than 2 countries or
    products, a country or product without any presence, a constant COI in a tiny world)
    is skipped with a note appended to `notes` when a list is given (again on every later
    build that reuses it); otherwise it raises.

    Raises:
        ValueError: a level other than 4 or 6, or (without `notes`) a rejected year,
            naming the level and year.
    """
    given = tuple(levels)
    wanted = sorted(set(given))
    if not set(wanted) <= set(LEVELS):
        raise ValueError(f"complexity marts: levels must be 4 and/or 6, got {list(given)!r}")
    _ensure_tables(con)
    (first, last, params_run), = con.execute(
        "select min(first_year), max(last_year), min(run_id) from ops.run_parameters"
    ).fetchall()
    run_id = run_id or params_run or "unknown"
    years = list(range(first, last + 1)) if first is not None and wanted else []
    started = time.perf_counter()
    fingerprints = year_fingerprints(con, years, wanted, home_iso3, rca_threshold)
    build = ComplexityBuild(tables={}, fingerprint_seconds=time.perf_counter() - started)

    state = _state(con)
    present = _present_rows(con)
    for pair, fingerprint in fingerprints.items():
        recorded = state.get(pair)
        if (not force and recorded is not None and recorded["fingerprint"] == fingerprint
                and all(present.get((name, *pair), 0) == recorded[column]
                        for name, column in STATE_ROWS.items())):
            build.reused.append(pair)
    kept = set(build.reused)
    build.removed = sorted(
        ({pair for pair in state} | {(y, lv) for _, y, lv in present}) - set(fingerprints))
    _delete_all_but(con, kept)

    for year in years:
        todo = [level for level in wanted if (year, level) not in kept]
        if todo:
            _stage_exports(con, year, todo)
        try:
            for level in wanted:
                if (year, level) in kept:
                    note = state[(year, level)]["note"]
                else:
                    note = _compute(con, year, level, home_iso3, rca_threshold,
                                    fingerprints[(year, level)], run_id,
                                    raise_rejected=notes is None)
                    build.recomputed.append((year, level))
                if note and notes is not None:
                    notes.append(note)
        finally:
            con.execute(f"drop table if exists {_EXPORTS}")
    build.tables = {
        f"mart.{name}": con.execute(f"select count(*) from mart.{name}").fetchall()[0][0]
        for name in TABLES
    }
    return build


def year_fingerprints(
    con: duckdb.DuckDBPyConnection,
    years: list[int],
    levels: Iterable[int],
    home_iso3: str,
    rca_threshold: float,
) -> dict[Pair, str]:
    """{(year, level): fingerprint} of what each year's complexity is computed from: the
    year's rows at that level as the marts read them (staging.stg_exporter_world: the
    exporters' world exports from the input chosen for the year and level, after any
    HS-revision conversion) and the parameters.

    The rows enter as their count and the sum, as a 128-bit integer, of a 64-bit hash of
    (exporter, product, value): the sum does not depend on row order or the parallel plan
    (unlike a sum of doubles), identical rows do not cancel (unlike XOR), and a changed,
    added or removed row changes it except with odds of about 2^-64. The importer is left
    out: the marts sum over importers. One scan of the study years' rows for all of them.
    """
    if not years:
        return {}
    found = {
        (year, level): (n_rows, str(row_hashes))
        for year, level, n_rows, row_hashes in con.execute(
            """
            select year, hs_level, count(*),
                   sum(hash(exporter_iso3, product_code, value_usd, input, source))
            from staging.stg_exporter_world
            where year between ? and ?
            group by year, hs_level
            """,
            [min(years), max(years)],
        ).fetchall()
    }
    out: dict[Pair, str] = {}
    for year in years:
        for level in sorted(set(levels)):
            n_rows, row_hashes = found.get((year, level), (0, "0"))
            payload = {"method": METHOD_VERSION, "home": home_iso3,
                       "rca_threshold": float(rca_threshold), "level": level, "year": year,
                       "rows": n_rows, "row_hashes": row_hashes}
            out[(year, level)] = hashlib.sha256(
                json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return out


def _ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the marts that are missing; replace one whose columns differ (its rows no
    longer match ops.complexity_state, so every year is recomputed)."""
    for name, columns in TABLES.items():
        described = con.execute(
            "select column_name, lower(data_type) from information_schema.columns "
            "where table_schema = 'mart' and table_name = ? order by ordinal_position",
            [name]).fetchall()
        if described != list(columns.items()):
            body = ", ".join(f"{column} {kind}" for column, kind in columns.items())
            con.execute(f"create or replace table mart.{name} ({body})")


def _state(con: duckdb.DuckDBPyConnection) -> dict[Pair, dict[str, Any]]:
    """{(year, level): {fingerprint, <table>_rows, note}} as last recorded."""
    columns = ["fingerprint", *STATE_ROWS.values(), "note"]
    rows = con.execute(
        f"select year, level, {', '.join(columns)} from ops.complexity_state").fetchall()
    return {(year, level): dict(zip(columns, rest, strict=True))
            for year, level, *rest in rows}


def _present_rows(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int, int], int]:
    """{(table, year, level): rows} of the three marts as they are."""
    out: dict[tuple[str, int, int], int] = {}
    for name in TABLES:
        for year, level, rows in con.execute(
                f"select year, level, count(*) from mart.{name} group by all").fetchall():
            out[(name, year, level)] = rows
    return out


def _delete_all_but(con: duckdb.DuckDBPyConnection, kept: set[Pair]) -> None:
    """Delete every mart row and state row whose (year, level) is not kept, at once."""
    con.execute(f"create or replace temp table {_REUSED} (year integer, level integer)")
    if kept:
        con.executemany(f"insert into {_REUSED} values (?, ?)", sorted(kept))
    con.execute("begin transaction")
    try:
        for table in [f"mart.{name}" for name in TABLES] + ["ops.complexity_state"]:
            con.execute(f"delete from {table} as t where not exists (select 1 from {_REUSED} "
                        "as k where k.year = t.year and k.level = t.level)")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.execute(f"drop table if exists {_REUSED}")


def _compute(
    con: duckdb.DuckDBPyConnection, year: int, level: int, home_iso3: str,
    rca_threshold: float, fingerprint: str, run_id: str, *, raise_rejected: bool,
) -> str | None:
    """Compute one (year, level) from the staged exports and insert its rows and its state
    in one transaction; returns the note of a rejected year (None otherwise)."""
    exports = con.execute(
        f"select year, exporter_iso3, product_code, value_usd from {_EXPORTS} where level = ?",
        [level],
    ).df()
    frames: dict[str, pd.DataFrame] = {}
    note = None
    if not exports.empty:
        try:
            frames = _level_year(exports, home_iso3, rca_threshold, level)
        except ValueError as exc:
            if raise_rejected:
                raise
            note = f"{year}: {exc}; no complexity rows for that year and level"
    con.execute("begin transaction")
    try:
        for name, frame in frames.items():
            _insert(con, name, frame)
        rows = [len(frames[name]) if name in frames else 0 for name in STATE_ROWS]
        con.execute(
            "insert into ops.complexity_state values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [year, level, fingerprint, run_id, ledger.now(), *rows, note])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return note


def _stage_exports(con: duckdb.DuckDBPyConnection, year: int, levels: list[int]) -> None:
    """One year's exports by (level, exporter, product) in a temporary table: the
    exporters' world exports at each level from the input chosen for that year and level
    (staging.stg_exporter_world: reconciled flows summed over importers, or reporters' World
    rows, ...); only positive totals (the others carry no trade). One year at a time keeps
    DuckDB's aggregation to one year's groups."""
    con.execute(
        f"""
        create or replace temp table {_EXPORTS} as
        select hs_level as level, year, exporter_iso3, product_code,
               sum(value_usd) as value_usd
        from staging.stg_exporter_world
        where year = ? and hs_level in ({", ".join(str(int(level)) for level in levels)})
        group by all
        having sum(value_usd) > 0
        """,
        [year],
    )


def _level_year(
    exports: pd.DataFrame, home_iso3: str, rca_threshold: float, level: int
) -> dict[str, pd.DataFrame]:
    """The three marts' rows for one level and year of exports (one row per exporter and
    product, positive values)."""
    home = [home_iso3] if (exports["exporter_iso3"] == home_iso3).any() else []
    try:
        result = complexity(exports, COLS, rca_threshold=rca_threshold, locations=home,
                            all_products=True)
    except ValueError as exc:
        raise ValueError(f"complexity marts at HS{level}: {exc}") from exc
    countries = result.countries.rename(columns={"exporter_iso3": "iso3"})
    cells = result.cells.assign(distance=1.0 - result.cells["density"])
    frames = {
        "complexity_countries": countries,
        "complexity_products": result.products,
        "home_product_space": cells,
    }
    return {
        name: frames[name].assign(level=level)[list(TABLES[name])] for name in TABLES
    }


def _insert(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    con.register("_complexity_frame", frame)
    try:
        con.execute(f"insert into mart.{name} by name select * from _complexity_frame")
    finally:
        con.unregister("_complexity_frame")
