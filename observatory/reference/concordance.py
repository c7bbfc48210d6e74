"""Convert trade flows between HS revisions with the UNSD correlation tables.

Every flow keeps the HS revision it was reported in; the study runs in one revision
(`study.hs_revision`). UNSD publishes, for each pair of revisions, an xlsx workbook whose
"... Correlations" sheet lists every link between a code of the newer revision and a code of
the older one, with the relationship of the pair ("1:1", "1:n", "n:1", "n:n": number of
newer codes : number of older codes linked to the row's codes). The tables run from the
newer to the older revision; `build_conversion` also inverts them (HS17 -> HS22) and chains
them (HS12 -> HS17 -> HS22) when no direct table is given.

Source: UN Statistics Division, "HS correlation and conversion tables",
https://unstats.un.org/unsd/classifications/Econ. The links of the HS2022->HS2017,
HS2022->HS2012 and HS2017->HS2012 tables ship with the package as gzip CSV
(`data/hs_correlation_*.csv.gz`, provenance in `data/README.md`), rebuilt from UNSD's xlsx by

    python -m observatory.reference.concordance --pack HS2022toHS2017...xlsx ... [--out DIR]

Configured xlsx tables (`hs_concordance.tables`) come on top: a configured table replaces
the shipped one that links the same two revisions.
"""

from __future__ import annotations

import argparse
import gzip
import re
import uuid
import zipfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

from observatory.classification import HS_REVISIONS
from observatory.errors import ReferenceDataError

CORRELATION_COLUMNS = ["source_revision", "source_hs6", "target_revision", "target_hs6",
                       "relationship"]
CONVERSION_COLUMNS = ["source_hs6", "target_hs6", "share"]
RELATIONSHIPS = ("1:1", "1:n", "n:1", "n:n")
# Year printed in UNSD headers ("HS 2017", "HS2022"; "HS 1988/92" for the first revision).
_REVISION_OF_YEAR = {1988: "HS92", 1992: "HS92", 1996: "HS96", 2002: "HS02", 2007: "HS07",
                     2012: "HS12", 2017: "HS17", 2022: "HS22"}
_REVISION_HEADER = re.compile(r"^\s*HS\s*((?:19|20)\d\d)\b", re.IGNORECASE)
_HEADER_SEARCH_ROWS = 30
_SHARE_TOLERANCE = 1e-9
_SQL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
# The correlation tables shipped with the package: hs_correlation_<newer>_<older>.csv.gz.
PACKED_DIR = Path(__file__).resolve().parent / "data"
PACKED_GLOB = "hs_correlation_*.csv.gz"


# --- reading one UNSD table ---------------------------------------------------------------

