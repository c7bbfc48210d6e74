"""Sector fiches for the promotion strategy (`sector-<code>.html`, `sector-<code>.en.html`):
a sector's champion products and its priority matrix of markets × products, each pair
ranked by a composite score with the stability of its rank, printable as handed out.

The score of a (market, product) pair, among the sector's pairs with an export potential
(`mart.export_potential`): the weighted sum of its percentile ranks in untapped potential
(`untapped_usd`), the market's demand growth for the product (`demand_growth_rate`) and
the tariff margin (the other suppliers' average tariff less the home country's, points),
less the weighted percentile rank of its regulatory risk (the ePing notifications of that
market on the product, plus the home country's RASFF notifications on it when the market
is in the EU). Percentile rank: (average rank − 1) / (n − 1), ties sharing their rank, 1
for a lone pair; the weights (`[priority]` of observatory.toml) are normalised to sum to 1.

Stability: each weight is drawn `priority.draws` times uniformly within ±`weight_spread`
of itself (a fixed seed: the same data give the same page); a pair's stability is the share
of draws that keep it in the sector's `priority.top`. The export-potential parameters do
not move here: the published marts hold one set of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from observatory.config import PriorityConfig
from observatory.report.catalogue import product as tables_of
from observatory.report.filenames import market_file, product_file, sector_file
from observatory.report.formatting import check_language
from observatory.report.metadata import load_run_metadata
from observatory.report.page import page_context, render_page
from observatory.report.product_fiche import FicheSet
from observatory.report.provenance import Provenance
from observatory.report.published import PublishedTables
from observatory.report.texts import code_label

TEMPLATE = "sector.html.j2"
SEED = 20260101
CHAMPIONS = 10
PAIRS_SHOWN = 30
SECTOR_CODE = re.compile(r"[a-z0-9_-]{1,40}")


@dataclass
class Pair:
    market_iso3: str
    code: str
    description: str | None
    untapped_usd: float
    growth: float | None
    margin: float | None
    risk: int
    score: float = 0.0
    rank: int = 0
    stability: float = 0.0


def percentile_ranks(values: np.ndarray) -> np.ndarray:
    """(average rank − 1) / (n − 1) of each value, ascending, ties sharing their average
    rank; 1 for a single value."""
    n = len(values)
    if n == 1:
        return np.ones(1)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(n)
    ranks[order] = np.arange(n, dtype=float)
    # Ties: the average of their ranks.
    unique, inverse = np.unique(values, return_inverse=True)
    sums = np.bincount(inverse, weights=ranks)
    counts = np.bincount(inverse)
    return np.asarray((sums / counts)[inverse] / (n - 1))


def weight_vector(priority: PriorityConfig) -> np.ndarray:
    w = np.array([priority.untapped_weight, priority.growth_weight, priority.margin_weight,
                  priority.risk_weight], dtype=float)  # fmt: skip
    return np.asarray(w / w.sum())


def sector_pairs(found: FicheSet, sector: str) -> list[Pair]:
    """The sector's (market, HS6 product) pairs with an export potential."""
    pairs = []
    for fiche in found.fiches.values():
        if fiche.level != "hs6" or fiche.sector != sector:
            continue
        for market, m in fiche.markets.items():
            if m.get("potential_usd") is None:
                continue
            risk = sum(1 for n in fiche.notifications if n["market_iso3"] == market)
            if market in found.eu:
                risk += len(fiche.rasff)
            pairs.append(Pair(market, fiche.code, fiche.description, m["untapped_usd"] or 0.0,
                              m.get("demand_growth_rate"), m["margin_pts"], risk))  # fmt: skip
    return pairs


