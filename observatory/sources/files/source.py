"""Analysts' files (CSV, XLSX, Parquet) through profiles: trade flows or tariff rates.

`observatory ingest file PATH --profile NAME` reads one file through a profile of the
configuration (or a built-in one: `baci`, `comtrade`); the nightly job reads none. A trade
file becomes `raw.file_records` (text, with line numbers), typed in staging, validated
(`file_records` suite) and merged into `core.trade_flows` / `core.trade_totals`, replacing
the reporter's (flow, frequency, year) partitions (`sql/core/merges/reported.sql`). A profile
of kind "tariffs" (a Market Access Map or AfCFTA e-Tariff Book export) goes to
`raw.tariff_records`, the `tariffs` suite and `core.tariffs`
(`sql/core/merges/tariffs.sql`). A batch's ledger source is `file:<profile>`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from observatory.classification import revision_of_year
from observatory.config import Config
from observatory.errors import ConfigError, SourceError
from observatory.reference.codes import map_codes
from observatory.sources import batches
from observatory.sources.base import (
    BatchVerdict,
    InputOutcome,
    MergeResult,
    Resource,
    RunContext,
    Source,
)
from observatory.sources.files import client, resources
from observatory.sources.files.settings import Profile
from observatory.validation import suites
from observatory.warehouse import ledger, partitions
from observatory.warehouse.merge import replace_reported_partitions, replace_tariff_partitions
from observatory.warehouse.session import insert_frame, work_db

TRADE_RAW = ("raw.file_records", "raw.file_batches", "raw.file_code_map")
# What a file's World rows (core.trade_totals) are read for, by flow: a reporter's exports
# to the World, or a market's imports from the World (issue 15, part 1).
TOTALS_ROLE = {
    "X": "they feed the exporter-side indicators (RCA, world market shares, complexity) "
         "where no reconciled data exist",
    "M": "they give the market-side totals (the market's imports: shares, demand) where "
         "partner rows do not cover every partner",
}


class FileSource(Source):
    name = "files"
    label = "analysts' files"
    group = "trade"
    scheduled = False
    order = 70
    raw_tables = (*TRADE_RAW, "raw.tariff_records")
    resources = (
        Resource("core.trade_flows", ("source", "reported_by", "freq", "year", "month",
                                      "exporter_iso3", "importer_iso3", "classification",
                                      "product_code"),
                 "replace_partition", ("source", "reporter", "flow", "freq", "year")),
        Resource("core.trade_totals", ("source", "reporter_iso3", "flow", "freq", "year",
                                       "month", "classification", "product_code"),
                 "replace_partition", ("source", "reporter_iso3", "flow", "freq", "year")),
        Resource("core.tariffs", ("source", "importer_iso3", "partner_iso3", "regime",
                                  "year", "classification", "product_code"),
                 "replace_partition", ("source", "importer_iso3", "year")),
    )

    def handles_profile(self, cfg: Config, profile: str) -> bool:
        return profile in cfg.profiles

    def ingest_file(self, run: RunContext, path: Path, profile: str) -> InputOutcome:
        chosen = run.cfg.profiles.get(profile)
        if chosen is None:
            raise ConfigError(f"--profile: unknown profile {profile!r} (known: "
                              f"{', '.join(sorted(run.cfg.profiles))})")
        if chosen.kind == "tariffs":
            return ingest_tariff_file(run, path, chosen)
        return ingest_trade_file(run, path, chosen)

    def validate(self, run: RunContext, outcome: InputOutcome) -> BatchVerdict:
        assert outcome.batch_id is not None
        if _profile(run.cfg, outcome).kind == "tariffs":
            return batches.run_gate(run, outcome, suites.tariff_suite(outcome.batch_id),
                                    "raw.tariff_records", suites.TARIFF_RECORD)
        return batches.run_gate(
            run, outcome, suites.file_record_suite(outcome.batch_id), "raw.file_records",
            "concat_ws(' | ', r.reporter, r.partner, r.product, r.year, r.month, r.flow, "
            "r.value, r.quantity)", also_clear=TRADE_RAW[1:])

    def merge(self, run: RunContext, outcome: InputOutcome) -> MergeResult:
        """Replace the file's partitions in core, under the partition rule (the profile's
        `allow_deletions` or the run's flag lets deletions through)."""
        assert outcome.batch_id and outcome.release
        profile = _profile(run.cfg, outcome)
        guard = batches.guard_for(run.cfg, profile_allows=profile.allow_deletions)
        batch_id, source, release = outcome.batch_id, outcome.source, outcome.release
        if profile.kind == "tariffs":
            return batches.merge_batch(
                run, outcome, ("raw.tariff_records",),
                lambda con: replace_tariff_partitions(con, batch_id, source, release, guard,
                                                      what=outcome.file_name))

        routing: list[dict[str, Any]] = []
        blanks: list[int] = []

        def merge(con: duckdb.DuckDBPyConnection) -> tuple[int, partitions.ChangeReport]:
            # Read before the merge: it clears the batch's raw rows.
            routing.extend(_routing(con, batch_id))
            blanks.extend(r[0] for r in con.execute(
                "select blank_values from raw.file_batches where batch_id = ?",
                [batch_id]).fetchall())
            counts, report = replace_reported_partitions(
                con, "staging.stg_file_records", batch_id, source, release, guard,
                what=outcome.file_name)
            return counts["trade_flows"] + counts["trade_totals"], report

        result = batches.merge_batch(run, outcome, TRADE_RAW, merge)
        if result.status == "merged" and result.changes is not None:
            said = routing_text(routing)
            if said:
                with work_db(run.cfg) as con:
                    ledger.update_batch(con, batch_id, message="; ".join(
                        filter(None, [outcome.message, said])))
            result = replace(result, changes={
                **result.changes, "routing": routing, "blank_values": sum(blanks),
                "summary": "; ".join(filter(None, [said, result.changes.get("summary")])),
            })
        return result