def load_correlation(path: Path) -> pd.DataFrame:
    """The links of one UNSD correlation workbook, as the table states them (newer -> older).

    Columns: `source_revision, source_hs6, target_revision, target_hs6, relationship`, codes
    as 6-character strings (numbers and dotted codes such as "0101.21" are normalised, an
    "ex" prefix is dropped), revisions named like the project (HS17, HS22...). The sheet is
    the one whose name holds "correlation"; its header row is the first row naming two HS
    revisions and a "Relationship" column (UNSD puts a title row above it).

    A `.csv.gz` file is a table packed by `pack_correlation` (the same rows); one from
    `PACKED_DIR` is marked `attrs["shipped"]`, and gives way in `build_conversion` to a
    configured table linking the same revisions.
    """
    path = Path(path)
    if path.name.endswith(".csv.gz"):
        return _load_packed(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReferenceDataError(f"{path}: cannot read as an xlsx workbook ({exc})") from exc
    try:
        sheets = [s for s in book.worksheets if "correlation" in s.title.lower()]
        if not sheets:
            raise ReferenceDataError(f"{path}: no correlations sheet (sheets: "
                                     f"{', '.join(repr(s) for s in book.sheetnames)})")
        sheet = sheets[0]
        rows = sheet.iter_rows(values_only=True)
        where = f"{path}: sheet {sheet.title!r}"
        header_row, source, target, columns = _find_header(rows, where)
        links: dict[tuple[str, str], tuple[str, int]] = {}
        for number, row in enumerate(rows, start=header_row + 1):
            cells = [row[i] if i < len(row) else None for i in columns]
            if all(_blank(c) for c in cells):
                continue
            at = [f"{where} row {number} column {get_column_letter(i + 1)}" for i in columns]
            pair = (_hs6(cells[0], at[0]), _hs6(cells[1], at[1]))
            relationship = _relationship(cells[2], at[2])
            seen = links.setdefault(pair, (relationship, number))
            if seen[0] != relationship:
                raise ReferenceDataError(f"{where} row {number}: link {pair[0]} -> {pair[1]} "
                                         f"is {relationship}, but {seen[0]} in row {seen[1]}")
    finally:
        book.close()
    if not links:
        raise ReferenceDataError(f"{where}: no correlation rows below the header row "
                                 f"{header_row}")
    frame = pd.DataFrame([(source, s, target, t, rel) for (s, t), (rel, _) in links.items()],
                         columns=CORRELATION_COLUMNS)
    return frame.astype(str)


def _find_header(rows: Any, where: str) -> tuple[int, str, str, list[int]]:
    """Row number, source and target revisions, and the source/target/relationship columns."""
    for number, row in enumerate(rows, start=1):
        if number > _HEADER_SEARCH_ROWS:
            break
        revisions = [(i, _revision_header(v)) for i, v in enumerate(row)]
        found = [(i, r) for i, r in revisions if r is not None]
        relation = [i for i, v in enumerate(row)
                    if isinstance(v, str) and v.strip().lower().startswith("relation")]
        if len(found) >= 2 and relation:
            (i_src, source), (i_tgt, target) = found[0], found[1]
            if source == target:
                raise ReferenceDataError(f"{where} row {number}: both columns are {source}")
            return number, source, target, [i_src, i_tgt, relation[0]]
    raise ReferenceDataError(f"{where}: no header row naming two HS revisions and "
                             f"'Relationship' in the first {_HEADER_SEARCH_ROWS} rows")


def _revision_header(value: object) -> str | None:
    match = _REVISION_HEADER.match(value) if isinstance(value, str) else None
    return _REVISION_OF_YEAR.get(int(match.group(1))) if match else None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _hs6(value: object, where: str) -> str:
    """A 6-digit HS code from a cell: '010121', 10121, 10121.0, '0101.21' or 'ex 0101.21'."""
    if isinstance(value, bool):
        raise ReferenceDataError(f"{where}: {value!r} is not an HS code")
    if isinstance(value, int | float):
        if value != int(value) or not 0 < value < 1_000_000:
            raise ReferenceDataError(f"{where}: {value!r} is not a 6-digit HS code")
        return f"{int(value):06d}"
    text = re.sub(r"^ex\s*", "", str(value or "").strip(), flags=re.IGNORECASE)
    text = text.replace(".", "").replace(" ", "")
    if text.isdigit() and len(text) == 5:  # a leading zero lost by a spreadsheet
        text = "0" + text
    if not (text.isdigit() and len(text) == 6):
        raise ReferenceDataError(f"{where}: {value!r} is not a 6-digit HS code")
    return text


def _relationship(value: object, where: str) -> str:
    text = str(value or "").strip().lower().replace(" ", "")
    if text not in RELATIONSHIPS:
        raise ReferenceDataError(f"{where}: relationship {value!r} is not one of "
                                 f"{', '.join(RELATIONSHIPS)}")
    return text


# --- the tables shipped with the package -------------------------------------------------

def packaged_tables() -> list[Path]:
    """The correlation tables shipped with the package, in name order."""
    return sorted(PACKED_DIR.glob(PACKED_GLOB))


def pack_correlation(workbook: Path, out_dir: Path = PACKED_DIR) -> Path:
    """Write the links `load_correlation` reads from a UNSD workbook as
    `out_dir/hs_correlation_<source>_<target>.csv.gz` (the columns of CORRELATION_COLUMNS,
    in the sheet's row order; gzip header without name or time, so the bytes depend only on
    the workbook); returns the file written."""
    table = load_correlation(workbook)
    source, target = table["source_revision"].iloc[0], table["target_revision"].iloc[0]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"hs_correlation_{source}_{target}.csv.gz"
    text = table.to_csv(index=False, lineterminator="\n").encode("utf-8")
    with open(path, "wb") as out, gzip.GzipFile(filename="", mode="wb", fileobj=out,
                                                compresslevel=9, mtime=0) as packed:
        packed.write(text)
    return path


def _load_packed(path: Path) -> pd.DataFrame:
    where = f"{path}"
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, compression="gzip")
    except (OSError, EOFError, ValueError, pd.errors.ParserError) as exc:
        raise ReferenceDataError(f"{where}: cannot read as a packed correlation table "
                                 f"({exc})") from exc
    if list(frame.columns) != CORRELATION_COLUMNS:
        raise ReferenceDataError(f"{where}: columns {', '.join(frame.columns)}; expected "
                                 f"{', '.join(CORRELATION_COLUMNS)}")
    if frame.empty:
        raise ReferenceDataError(f"{where}: no correlation rows")
    for column in ("source_revision", "target_revision"):
        revisions = set(frame[column])
        if len(revisions) != 1 or not revisions <= set(HS_REVISIONS):
            raise ReferenceDataError(f"{where}: {column} {sorted(revisions)} is not one "
                                     f"revision of {', '.join(HS_REVISIONS)}")
    for column in ("source_hs6", "target_hs6"):
        bad = frame[~frame[column].str.fullmatch(r"\d{6}")]
        if not bad.empty:
            raise ReferenceDataError(f"{where} line {bad.index[0] + 2}: {column} "
                                     f"{bad[column].iloc[0]!r} is not a 6-digit HS code")
    bad = frame[~frame["relationship"].isin(RELATIONSHIPS)]
    if not bad.empty:
        raise ReferenceDataError(f"{where} line {bad.index[0] + 2}: relationship "
                                 f"{bad['relationship'].iloc[0]!r} is not one of "
                                 f"{', '.join(RELATIONSHIPS)}")
    if frame.duplicated(["source_hs6", "target_hs6"]).any():
        raise ReferenceDataError(f"{where}: a link is listed twice")
    frame.attrs = {"shipped": path.resolve().parent == PACKED_DIR}
    return frame


