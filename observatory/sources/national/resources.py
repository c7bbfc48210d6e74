"""National statistics into raw, what a batch holds said in numbers, and its merges.

Tables filled (key; load mode):
- `core.trade_flows`: the home country's bilateral totals by partner (source, reported_by,
  freq, year, month, exporter, importer, classification, product_code; replace the
  reporter's (flow, freq, year) partitions: `sql/core/merges/reported.sql`);
- `core.trade_totals`: its World totals by flow and year (idem);
- `core.national_years`: each year's status and World totals in dirhams (source, reporter,
  year; replace the years a batch brings);
- `core.national_series`: the monthly adjusted series (source, reporter, series, flow,
  groupement, freq, year, month; replace the (source, reporter, series, year) partitions).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import duckdb

from observatory.sources.national import settings
from observatory.sources.national.client import NationalFile
from observatory.warehouse import partitions, queries
from observatory.warehouse.merge import replace_reported_partitions
from observatory.warehouse.session import insert_frame
from observatory.warehouse.transaction import transaction

SQL = "core/merges/national.sql"
RAW_TABLES = ("raw.national_lines", "raw.national_records", "raw.national_series_records",
              "raw.national_batches")


@dataclass
class AnnualCounts:
    """What an annual batch holds besides its bilateral flows, said in the run summary."""

    component_rows: int = 0
    pseudo_partner_rows: int = 0
    pseudo_partner_codes: list[str] = field(default_factory=list)
    components_over_total: list[dict[str, Any]] = field(default_factory=list)
    suspected_partial_year: int | None = None
    suspected_shares: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"component_rows": self.component_rows,
                "pseudo_partner_rows": self.pseudo_partner_rows,
                "pseudo_partner_codes": self.pseudo_partner_codes,
                "components_over_total": self.components_over_total,
                "suspected_partial_year": self.suspected_partial_year}


def load_raw(con: duckdb.DuckDBPyConnection, batch_id: str, read: NationalFile, *,
             reporter: str, partial_years: tuple[int, ...]) -> None:
    """The file's records and lines into raw, with the batch's reading settings."""
    for table in RAW_TABLES:
        con.execute(f"delete from {table} where batch_id = ?", [batch_id])
    con.execute(
        "insert into raw.national_batches (batch_id, kind, reporter_iso3, currency, "
        "pseudo_partners, partial_years, blank_values) values (?, ?, ?, ?, ?, ?, ?)",
        [batch_id, read.kind, reporter, settings.CURRENCY, list(settings.PSEUDO_PARTNERS),
         list(partial_years), read.blank_values])
    insert_frame(con, "raw.national_lines", read.lines.assign(batch_id=batch_id))
    table = "raw.national_records" if read.kind == "annual" else "raw.national_series_records"
    insert_frame(con, table, read.records.assign(batch_id=batch_id))


def annual_counts(con: duckdb.DuckDBPyConnection, batch_id: str,
                  partial_years: tuple[int, ...]) -> AnnualCounts:
    """Components and pseudo-partners of a loaded annual batch, components above their
    total, and whether its last year looks partial; the suspected year is kept in
    raw.national_batches (core.national_years says it)."""
    counts = AnnualCounts()
    ((counts.component_rows, counts.pseudo_partner_rows, codes),) = con.execute(
        """
        select count(distinct line_number) filter (where is_component),
               count(distinct line_number) filter (where is_pseudo_partner
                                                    and not is_component),
               list(distinct partner_code order by partner_code)
                   filter (where is_pseudo_partner)
        from staging.stg_national_records where batch_id = ?
        """, [batch_id]).fetchall()
    counts.pseudo_partner_codes = [c or "blank" for c in (codes or [])]
    over = con.execute(
        """
        with parts as (
            select partner_code, year,
                   case when flow = 'X' then '24' else '14' end as total_code,
                   sum(value_mad) as components_mad,
                   string_agg(distinct flow_code, '+' order by flow_code) as codes
            from staging.stg_national_records
            where batch_id = ? and is_component
            group by all
        ),
        totals as (
            select partner_code, year, flow_code as total_code, value_mad as total_mad
            from staging.stg_national_records
            where batch_id = ? and not is_component
        )
        select p.partner_code, p.total_code, p.year, p.codes, p.components_mad,
               coalesce(t.total_mad, 0)
        from parts as p
        left join totals as t using (partner_code, year, total_code)
        where p.components_mad > coalesce(t.total_mad, 0) * (1 + 1e-9) + 0.005
        order by p.year, p.partner_code, p.total_code
        """, [batch_id, batch_id]).fetchall()
    counts.components_over_total = [
        {"partner_code": code, "flow_code": flow, "year": int(year), "components": parts,
         "components_mad": float(components), "total_mad": float(total)}
        for code, flow, year, parts, components, total in over]
    _suspect_partial_year(con, batch_id, partial_years, counts)
    con.execute("update raw.national_batches set counts = ? where batch_id = ?",
                [json.dumps(counts.as_dict()), batch_id])
    return counts


def _suspect_partial_year(con: duckdb.DuckDBPyConnection, batch_id: str,
                          partial_years: tuple[int, ...], counts: AnnualCounts) -> None:
    world = con.execute(
        "select year, flow, sum(value_mad) from staging.stg_national_records "
        "where batch_id = ? and not is_component group by all", [batch_id]).fetchall()
    by_year: dict[int, dict[str, float]] = {}
    for year, flow, value in world:
        by_year.setdefault(int(year), {})[flow] = float(value or 0)
    if len(by_year) < 2:
        return
    last = max(by_year)
    previous = by_year.get(last - 1)
    if last in partial_years or not previous:
        return
    shares = {flow: by_year[last].get(flow, 0.0) / value
              for flow, value in previous.items() if value > 0}
    if any(share < settings.SUSPECT_PARTIAL_SHARE for share in shares.values()):
        counts.suspected_partial_year = last
        counts.suspected_shares = shares
        con.execute("update raw.national_batches set suspected_partial_year = ? "
                    "where batch_id = ?", [last, batch_id])


def annual_notes(read: NationalFile, counts: AnnualCounts,
                 partial_years: tuple[int, ...]) -> list[str]:
    """What the run summary says of an annual batch, one phrase each."""
    years = read.years
    notes = [f"{len(years)} year column(s) {years[0]}–{years[-1]} of {read.data_lines:,} "
             f"lines: {len(read.records):,} values in dirhams"]
    if read.blank_values:
        notes.append(f"{read.blank_values:,} blank values read as no data")
    notes.append(f"{counts.component_rows:,} component rows (flows 141, 142, 241, 242) kept "
                 "out of core: parts of flows 14 and 24, not additions")
    codes = ", ".join(counts.pseudo_partner_codes) or "none"
    notes.append(f"{counts.pseudo_partner_rows:,} pseudo-partner rows of flows 14 and 24 "
                 f"({codes}) counted in the World totals only")
    if counts.components_over_total:
        shown = [f"{c['partner_code'] or 'blank'} {c['flow_code']} {c['year']} "
                 f"({c['components']} = {c['components_mad']:,.0f} > {c['total_mad']:,.0f} "
                 "MAD)" for c in counts.components_over_total[:5]]
        more = len(counts.components_over_total) - len(shown)
        notes.append(f"{len(counts.components_over_total)} component sum(s) above their total "
                     f"(loaded as given): {', '.join(shown)}"
                     + (f" and {more} more" if more else ""))
    kept = sorted(set(partial_years) & set(years))
    if kept:
        notes.append(f"partial year(s) {', '.join(map(str, kept))} "
                     "(sources.national.partial_years): loaded, flagged, kept out of "
                     "mart.national_mirror")
    if counts.suspected_partial_year is not None:
        year = counts.suspected_partial_year
        shares = ", ".join(f"{'exports' if flow == 'X' else 'imports'} "
                           f"{share:.0%}" for flow, share in sorted(
                               counts.suspected_shares.items(), reverse=True))
        notes.append(f"suspected partial year {year}: World totals {shares} of {year - 1}'s "
                     f"(below {settings.SUSPECT_PARTIAL_SHARE:.0%}); loaded; set "
                     f"sources.national.partial_years = [{year}] to keep it out of the "
                     "annual comparison")
    return notes


def series_notes(read: NationalFile) -> list[str]:
    """What the run summary says of a monthly workbook batch."""
    frame = read.records
    first = frame.sort_values(["year", "month"]).iloc[0]
    last = frame.sort_values(["year", "month"]).iloc[-1]
    sheets = frame["sheet"].nunique()
    notes = [f"{len(frame):,} monthly values {first.year}-{first.month:02d} to "
             f"{last.year}-{last.month:02d} from {sheets} sheet(s), seasonally and "
             "working-day adjusted (CVS-CJO): to core.national_series, never to the trade "
             "flows"]
    if read.blank_values:
        notes.append(f"{read.blank_values:,} blank cells read as no data")
    return notes + read.notes


def merge_annual(con: duckdb.DuckDBPyConnection, batch_id: str, release: str,
                 guard: partitions.Guard, what: str
                 ) -> tuple[int, partitions.ChangeReport]:
    """Bilateral rows and World totals through the reported-partitions merge (one
    transaction, under the partition rule), then the batch's years."""
    counts, report = replace_reported_partitions(
        con, "staging.stg_national_flows", batch_id, settings.SOURCE, release, guard,
        what=what)
    params = {"source": settings.SOURCE, "release": release, "batch_id": batch_id}
    with transaction(con):
        queries.run(con, SQL, "delete_years", params)
        queries.run(con, SQL, "insert_years", params)
    return counts["trade_flows"] + counts["trade_totals"], report


def merge_series(con: duckdb.DuckDBPyConnection, batch_id: str, release: str,
                 guard: partitions.Guard, what: str
                 ) -> tuple[int, partitions.ChangeReport]:
    """The monthly series replace their (source, reporter, series, year) partitions of
    core.national_series in one transaction, under the partition rule."""
    params = {"source": settings.SOURCE, "release": release, "batch_id": batch_id}
    with transaction(con):
        queries.run(con, SQL, "series_partitions", params)
        report = partitions.measure(con, "core.national_series",
                                    queries.statement(SQL, "old_series"),
                                    queries.statement(SQL, "new_series"), params)
        guard.check(report, what)
        for name in ("delete_series", "insert_series"):
            queries.run(con, SQL, name, params)
        ((rows,),) = queries.run(con, SQL, "count_series", params)
        queries.run(con, SQL, "done", params)
    return int(rows), report