def _profile(cfg: Config, outcome: InputOutcome) -> Profile:
    return cfg.profiles[outcome.source.removeprefix("file:")]


def _routing(con: duckdb.DuckDBPyConnection, batch_id: str) -> list[dict[str, Any]]:
    """Where the batch's rows go: table (trade_flows, or trade_totals for World rows), flow
    and HS level, with their row counts."""
    rows = con.execute(
        "select case when partner_is_world then 'trade_totals' else 'trade_flows' end, "
        "flow, hs_level, count(*) from staging.stg_file_records "
        "where batch_id = ? and not is_breakdown group by all order by all",
        [batch_id]).fetchall()
    return [{"table": t, "flow": f, "hs_level": lvl, "rows": int(n)}
            for t, f, lvl, n in rows]


def routing_text(routing: list[dict[str, Any]]) -> str:
    """One line on where a file's rows went, when any went to the World totals or were
    coded above HS6 (both kept apart, never dropped): "176,971 rows to trade totals
    (World; HS4): they feed …"."""
    def count(table: str, flow: str | None = None) -> int:
        return sum(r["rows"] for r in routing
                   if r["table"] == table and flow in (None, r["flow"]))

    def levels(table: str) -> str:
        kept = sorted({r["hs_level"] for r in routing if r["table"] == table}, reverse=True)
        return ", ".join(f"HS{level}" for level in kept)

    totals = count("trade_totals")
    coarse = any(r["hs_level"] != 6 for r in routing)
    if not totals and not coarse:
        return ""
    parts = []
    flows = count("trade_flows")
    if flows:
        parts.append(f"{flows:,} row{'s' * (flows != 1)} to trade flows (bilateral; "
                     f"{levels('trade_flows')})")
    if totals:
        roles = [TOTALS_ROLE[flow] for flow in ("X", "M") if count("trade_totals", flow)]
        parts.append(f"{totals:,} row{'s' * (totals != 1)} to trade totals (World; "
                     f"{levels('trade_totals')})"
                     + (f": {' and '.join(roles)}" if roles else ""))
    return ", ".join(parts)


def ingest_trade_file(run: RunContext, path: Path, profile: Profile) -> InputOutcome:
    """Land an analyst's trade file and load it into raw through its profile."""
    source = resources.source_name(profile)
    # A year taken from the file's name makes the name part of what was loaded.
    key = f"{profile.name}:{path.name}" if profile.year_from_filename else profile.name
    with work_db(run.cfg) as con:
        started = batches.start_file_batch(
            run.cfg, con, run.run_id, source, path, key=key,
            parameters={"profile": profile.name}, allow_deletions=profile.allow_deletions,
            handler="files")
        if isinstance(started, InputOutcome):
            return started
        batch_id, landed, sha = started.batch_id, started.landed, started.sha
        try:
            rows, _breakdown, notes = resources.load_raw(con, landed, profile, batch_id)
        except (SourceError, ConfigError) as exc:
            for table in TRADE_RAW:
                con.execute(f"delete from {table} where batch_id = ?", [batch_id])
            ledger.update_batch(con, batch_id, status="failed", message=str(exc))
            return InputOutcome(source, path.name, "failed", batch_id, sha[:12],
                                message=str(exc), handler="files")
        padded = batches.padded_codes(con, "raw.file_records", "product", batch_id,
                                      lengths=(1, 3, 5), dotted=True)
        if padded:
            notes.append(f"{padded:,} product code(s) of an odd number of digits padded with "
                         "a leading zero (a code read as a number loses it: 10121 is 010121)")
        message = "; ".join(notes) or None
        ledger.update_batch(con, batch_id, status="loaded", rows_read=rows, message=message)
    return InputOutcome(source, path.name, "loaded", batch_id, sha[:12], rows_read=rows,
                        message=message, handler="files")