def invert_correlation(correlation: pd.DataFrame) -> pd.DataFrame:
    """The same links read from the older to the newer revision (a 1:n becomes an n:1)."""
    flipped = {"1:1": "1:1", "1:n": "n:1", "n:1": "1:n", "n:n": "n:n"}
    return pd.DataFrame({
        "source_revision": correlation["target_revision"],
        "source_hs6": correlation["target_hs6"],
        "target_revision": correlation["source_revision"],
        "target_hs6": correlation["source_hs6"],
        "relationship": correlation["relationship"].map(flipped),
    }, columns=CORRELATION_COLUMNS).reset_index(drop=True)


# --- building a conversion ----------------------------------------------------------------

def build_conversion(correlations: list[pd.DataFrame], source: str, target: str, *,
                     weights: pd.DataFrame | None = None) -> pd.DataFrame:
    """Shares that carry each `source` HS6 code into `target` codes: `source_hs6, target_hs6,
    share`, the shares of one source code summing to 1.

    Allocation rule. A source code linked to one target code (1:1, or n:1 seen from the
    source: several codes merged into one) gives it its whole value (share 1). A source code
    linked to k target codes (1:n or n:n) is split:
    - without `weights`: equally, 1/k to each target code;
    - with `weights` (columns `target_hs6, weight`, e.g. world trade by target code in the
      target revision): in proportion to the weights of the k codes, a code without a weight
      counting as 0; equally when the k weights are all zero.
    Between revisions without a direct table, the steps are chained (HS12 -> HS17 -> HS22):
    the equal shares multiply along every path and add up over paths; with `weights`, the
    value of a source code is then shared in proportion to the weights of every target code
    it reaches. A path that dies at an intermediate code (no link onwards: UNSD's HS22 ->
    HS17 table omits HS17 300219) is dropped and the remaining shares rescaled to 1; a
    source code that reaches no target code is left out (its flows are reported unmapped).
    Targets with share 0 are left out.

    `correlations` are tables from `load_correlation`, in either direction; each pair of
    revisions may be linked by one table only, except that a table shipped with the package
    (`attrs["shipped"]`) gives way to another one linking the same pair. The result carries
    `attrs["source_revision"]` and `attrs["target_revision"]`, which `convert_flows` reports.

    Caution: UNSD links a code to every code its goods may fall into, e.g. HS17 851712
    (telephones) to 851713, 851714 and to 14 codes of HS22 8524 (flat panel modules) and
    8549 (electronic waste); an equal split sends 15/17 of it there. Give `weights` whenever
    trade values in the target revision are at hand.
    """
    for name in (source, target):
        if name not in HS_REVISIONS:
            raise ReferenceDataError(f"HS conversion: unknown revision {name!r} (one of "
                                     f"{', '.join(HS_REVISIONS)})")
    steps = _steps(correlations)
    if source == target:
        shares = _identity(steps, source)
    else:
        path = _path(steps, source, target)
        shares = _equal_step(steps[(path[0], path[1])])
        for frm, to in zip(path[1:], path[2:], strict=False):
            shares = _compose(shares, _equal_step(steps[(frm, to)]))
        if weights is not None:
            shares = _weighted(shares, _check_weights(weights))
    shares = shares[shares["share"] > 0]
    total = shares.groupby("source_hs6")["share"].transform("sum")
    shares = shares.assign(share=shares["share"] / total)
    result = (shares.sort_values(["source_hs6", "target_hs6"])
              .reset_index(drop=True)[CONVERSION_COLUMNS])
    result.attrs = {"source_revision": source, "target_revision": target}
    return result


