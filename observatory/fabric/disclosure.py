"""Disclosure control of the exporter fabric's cells, before anything is published.

1. Primary suppression (a cell is confidential, status 'c'): fewer than
   `[fabric] min_exporters` exporters, or its largest exporter holds more than
   `dominance_share` of its value (the (1, k) dominance rule, Hundepool et al., *Statistical
   Disclosure Control*, Wiley 2012, §4.2).
2. Secondary suppression: the published cells are linked by sums, within a year: every
   breakdown of exporters (sector, region, legal form, size class, HS section, destination)
   adds up to the total; the provinces of a region add up to the region; the HS6 codes of a
   section add up to the section; the priority markets' cell is the sum of their destination
   cells. A relation with exactly one suppressed member gives it away (total minus the
   others), so another member is suppressed, the smallest (the least information lost),
   until no relation has exactly one. Then an exact audit: a suppressed cell is recoverable
   when its unit vector lies in the row space of the relations restricted to the suppressed
   cells (linear algebra over every relation of the year at once, e.g. region = Σ provinces
   and total = Σ regions together); while one is, the smallest published member of a
   relation holding it is suppressed too.
3. Within a published cell, the measures that would show one exporter's value are
   withheld: the median below `min_exporters_quantiles` exporters, the top 1 % / 5 % shares
   when that group has fewer than `min_exporters` exporters; and the exit rate of a year
   whose previous year's cell is suppressed (it would give N_{t−1} back from N_t and the
   entry rate).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Breakdowns that partition the year's exports (each flow in exactly one cell).
PARTITIONS = ("sector", "region", "legal_form", "size_class", "hs_section", "destination")
KEY = ("year", "dimension", "cell", "parent")
VALUE_MEASURES = ("n_exporters", "exports_usd", "mean_usd", "median_usd", "top1_share",
                  "top5_share", "hhi", "products_per_exporter", "destinations_per_exporter",
                  "new_relationships", "entry_rate", "exit_rate", "survival_1y",
                  "survival_2y", "survival_3y")

Cell = tuple[int, str, str, str]


@dataclass(frozen=True)
class Rules:
    min_exporters: int = 3
    dominance_share: float = 0.8
    min_exporters_quantiles: int = 10


def primary(cells: pd.DataFrame, rules: Rules) -> pd.Series:
    """True where a cell breaks the threshold or the dominance rule."""
    few = cells["n_exporters"] < rules.min_exporters
    dominated = cells["largest_usd"] > rules.dominance_share * cells["exports_usd"]
    return few | dominated


def relations(cells: pd.DataFrame, priority: Iterable[str]) -> list[tuple[Cell, list[Cell]]]:
    """Every (whole, parts) sum relation among the cells, year by year."""
    keys = [tuple(r) for r in cells[list(KEY)].itertuples(index=False, name=None)]
    present = set(keys)
    by_dim: dict[tuple[int, str], list[Cell]] = defaultdict(list)
    for key in keys:
        by_dim[(key[0], key[1])].append(key)
    priority = set(priority)
    out: list[tuple[Cell, list[Cell]]] = []
    for year in sorted({k[0] for k in keys}):
        total = (year, "total", "all", "")
        if total not in present:
            continue
        for dim in PARTITIONS:
            parts = by_dim.get((year, dim), [])
            if parts:
                out.append((total, parts))
        provinces: dict[str, list[Cell]] = defaultdict(list)
        for key in by_dim.get((year, "province"), []):
            provinces[key[3]].append(key)
        for region, parts in provinces.items():
            whole = (year, "region", region, "")
            if whole in present:
                out.append((whole, parts))
        codes: dict[str, list[Cell]] = defaultdict(list)
        for key in by_dim.get((year, "hs6"), []):
            codes[key[3]].append(key)
        for section, parts in codes.items():
            whole = (year, "hs_section", section, "")
            if whole in present:
                out.append((whole, parts))
        whole = (year, "priority_markets", "priority", "")
        if whole in present:
            parts = [k for k in by_dim.get((year, "destination"), []) if k[2] in priority]
            if parts:
                out.append((whole, parts))
    return out


def recoverable(links: list[tuple[Cell, list[Cell]]], suppressed: set[Cell]) -> set[Cell]:
    """The suppressed cells that the relations determine exactly (given every published
    value): x_j is determined iff e_j is in the row space of the relations' coefficients on
    the suppressed cells."""
    out: set[Cell] = set()
    by_year: dict[int, list[tuple[Cell, list[Cell]]]] = defaultdict(list)
    for whole, parts in links:
        by_year[whole[0]].append((whole, parts))
    for year_links in by_year.values():
        unknown = sorted({c for whole, parts in year_links for c in (whole, *parts)
                          if c in suppressed})
        if not unknown:
            continue
        index = {c: i for i, c in enumerate(unknown)}
        rows = []
        for whole, parts in year_links:
            row = np.zeros(len(unknown))
            if whole in index:
                row[index[whole]] = 1.0
            for part in parts:
                if part in index:
                    row[index[part]] -= 1.0
            if row.any():
                rows.append(row)
        if not rows:
            continue
        # e_j is in the row space iff its projection on it has norm 1: the squared norm of
        # row j of the right singular vectors with non-zero singular values.
        _, sigma, vt = np.linalg.svd(np.array(rows), full_matrices=False)
        basis = vt[sigma > 1e-9 * max(sigma.max(), 1.0)]
        reach = (basis * basis).sum(axis=0)
        out.update(cell for cell, i in index.items() if reach[i] > 1 - 1e-9)
    return out


def secondary(cells: pd.DataFrame, first: set[Cell], links: list[tuple[Cell, list[Cell]]]
              ) -> set[Cell]:
    """The cells to suppress besides `first` so that no suppressed cell can be recovered."""
    value = {tuple(k): v for k, v in zip(
        cells[list(KEY)].itertuples(index=False, name=None), cells["exports_usd"],
        strict=True)}
    suppressed = set(first)

    def smallest_published(members: list[Cell]) -> Cell | None:
        candidates = [c for c in members if c not in suppressed]
        return min(candidates, key=lambda c: (value[c], c)) if candidates else None

    while True:
        changed = False
        for whole, parts in links:
            members = [whole, *parts]
            hidden = [c for c in members if c in suppressed]
            if len(hidden) == 1:
                pick = smallest_published(parts) or smallest_published([whole])
                if pick is not None:
                    suppressed.add(pick)
                    changed = True
        if changed:
            continue
        exposed = recoverable(links, suppressed)
        if not exposed:
            break
        for cell in sorted(exposed):
            for whole, parts in links:
                members = [whole, *parts]
                if cell in members:
                    pick = smallest_published(parts) or smallest_published([whole])
                    if pick is not None:
                        suppressed.add(pick)
                        changed = True
                        break
            if changed:
                break
        if not changed:
            break  # nothing left to suppress: every member of those relations is hidden
    return suppressed - set(first)


def disclose(cells: pd.DataFrame, rules: Rules, priority: Iterable[str]) -> pd.DataFrame:
    """The cells as they may be published: status 'c' (confidentiel) with every measure
    NULL where suppressed, `rule` saying why for the page ('primary', 'secondary'); the
    measures that would show one exporter's value withheld in published cells."""
    out = cells.copy()
    keys = [tuple(r) for r in out[list(KEY)].itertuples(index=False, name=None)]
    is_primary = primary(out, rules)
    first = {k for k, p in zip(keys, is_primary, strict=True) if p}
    links = relations(out, priority)
    second = secondary(out, first, links)
    hidden = first | second
    out["status"] = ["c" if k in hidden else "ok" for k in keys]
    out["rule"] = ["primary" if k in first else "secondary" if k in second else ""
                   for k in keys]
    published = out["status"] == "ok"
    out.loc[~published, list(VALUE_MEASURES)] = np.nan
    out.loc[out["n_exporters"].lt(rules.min_exporters_quantiles) | ~published,
            "median_usd"] = np.nan
    out.loc[out["top1_group"].lt(rules.min_exporters) | ~published, "top1_share"] = np.nan
    out.loc[out["top5_group"].lt(rules.min_exporters) | ~published, "top5_share"] = np.nan
    before = {(k[0] + 1, k[1], k[2], k[3]) for k in hidden}
    follows = pd.Series([k in before for k in keys], index=out.index)
    out.loc[follows, "exit_rate"] = np.nan
    return out.drop(columns=["largest_usd", "top1_group", "top5_group", "n_previous"],
                    errors="ignore")