def ingest_tariff_file(run: RunContext, path: Path, profile: Profile) -> InputOutcome:
    """An analyst's tariff file through a profile of kind "tariffs" into
    raw.tariff_records: one rate per row, the value column holding it."""
    source = resources.source_name(profile)
    with work_db(run.cfg) as con:
        started = batches.start_file_batch(
            run.cfg, con, run.run_id, source, path, key=profile.name,
            parameters={"profile": profile.name}, allow_deletions=profile.allow_deletions,
            handler="files")
        if isinstance(started, InputOutcome):
            return started
        batch_id, landed, sha = started.batch_id, started.landed, started.sha
        try:
            chunks = [c for c, _ in client.read_chunks(landed, profile)]
        except (SourceError, ConfigError) as exc:
            ledger.update_batch(con, batch_id, status="failed", message=str(exc))
            return InputOutcome(source, path.name, "failed", batch_id, sha[:12],
                                message=str(exc), handler="files")
        frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()
        records = _tariff_rows(frame, profile).assign(batch_id=batch_id)
        insert_frame(con, "raw.tariff_records", records, replace_batch=batch_id)
        non_ad_valorem = int((~records["is_ad_valorem"]).sum()) if len(records) else 0
        message = (f"{non_ad_valorem} non-ad-valorem duties kept as text"
                   if non_ad_valorem else None)
        ledger.update_batch(con, batch_id, status="loaded", rows_read=len(records),
                            message=message)
    return InputOutcome(source, path.name, "loaded", batch_id, sha[:12],
                        rows_read=len(records), message=message, handler="files")


def _tariff_rows(frame: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    importers = map_codes(frame["reporter"].dropna(), profile.reporter_codes)
    partners = map_codes(frame["partner"].dropna(), profile.partner_codes)
    rows = []
    for rec in frame.itertuples(index=False):
        importer = profile.reporter or (importers[str(rec.reporter)].label
                                        if pd.notna(rec.reporter) else None)
        partner = "W00" if not profile.partner_column else (
            partners[str(rec.partner)].label if pd.notna(rec.partner) else None)
        rate, ad_valorem, duty = parse_rate(None if pd.isna(rec.value) else rec.value,
                                            profile.decimal)
        product = ("".join(ch for ch in str(rec.product) if ch.isdigit())
                   if pd.notna(rec.product) else None)
        if product and len(product) % 2:
            product = "0" + product
        year = str(rec.year).strip()[:4] if pd.notna(rec.year) else None
        year_number = int(year) if year and year.isdigit() else None
        rows.append({
            "line_number": rec.line_number, "importer_iso3": importer,
            "partner_iso3": partner,
            "regime": profile.regime or ("MFN" if partner == "W00" else "PRF"),
            "year": year_number,
            "classification": profile.classification or (
                revision_of_year(year_number) if year_number is not None else None),
            "hs_level": len(product) if product else None, "product_code": product,
            "ad_valorem_pct": rate, "is_ad_valorem": ad_valorem, "duty_text": duty,
            "datatype": "file",
        })
    return pd.DataFrame(rows)


def parse_rate(text: str | None, decimal: str = ".") -> tuple[float | None, bool, str | None]:
    """A tariff cell as (ad valorem % or None, is ad valorem, duty text): "5", "5 %", "5,5%"
    and "free"/"exempt"/"exonéré" are ad valorem; anything else ("12% + 0.5 EUR/kg", "2 USD/t")
    is a non-ad-valorem duty kept as text."""
    if text is None or not str(text).strip():
        return None, True, None
    raw = str(text).strip()
    if raw.lower() in ("free", "exempt", "exonéré", "exonere", "ex", "0"):
        return 0.0, True, None
    number = raw.replace(",", ".") if decimal == "," else raw
    found = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*%?", number)
    if found:
        return float(found.group(1)), True, None
    return None, False, raw


SOURCE = FileSource()