def _steps(correlations: list[pd.DataFrame]) -> dict[tuple[str, str], pd.DataFrame]:
    """Links (`frm, to`) for each ordered pair of revisions, each table in both directions;
    the tables shipped with the package last, for the pairs no other table links."""
    steps: dict[tuple[str, str], pd.DataFrame] = {}
    for table in sorted(correlations, key=lambda t: bool(t.attrs.get("shipped"))):
        missing = set(CORRELATION_COLUMNS) - set(table.columns)
        if missing:
            raise ReferenceDataError(f"HS conversion: a correlation table lacks "
                                     f"{', '.join(sorted(missing))}")
        for (frm, to), part in table.groupby(["source_revision", "target_revision"]):
            key = (str(frm), str(to))
            if (key in steps or key[::-1] in steps) and table.attrs.get("shipped"):
                continue
            if key in steps or key[::-1] in steps:
                raise ReferenceDataError(f"HS conversion: two correlation tables link "
                                         f"{key[0]} and {key[1]}")
            links = pd.DataFrame({"frm": part["source_hs6"].astype(str),
                                  "to": part["target_hs6"].astype(str)}).drop_duplicates()
            steps[key] = links.reset_index(drop=True)
            steps[key[::-1]] = pd.DataFrame({"frm": links["to"], "to": links["frm"]})
    return steps


