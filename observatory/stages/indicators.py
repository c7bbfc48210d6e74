"""The indicators of a run: HS-revision conversion and the trade marts, the study, the
watch; and the fingerprints that let a run skip them when what they are computed from did
not change (`ops.refresh_state`)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict
from datetime import date
from typing import Any

import duckdb

from observatory import plan
from observatory.config import Config
from observatory.errors import ReferenceDataError
from observatory.faults import checkpoint
from observatory.sources import registry
from observatory.warehouse import ledger, sql_runner
from observatory.warehouse.session import work_db

log = logging.getLogger(__name__)

TRADE_MARTS = "trade marts"  # sql/mart/trade (observatory.plan.SQL_LAYERS)


def trade_fingerprint(cfg: Config, ref_fingerprint: str) -> str:
    """What the trade step (SQL marts, study, the watch's trade marts) is computed from:
    the batches of the sources that feed them, reference data, models and the study's
    parameters."""
    skip = tuple(s.name for s in registry.sources() if not s.feeds_trade_marts)
    return _inputs_fingerprint(cfg, ref_fingerprint, skip_sources=skip,
                               thresholds=asdict(cfg.thresholds))


def publication_fingerprint(cfg: Config, ref_fingerprint: str) -> str:
    """What the published database would hold: merged batches, parameters, models, ref.
    (The watch's date is not in it: a quiet night re-evaluates the date-dependent alerts
    and republishes only when they change.)"""
    return _inputs_fingerprint(
        cfg, ref_fingerprint, rca_threshold=cfg.thresholds.rca, watch=asdict(cfg.watch),
        mirror_band=[cfg.thresholds.mirror_band_low, cfg.thresholds.mirror_band_high],
        fabric=_fabric_rules(cfg))


def _fabric_rules(cfg: Config) -> list[object]:
    """The exporter fabric's disclosure rules and groups: a change republishes its marts."""
    from observatory.fabric.restricted import settings

    fab = settings(cfg)
    return [fab.min_exporters, fab.dominance_share, fab.min_exporters_quantiles,
            list(fab.earthquake_provinces), fab.program_first_year,
            fab.matches_per_beneficiary]


def _inputs_fingerprint(cfg: Config, ref_fingerprint: str, *,
                        skip_sources: tuple[str, ...] = (), **parts: Any) -> str:
    """A hash of the merged or published batches (less those of `skip_sources`), the study's
    parameters, the HS conversion, the SQL models, the reference data and `parts`."""
    skip = " and source not in (select unnest(?::varchar[]))" if skip_sources else ""
    with work_db(cfg) as con:
        batches = [r[0] for r in con.execute(
            "select batch_id from ops.load_ledger where status in ('merged', 'published')"
            f"{skip} order by batch_id", [list(skip_sources)] if skip_sources else []
        ).fetchall()]
    payload = {
        "batches": batches, "study": asdict(cfg.study), "analysis": asdict(cfg.analysis),
        "potential": asdict(cfg.potential),
        "hs_concordance": [str(p) for p in cfg.hs_concordance.tables]
                          + [cfg.hs_concordance.weights],
        "sql": sql_runner.sql_fingerprint(), "ref": ref_fingerprint, **parts,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def refresh_state(cfg: Config, step: str) -> str | None:
    """The fingerprint the step was last computed from (None: never)."""
    with work_db(cfg) as con:
        rows = con.execute("select fingerprint from ops.refresh_state where step = ?",
                           [step]).fetchall()
    return rows[0][0] if rows else None


def record_refresh_state(cfg: Config, step: str, fingerprint: str, run_id: str) -> None:
    with work_db(cfg) as con:
        con.execute("insert or replace into ops.refresh_state values (?, ?, ?, ?)",
                    [step, fingerprint, run_id, ledger.now()])


def build_hs_conversion(cfg: Config, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Fill ref.hs_conversion for every HS revision core holds at HS6 (flows and World
    totals) besides the study's; returns the revisions converted. Weights: world trade in
    each study code. A revision no table or chain of tables links to the study's is left
    unconverted: its HS6 rows stay out of the indicators, and mart.hs_revision_conversion
    and mart.input_coverage show their value as not converted."""
    con.execute("delete from ref.hs_conversion")
    study = cfg.study.hs_revision
    revisions = [r[0] for r in con.execute(
        "select distinct classification from core.trade_flows "
        "where hs_level = 6 and classification <> $study union "
        "select distinct classification from core.trade_totals "
        "where hs_level = 6 and classification <> $study order by 1",
        {"study": study}).fetchall()]
    if not revisions or not cfg.hs_concordance.tables:
        return []
    from observatory.reference.concordance import build_conversion, load_correlation

    correlations = [load_correlation(path) for path in cfg.hs_concordance.tables]
    weights = None
    if cfg.hs_concordance.weights == "trade":
        weights = con.execute(
            "select product_code as target_hs6, sum(value_usd) as weight "
            "from core.trade_flows where classification = ? and hs_level = 6 group by 1",
            [study]).df()
    converted = []
    for revision in revisions:
        try:
            conversion = build_conversion(correlations, revision, study, weights=weights)
        except ReferenceDataError as exc:
            log.warning("%s: its HS6 rows stay out of the indicators", exc)
            continue
        converted.append(revision)
        conversion = conversion.assign(source_revision=revision, target_revision=study)
        con.register("_conversion", conversion)
        try:
            con.execute("insert into ref.hs_conversion by name select source_revision, "
                        "target_revision, source_hs6, target_hs6, share from _conversion")
        finally:
            con.unregister("_conversion")
    return converted


def _years(years: list[int]) -> str:
    """2019–2024, or 2017, or 2017, 2019–2020."""
    years = sorted(set(years))
    spans: list[list[int]] = []
    for year in years:
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def coverage_lines(cfg: Config) -> list[str]:
    """One line per source from mart.input_coverage: which side of the indicators it fed,
    for which years and levels, and what of it was left out and why."""
    with work_db(cfg) as con:
        present = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'mart' "
            "and table_name = 'input_coverage'").fetchone()[0]
        if not present:  # marts not built in this run (a run that only ingests)
            return []
        rows = con.execute(
            "select source, side, input, used, year, hs_level, reason, market_iso3, n_rows "
            "from mart.input_coverage order by source, side, year").fetchall()
    by_source: dict[str, dict[str, Any]] = {}
    for source, side, input_, used, year, level, reason, market, n_rows in rows:
        entry = by_source.setdefault(source, {"used": {}, "unused": {}})
        if used:
            key = (side, input_)
            slot = entry["used"].setdefault(key, {"years": set(), "levels": set(),
                                                  "markets": set()})
            slot["years"].add(year)
            slot["levels"].add(level)
            if market:
                slot["markets"].add(market)
        else:
            slot = entry["unused"].setdefault(reason, {"years": set(), "rows": 0})
            slot["years"].add(year)
            slot["rows"] += n_rows
    lines = []
    for source, entry in sorted(by_source.items()):
        parts = []
        for (side, input_), slot in sorted(entry["used"].items()):
            levels = "/".join(f"HS{lv}" if lv != 8 else "CN8"
                              for lv in sorted(slot["levels"], reverse=True))
            where = (f", {len(slot['markets'])} market(s)" if slot["markets"] else "")
            parts.append(f"{side} side ({input_}) {_years(list(slot['years']))} "
                         f"{levels}{where}")
        for reason, slot in sorted(entry["unused"].items()):
            parts.append(f"not used {_years(list(slot['years']))}: {reason} "
                         f"({slot['rows']:,} row(s))")
        lines.append(f"{source}: " + "; ".join(parts))
    return lines


def build_marts(cfg: Config) -> dict[str, int]:
    """Bring other HS revisions into the study's, then rebuild the trade marts; returns the
    row count of every mart."""
    counts: dict[str, int] = {}
    with work_db(cfg) as con:
        build_hs_conversion(cfg, con)
        for path in plan.layer_files(TRADE_MARTS):
            sql_runner.apply_file(con, path)
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'mart' "
            "order by table_name"
        ).fetchall():
            row = con.execute(f'select count(*) from mart."{name}"').fetchone()
            counts[f"mart.{name}"] = int(row[0]) if row else 0
    return counts


def refresh_study(cfg: Config, run_id: str) -> dict[str, Any]:
    """The exportable-offer study refresh (observatory.study.refresh) on the working
    database: complexity, the study marts, CMS, the study version and its changes."""
    checkpoint("study")
    from observatory.study.refresh import refresh_study as refresh

    with work_db(cfg) as con:
        return refresh(con, cfg, run_id)


def refresh_watch(cfg: Config, run_id: str, as_of: date, trade: bool = True
                  ) -> dict[str, Any]:
    """The watch refresh (observatory.watch.refresh) on the working database: watch marts
    (without `trade`, only the regulatory ones), alerts, digest."""
    checkpoint("watch")
    from observatory.watch.refresh import refresh_watch as refresh

    with work_db(cfg) as con:
        return refresh(con, cfg, run_id, as_of, trade=trade)
