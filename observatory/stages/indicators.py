"""The indicators of a run: HS-revision conversion and the trade marts, the study, the
watch; and the fingerprints that let a run skip them when what they are computed from did
not change (`ops.refresh_state`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date
from typing import Any

import duckdb

from observatory import plan
from observatory.config import Config
from observatory.faults import checkpoint
from observatory.sources import registry
from observatory.warehouse import ledger, sql_runner
from observatory.warehouse.session import work_db

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
        mirror_band=[cfg.thresholds.mirror_band_low, cfg.thresholds.mirror_band_high])


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
    """Fill ref.hs_conversion for every HS revision core holds at HS6 besides the study's;
    returns the revisions converted. Weights: world trade in each study code."""
    con.execute("delete from ref.hs_conversion")
    study = cfg.study.hs_revision
    revisions = [r[0] for r in con.execute(
        "select distinct classification from core.trade_flows "
        "where hs_level = 6 and classification <> ? order by 1", [study]).fetchall()]
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
    for revision in revisions:
        conversion = build_conversion(correlations, revision, study, weights=weights)
        conversion = conversion.assign(source_revision=revision, target_revision=study)
        con.register("_conversion", conversion)
        try:
            con.execute("insert into ref.hs_conversion by name select source_revision, "
                        "target_revision, source_hs6, target_hs6, share from _conversion")
        finally:
            con.unregister("_conversion")
    return revisions


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