def _path(steps: dict[tuple[str, str], pd.DataFrame], source: str, target: str) -> list[str]:
    """The shortest chain of revisions from `source` to `target` (breadth first)."""
    previous: dict[str, str | None] = {source: None}
    queue = deque([source])
    while queue:
        here = queue.popleft()
        if here == target:
            path = [target]
            while (back := previous[path[-1]]) is not None:
                path.append(back)
            return path[::-1]
        for frm, to in sorted(steps, key=lambda k: HS_REVISIONS.index(k[1])):
            if frm == here and to not in previous:
                previous[to] = here
                queue.append(to)
    tables = ", ".join(f"{a}->{b}" for a, b in steps) or "none"
    raise ReferenceDataError(f"HS conversion: no correlation table or chain links {source} "
                             f"to {target} (links given: {tables})")


def _identity(steps: dict[tuple[str, str], pd.DataFrame], revision: str) -> pd.DataFrame:
    codes = {code for (frm, _), links in steps.items() if frm == revision
             for code in links["frm"]}
    if not codes:
        raise ReferenceDataError(f"HS conversion: no correlation table holds {revision} codes")
    ordered = sorted(codes)
    return pd.DataFrame({"source_hs6": ordered, "target_hs6": ordered, "share": 1.0})


def _equal_step(links: pd.DataFrame) -> pd.DataFrame:
    count = links.groupby("frm")["to"].transform("size")
    return pd.DataFrame({"source_hs6": links["frm"], "target_hs6": links["to"],
                         "share": 1.0 / count})


