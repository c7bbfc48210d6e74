"""Follow-up of the export program: its beneficiaries against matched non-beneficiaries.

For each cohort c (the program year a beneficiary entered), the year before (c − 1) is the
pre-program year and the last year of data the follow-up year. Each beneficiary is matched
to `[fabric] matches_per_beneficiary` firms that never benefited, of the same sector, size
class and region (else the same sector and size class, else the same sector), nearest in
pre-program exports (|log(1 + x_b) − log(1 + x_c)|, with replacement). For each group:

- export growth: Σ exports(post) / Σ exports(pre) − 1;
- survival: the share of the firms exporting in the pre-program year that still export in
  the follow-up year;
- new markets (products): mean number of destinations (HS6) exported in the follow-up year
  and not in the pre-program year;
- difference in differences on y = log(1 + exports): DiD = mean(Δy | beneficiaries) −
  mean(Δy | comparison), Δy = y_post − y_pre, with the standard error of a difference of
  two independent means, sqrt(s²_B / n_B + s²_C / n_C) (Welch), comparison firms counted
  once per match.

A follow-up, not a causal estimate: firms chose to apply and were selected; matching on
observables does not remove what was not observed. The earthquake provinces (`[fabric]
earthquake_provinces`) are followed apart. Disclosure: a group needs `min_exporters`
beneficiaries and comparison firms; the two province groups add up to the whole, so when
one is withheld the other is too.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from observatory.fabric import restricted

DB = "fabric_db"
LABEL = "follow-up, not a causal estimate"
COLUMNS = {
    "cohort": "integer", "group_name": "varchar", "status": "varchar",
    "n_beneficiaries": "integer", "n_comparison": "integer", "pre_year": "integer",
    "post_year": "integer", "growth_beneficiaries": "double",
    "growth_comparison": "double", "survival_beneficiaries": "double",
    "survival_comparison": "double", "new_markets_beneficiaries": "double",
    "new_markets_comparison": "double", "new_products_beneficiaries": "double",
    "new_products_comparison": "double", "did_log_exports": "double", "did_se": "double",
    "label": "varchar",
}
MEASURES = [c for c in COLUMNS if c not in ("cohort", "group_name", "status", "pre_year",
                                            "post_year", "label")]
GROUPS = ("all", "earthquake_provinces", "other_provinces")


def did(beneficiaries: np.ndarray, comparison: np.ndarray) -> tuple[float, float]:
    """Difference in differences of two groups' changes Δy, and its Welch standard error
    sqrt(s²_B/n_B + s²_C/n_C) (sample variances, ddof 1). Raises on fewer than 2 firms in
    a group (no variance)."""
    if len(beneficiaries) < 2 or len(comparison) < 2:
        raise ValueError("a difference in differences needs 2 firms or more in each group")
    estimate = float(np.mean(beneficiaries) - np.mean(comparison))
    se = math.sqrt(float(np.var(beneficiaries, ddof=1)) / len(beneficiaries)
                   + float(np.var(comparison, ddof=1)) / len(comparison))
    return estimate, se


def match(treated: pd.DataFrame, pool: pd.DataFrame, k: int) -> pd.DataFrame:
    """(beneficiary, comparison) pairs: k nearest in log pre-program exports within the
    same sector, size class and region, else sector and size class, else sector."""
    pairs = []
    for _, firm in treated.iterrows():
        for keys in (("sector", "size_class", "region"), ("sector", "size_class"),
                     ("sector",)):
            mask = np.ones(len(pool), dtype=bool)
            for key in keys:
                mask &= (pool[key] == firm[key]).to_numpy()
            candidates = pool[mask]
            if len(candidates):
                distance = (candidates["log_pre"] - firm["log_pre"]).abs()
                order = np.lexsort((candidates["exporter_id"].to_numpy(),
                                    distance.to_numpy()))
                for pos in order[:k]:
                    pairs.append((firm["exporter_id"],
                                  candidates["exporter_id"].iloc[pos]))
                break
    return pd.DataFrame(pairs, columns=["beneficiary", "comparison"])


def _firm_years(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(f"""
        select exporter_id, year, sum(value_usd) as exports_usd,
               list(distinct destination_iso3) as destinations, list(distinct hs6) as products
        from {DB}.core.fabric_exports group by all
    """).df()


def follow_up(con: duckdb.DuckDBPyConnection, cfg: Any, rules: Any) -> pd.DataFrame | None:
    """The follow-up rows by cohort and group, disclosure applied (restricted DB attached)."""
    fab = restricted.settings(cfg)
    program = con.execute(f"select exporter_id, cohort, status from {DB}.core.fabric_program"
                          ).df()
    if program.empty:
        return None
    registry = con.execute(f"select exporter_id, coalesce(sector, 'unknown') as sector, "
                           f"coalesce(size_class, 'unknown') as size_class, "
                           f"coalesce(region, 'unknown') as region, province "
                           f"from {DB}.core.fabric_registry").df()
    years = _firm_years(con)
    if years.empty:
        return None
    post_year = int(years["year"].max())
    by_firm_year = {(r.exporter_id, int(r.year)): r for r in years.itertuples()}
    ever = set(program.loc[program["status"] == "beneficiary", "exporter_id"])
    quake = set(fab.earthquake_provinces)
    rows = []
    for cohort in sorted(program.loc[program["status"] == "beneficiary", "cohort"].unique()):
        cohort = int(cohort)
        pre_year = cohort - 1
        if post_year < cohort or pre_year < int(years["year"].min()):
            continue
        firms = registry.copy()
        firms["pre"] = [float(getattr(by_firm_year.get((f, pre_year)), "exports_usd", 0.0))
                        for f in firms["exporter_id"]]
        firms["log_pre"] = np.log1p(firms["pre"])
        members = set(program.loc[(program["cohort"] == cohort)
                                  & (program["status"] == "beneficiary"), "exporter_id"])
        treated = firms[firms["exporter_id"].isin(members)]
        pool = firms[~firms["exporter_id"].isin(ever)]
        pairs = match(treated, pool, fab.matches_per_beneficiary)
        province = dict(zip(firms["exporter_id"], firms["province"], strict=True))
        for group in GROUPS:
            chosen = pairs
            if group != "all":
                in_quake = pairs["beneficiary"].map(
                    lambda f, where=province: where.get(f) in quake)
                chosen = pairs[in_quake if group == "earthquake_provinces" else ~in_quake]
            rows.append(_measures(cohort, group, pre_year, post_year, chosen, by_firm_year))
    if not rows:
        return None
    return _disclose(pd.DataFrame(rows), rules.min_exporters)


def _measures(cohort: int, group: str, pre_year: int, post_year: int, pairs: pd.DataFrame,
              by_firm_year: dict[tuple[str, int], Any]) -> dict[str, Any]:
    beneficiaries = list(dict.fromkeys(pairs["beneficiary"]))
    comparison = list(pairs["comparison"])  # once per match
    row: dict[str, Any] = {"cohort": cohort, "group_name": group, "pre_year": pre_year,
                           "post_year": post_year, "label": LABEL,
                           "n_beneficiaries": len(beneficiaries),
                           "n_comparison": len(set(comparison))}
    deltas = {}
    for name, firms in (("beneficiaries", beneficiaries), ("comparison", comparison)):
        pre = [by_firm_year.get((f, pre_year)) for f in firms]
        post = [by_firm_year.get((f, post_year)) for f in firms]
        pre_v = np.array([float(p.exports_usd) if p is not None else 0.0 for p in pre])
        post_v = np.array([float(p.exports_usd) if p is not None else 0.0 for p in post])
        row[f"growth_{name}"] = (post_v.sum() / pre_v.sum() - 1) if pre_v.sum() > 0 else None
        alive = [b is not None for a, b in zip(pre, post, strict=True) if a is not None]
        row[f"survival_{name}"] = (sum(alive) / len(alive)) if alive else None
        row[f"new_markets_{name}"] = _mean_new(pre, post, "destinations")
        row[f"new_products_{name}"] = _mean_new(pre, post, "products")
        deltas[name] = np.log1p(post_v) - np.log1p(pre_v)
    try:
        row["did_log_exports"], row["did_se"] = did(deltas["beneficiaries"],
                                                    deltas["comparison"])
    except ValueError:
        row["did_log_exports"] = row["did_se"] = None
    return row


def _mean_new(pre: list[Any], post: list[Any], field: str) -> float | None:
    counts = [len(set(getattr(b, field)) - set(getattr(a, field) if a is not None else []))
              for a, b in zip(pre, post, strict=True) if b is not None]
    return float(np.mean(counts)) if counts else None


def _disclose(frame: pd.DataFrame, minimum: int) -> pd.DataFrame:
    small = (frame["n_beneficiaries"] < minimum) | (frame["n_comparison"] < minimum)
    frame["status"] = np.where(small, "c", "ok")
    # the two province groups add up to the whole: never one withheld alone
    for _cohort, rows in frame.groupby("cohort"):
        parts = rows[rows["group_name"] != "all"]
        if (parts["status"] == "c").sum() == 1:
            frame.loc[parts.index, "status"] = "c"
    frame.loc[frame["status"] == "c", MEASURES] = None
    return frame