def rank_pairs(pairs: list[Pair], priority: PriorityConfig, seed: int = SEED) -> list[Pair]:
    """The pairs scored, ranked (score, then untapped potential, product, market) and with
    their rank's stability (see the module's docstring)."""
    if not pairs:
        return []
    columns = np.array([[p.untapped_usd, p.growth or 0.0, p.margin or 0.0, p.risk]
                        for p in pairs], dtype=float)  # fmt: skip
    ranks = np.column_stack([percentile_ranks(columns[:, j]) for j in range(4)])
    ranks[:, 3] *= -1  # risk lowers the score
    weights = weight_vector(priority)
    scores = ranks @ weights
    for pair, score in zip(pairs, scores, strict=True):
        pair.score = float(score)
    ordered = sorted(pairs, key=lambda p: (-round(p.score, 12), -p.untapped_usd, p.code,
                                           p.market_iso3))  # fmt: skip
    for rank, pair in enumerate(ordered, start=1):
        pair.rank = rank
    top = min(priority.top, len(pairs))
    rng = np.random.default_rng(seed)
    spread = priority.weight_spread
    drawn = weights[:, None] * rng.uniform(1 - spread, 1 + spread, (4, priority.draws))
    drawn /= drawn.sum(axis=0)
    all_scores = ranks @ drawn  # pairs × draws
    kept = np.zeros(len(pairs))
    best = np.argpartition(-all_scores, top - 1, axis=0)[:top] if top < len(pairs) else None
    if best is None:
        kept[:] = priority.draws
    else:
        np.add.at(kept, best.ravel(), 1)
    for pair, count in zip(pairs, kept, strict=True):
        pair.stability = float(count / priority.draws)
    return ordered


def sector_context(found: FicheSet, sector: str, lang: str, t: dict[str, str],
                   priority: PriorityConfig, threshold: float) -> dict[str, Any]:  # fmt: skip
    products = [f for f in found.fiches.values() if f.level == "hs6" and f.sector == sector]
    champions = sorted(
        (f for f in products if f.latest and (f.latest["rca"] or 0) >= threshold
         and (f.latest["home_exports_usd"] or 0) > 0),
        key=lambda f: (-(f.latest["home_exports_usd"] or 0.0) if f.latest else 0.0, f.code),
    )[:CHAMPIONS]  # fmt: skip
    exports = sum((f.latest["home_exports_usd"] or 0.0) for f in products if f.latest)
    ranked = rank_pairs(sector_pairs(found, sector), priority)
    return {
        "sector": sector,
        "sector_name": found.sector_name(sector, lang) or sector,
        "n_products": len(products),
        "exports": exports,
        "champions": [
            {
                **(f.latest or {}),
                "code": f.code,
                "description": f.description,
                "link": product_file(f.code, lang),
                "quadrant": code_label("quadrant", f.latest["quadrant"], t)
                if f.latest and f.latest["quadrant"]
                else None,
            }
            for f in champions
        ],  # fmt: skip
        "pairs": [
            {
                **vars(p),
                "market": found.country(p.market_iso3, lang),
                "market_link": market_file(p.market_iso3, lang)
                if p.market_iso3 in found.market_pages
                else None,
                "link": product_file(p.code, lang),
            }
            for p in ranked[:PAIRS_SHOWN]
        ],  # fmt: skip
        "n_pairs": len(ranked),
        "weights": weight_vector(priority).tolist(),
        "priority": priority,
        "tables": tables_of,
    }


def sectors_with_fiches(found: FicheSet) -> list[str]:
    """The sectors with at least one HS6 product fiche and a code fit for a file name."""
    codes = {f.sector for f in found.fiches.values() if f.level == "hs6" and f.sector}
    return sorted(c for c in codes if SECTOR_CODE.fullmatch(c))


def render_sector_fiches(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    lang: str,
    found: FicheSet,
    priority: PriorityConfig | None = None,
    *,
    generated_at: datetime | None = None,
) -> list[Path]:
    """Write one sector fiche per sector with product fiches, in `lang`."""
    check_language(lang)
    sectors = sectors_with_fiches(found)
    if not sectors:
        return []
    priority = priority or PriorityConfig()
    tables = PublishedTables(con, "sector fiches")
    meta = load_run_metadata(
        tables.with_reader("report"),
        lang=lang,
        generated_at=generated_at or datetime.now(UTC),
        counted=[],
    )
    base = page_context(lang, meta)
    t: dict[str, str] = base["t"]
    p = Provenance(tables, t, lang)
    base["sources"] = {
        "champions": p.line(p.rows("mart.product_competitiveness")),
        "pairs": p.line(
            p.export_potential() if tables.has("mart.export_potential") else [],
            p.ledger("eping", "rasff"),
        ),
    }
    threshold = meta.parameters.rca_threshold
    return [
        render_page(
            TEMPLATE,
            {**base, **sector_context(found, s, lang, t, priority, threshold)},
            Path(out_dir) / sector_file(s, lang),
        )  # fmt: skip
        for s in sectors
    ]