def _compose(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    joined = first.merge(second, left_on="target_hs6", right_on="source_hs6",
                         suffixes=("", "_next"))
    paths = pd.DataFrame({"source_hs6": joined["source_hs6"],
                          "target_hs6": joined["target_hs6_next"],
                          "share": joined["share"] * joined["share_next"]})
    return paths.groupby(["source_hs6", "target_hs6"], as_index=False).agg(
        share=("share", "sum"))


def _check_weights(weights: pd.DataFrame) -> pd.Series:
    if not {"target_hs6", "weight"} <= set(weights.columns):
        raise ReferenceDataError("HS conversion weights: columns target_hs6 and weight needed")
    codes = weights["target_hs6"].astype(str)
    if codes.duplicated().any():
        raise ReferenceDataError(f"HS conversion weights: target code "
                                 f"{codes[codes.duplicated()].iloc[0]} given twice")
    values = pd.to_numeric(weights["weight"], errors="coerce").astype(float)
    bad = values.isna() | (values < 0) | (values == float("inf"))
    if bad.any():
        raise ReferenceDataError(f"HS conversion weights: weight of {codes[bad].iloc[0]} is "
                                 f"{weights['weight'][bad].iloc[0]!r}, not a number >= 0")
    return pd.Series(values.to_numpy(), index=codes.to_numpy())


def _weighted(shares: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    weight = shares["target_hs6"].map(weights).fillna(0.0).astype(float)
    total = weight.groupby(shares["source_hs6"]).transform("sum")
    proportional = weight / total.where(total > 0)
    return shares.assign(share=proportional.where(total > 0, shares["share"]))


# --- applying a conversion ----------------------------------------------------------------

@dataclass(frozen=True)
class ConversionReport:
    """What a conversion did. Values are those of the first value column (e.g. value_usd).

    `split_value_share`: value of the rows whose code is split among several target codes
    over all value in (0 when no value came in); `unmapped_codes` (sorted; a missing code is
    reported as "") and `unmapped_value`: rows whose code the conversion does not know, left
    out of the result for the caller to quarantine. value_in = value_out + unmapped_value
    up to rounding.
    """

    source: str
    target: str
    rows_in: int
    rows_out: int
    value_in: float
    value_out: float
    split_value_share: float
    unmapped_codes: list[str] = field(default_factory=list)
    unmapped_value: float = 0.0


def convert_flows(con: duckdb.DuckDBPyConnection, conversion: pd.DataFrame, *, table: str,
                  code_column: str, value_columns: list[str], into: str,
                  revision_column: str | None = None) -> ConversionReport:
    """Write `into` = `table` with its codes converted, in DuckDB.

    Each row of a known code becomes one row per target code, its value columns multiplied
    by the share; rows are then summed by every other column (so HS17 620111 and 620191 of
    one flow become one HS22 620120 row). NULL values stay NULL when all summed rows are
    NULL. `revision_column` (e.g. `classification`), when given, must hold the conversion's
    source revision on every row and holds its target revision in `into`.
    """
    source, target = _revisions_of(conversion)
    for name in (table, into):
        if not _SQL_NAME.match(name):
            raise ReferenceDataError(f"HS conversion: {name!r} is not a table name")
    if table == into:
        raise ReferenceDataError(f"HS conversion: cannot convert {table} into itself")
    types = dict((row[0], row[1]) for row in con.sql(f"describe select * from {table}").fetchall())
    for column in [code_column, *value_columns, *([revision_column] if revision_column else [])]:
        if column not in types:
            raise ReferenceDataError(f"HS conversion: {table} has no column {column!r}")
    if not value_columns:
        raise ReferenceDataError("HS conversion: no value column given")
    if types[code_column] != "VARCHAR":
        raise ReferenceDataError(f"HS conversion: {table}.{code_column} is {types[code_column]}"
                                 f", not text (HS codes keep their leading zeros)")
    name = f"_hs_conversion_{uuid.uuid4().hex}"
    con.register(name, _checked(conversion, source, target))
    try:
        if revision_column:
            other = con.execute(f"select count(*), min({_q(revision_column)}) from {table} "
                                f"where {_q(revision_column)} is distinct from ?",
                                [source]).fetchall()[0]
            if other and other[0]:
                raise ReferenceDataError(f"HS conversion: {other[0]} rows of {table} are in "
                                         f"{revision_column} {other[1]!r}, not {source}")
        con.execute(_convert_sql(table, name, into, list(types), code_column, value_columns,
                                 revision_column), [target] if revision_column else []
                    ).fetchall()
        return _report(con, table, name, into, code_column, value_columns[0], source, target)
    finally:
        con.unregister(name)


def convert_frame(frame: pd.DataFrame, conversion: pd.DataFrame, code_column: str,
                  value_columns: list[str], *, revision_column: str | None = None
                  ) -> tuple[pd.DataFrame, ConversionReport]:
    """`convert_flows` on a pandas frame (run in a private in-memory DuckDB)."""
    con = duckdb.connect()
    try:
        con.register("flows_in", frame)
        report = convert_flows(con, conversion, table="flows_in", code_column=code_column,
                               value_columns=value_columns, into="flows_out",
                               revision_column=revision_column)
        return con.sql("select * from flows_out order by all").df(), report
    finally:
        con.close()


def _q(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _revisions_of(conversion: pd.DataFrame) -> tuple[str, str]:
    source = conversion.attrs.get("source_revision")
    target = conversion.attrs.get("target_revision")
    if source not in HS_REVISIONS or target not in HS_REVISIONS:
        raise ReferenceDataError("HS conversion: the conversion table does not say its source "
                                 "and target revisions (attrs of build_conversion)")
    return str(source), str(target)


def _checked(conversion: pd.DataFrame, source: str, target: str) -> pd.DataFrame:
    where = f"HS conversion {source}->{target}"
    if not set(CONVERSION_COLUMNS) <= set(conversion.columns):
        raise ReferenceDataError(f"{where}: columns {', '.join(CONVERSION_COLUMNS)} needed")
    frame = conversion[CONVERSION_COLUMNS].astype({"source_hs6": str, "target_hs6": str,
                                                    "share": float})
    if frame.duplicated(["source_hs6", "target_hs6"]).any():
        raise ReferenceDataError(f"{where}: a source and target code pair appears twice")
    if ((frame["share"] <= 0) | (frame["share"] > 1)).any():
        raise ReferenceDataError(f"{where}: shares must lie in (0, 1]")
    totals = frame.groupby("source_hs6")["share"].sum()
    off = totals[(totals - 1).abs() > _SHARE_TOLERANCE]
    if not off.empty:
        raise ReferenceDataError(f"{where}: the shares of {off.index[0]} sum to "
                                 f"{off.iloc[0]:.6g}, not 1")
    return frame


def _convert_sql(table: str, conversion: str, into: str, columns: list[str], code: str,
                 values: list[str], revision_column: str | None) -> str:
    def select(column: str) -> str:
        if column == code:
            return f"c.target_hs6 as {_q(code)}"
        if column in values:
            return f"f.{_q(column)} * c.share as {_q(column)}"
        if column == revision_column:
            return f"cast(? as varchar) as {_q(column)}"
        return f"f.{_q(column)}"

    keys = [_q(c) for c in columns if c not in values]
    final = [f"sum({_q(c)}) as {_q(c)}" if c in values else _q(c) for c in columns]
    return f"""
        create or replace table {into} as
        with split as (
            select {", ".join(select(c) for c in columns)}
            from {table} as f
            join {conversion} as c on f.{_q(code)} = c.source_hs6
        ),
        final as (
            select {", ".join(final)} from split group by {", ".join(keys)}
        )
        select * from final
    """


def _report(con: duckdb.DuckDBPyConnection, table: str, conversion: str, into: str,
            code: str, value: str, source: str, target: str) -> ConversionReport:
    row = con.execute(f"""
        with split_codes as (
            select source_hs6 from {conversion} group by source_hs6 having count(*) > 1
        )
        select count(*),
               coalesce(sum(f.{_q(value)}), 0),
               coalesce(sum(f.{_q(value)}) filter (
                   where f.{_q(code)} in (select source_hs6 from split_codes)), 0)
        from {table} as f
    """).fetchall()[0]
    rows_in, value_in, split_value = row if row else (0, 0.0, 0.0)
    unmapped = con.execute(f"""
        select coalesce(f.{_q(code)}, '') as code, coalesce(sum(f.{_q(value)}), 0)
        from {table} as f
        where f.{_q(code)} is null
           or f.{_q(code)} not in (select source_hs6 from {conversion})
        group by 1 order by 1
    """).fetchall()
    out = con.execute(f"select count(*), coalesce(sum({_q(value)}), 0) from {into}").fetchall()[0]
    rows_out, value_out = out if out else (0, 0.0)
    return ConversionReport(
        source=source, target=target, rows_in=int(rows_in), rows_out=int(rows_out),
        value_in=float(value_in), value_out=float(value_out),
        split_value_share=float(split_value) / float(value_in) if value_in else 0.0,
        unmapped_codes=[str(c) for c, _ in unmapped],
        unmapped_value=float(sum(v for _, v in unmapped)),
    )


# --- rebuilding the shipped tables ----------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m observatory.reference.concordance",
        description="Pack UNSD HS correlation workbooks (xlsx) into the gzip CSV tables the "
                    "package ships (observatory/reference/data/hs_correlation_*.csv.gz).")
    parser.add_argument("--pack", type=Path, nargs="+", required=True, metavar="XLSX",
                        help="UNSD 'Conversion and Correlation Tables' workbooks")
    parser.add_argument("--out", type=Path, default=PACKED_DIR,
                        help="folder to write into (default: the package's data folder)")
    args = parser.parse_args(argv)
    for workbook in args.pack:
        try:
            path = pack_correlation(workbook, args.out)
        except ReferenceDataError as exc:
            parser.exit(1, f"{parser.prog}: {exc}\n")
        rows = len(load_correlation(path))
        print(f"{workbook.name} -> {path} ({rows:,} links, {path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
