"""Alerts against a baseline, and trade thresholds that scale with the market's size.

A change alert (CHANGE_RULES: share drop, competitor gain, demand contraction, RASFF spike)
says that something moved since what readers were shown. The first publication of a market
for such a rule has shown them nothing yet: it *states the situation* instead. Its
candidates are stored in `ops.alert_situation` and the baseline in `ops.alert_baselines`
(rule, market, run), and no alert is raised. Later runs raise every candidate that is not
part of that situation still: a new period, a product or a competitor crossing a threshold,
or a stated move whose size changed since (by more than 5 %, and at least half a unit: a
revised or completed period).
A situation entry that no longer holds is removed, so that it alerts if it comes back.
A rule and market are baselined once their mart has rows for the market (a market without
data yet gets its baseline when its data arrive); a warehouse that already raised alerts for
a rule and market before baselines existed counts as baselined. New notifications and
comment deadlines are dated events, raised from the first run.

Thresholds: a trade rule (share drop, competitor gain, demand contraction) considers a
product only when the home country exported it to the market for at least
    max(watch.min_value_usd, watch.min_value_ppm / 1,000,000 × M)
in the previous period, M the market's total imports in its latest year of
`mart.market_indicators`: a line worth watching in Mauritania ($4.5 billion of imports) is
noise in Germany ($1,560 billion). The threshold applied is in each alert's evidence
(`threshold_usd`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import duckdb

CHANGE_RULES = ("share_drop", "competitor_gain", "demand_contraction", "rasff_spike")
TRADE_RULES = ("share_drop", "competitor_gain", "demand_contraction")

# The markets whose mart has rows to compare, per change rule.
_SCOPES = {
    "share_drop": "select distinct market_iso3 from mart.watch_market_shares "
                  "where previous_period is not null",
    "competitor_gain": "select distinct market_iso3 from mart.watch_competitors "
                       "where share_prev is not null",
    "demand_contraction": "select distinct market_iso3 from mart.watch_demand "
                          "where imports_prev_usd is not null",
    "rasff_spike": "select '' from mart.rasff_intensity as r, ops.run_parameters as p "
                   "where r.origin_iso3 = p.home_iso3 limit 1",
}


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = ? and table_name = ?", [schema, name]).fetchone()[0])


def market_thresholds(con: duckdb.DuckDBPyConnection) -> tuple[float, dict[str, float]]:
    """(the floor min_value_usd, {market: its threshold}) from the run's parameters."""
    floor, ppm = con.execute(
        "select min_value_usd, coalesce(min_value_ppm, 0) from ops.run_parameters").fetchone()
    floor = float(floor or 0)
    if not ppm or not _exists(con, "mart.market_indicators"):
        return floor, {}
    rows = con.execute(
        "select market_iso3, arg_max(market_imports_usd, year) from mart.market_indicators "
        "where market_imports_usd is not null group by market_iso3").fetchall()
    return floor, {m: max(floor, float(ppm) / 1e6 * float(v)) for m, v in rows}


def scale_thresholds(con: duckdb.DuckDBPyConnection, candidates: dict[str, dict[str, Any]]
                     ) -> dict[str, dict[str, Any]]:
    """The candidates whose product passes its market's threshold (trade rules); each keeps
    the threshold applied in its evidence."""
    floor, thresholds = market_thresholds(con)
    kept: dict[str, dict[str, Any]] = {}
    for key, alert in candidates.items():
        if alert["rule"] in TRADE_RULES:
            threshold = thresholds.get(alert["market_iso3"], floor)
            evidence = json.loads(alert["evidence"])
            previous = evidence.get("row", {}).get("home_exports_prev_usd")
            if previous is None or previous < threshold:
                continue
            evidence["row"]["threshold_usd"] = round(threshold, 2)
            alert = {**alert, "evidence": json.dumps(evidence, sort_keys=True,
                                                     ensure_ascii=False)}
        kept[key] = alert
    return kept


def _baselined(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    rows = con.execute("select rule, market_iso3 from ops.alert_baselines union "
                       "select rule, coalesce(market_iso3, '') from ops.alerts").fetchall()
    return {(r, m) for r, m in rows}


def hold_back(con: duckdb.DuckDBPyConnection, run_id: str,
              candidates: dict[str, dict[str, Any]], open_keys: dict[str, str]
              ) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Split the candidates: those to raise or keep (returned), and the situation (stored,
    never raised). Records the baselines this run sets. Returns (candidates, {"set": {rule:
    markets baselined now}, "situation": {rule: moves stated now}, "stated": n still part
    of a situation})."""
    baselined = _baselined(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    new_scopes: dict[tuple[str, str], int] = {}
    for rule in CHANGE_RULES:
        for (market,) in con.execute(_SCOPES[rule]).fetchall():
            if (rule, market or "") not in baselined:
                new_scopes[(rule, market or "")] = 0
    stated = dict(con.execute("select alert_key, severity from ops.alert_situation").fetchall())
    kept: dict[str, dict[str, Any]] = {}
    still_stated = 0
    for key, alert in candidates.items():
        scope = (alert["rule"], alert["market_iso3"] or "")
        if key in open_keys or alert["rule"] not in CHANGE_RULES:
            kept[key] = alert
        elif scope in new_scopes:  # the first publication for it: the situation
            new_scopes[scope] += 1
            con.execute(
                "insert or replace into ops.alert_situation values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [key, alert["rule"], alert["market_iso3"], alert["product_code"],
                 alert["period"], alert["reference"], alert["severity"], alert["title_en"],
                 alert["title_fr"], alert["evidence"], run_id])
        elif key in stated and _same(stated[key], alert["severity"]):
            still_stated += 1  # stated by the baseline, and still so: nothing new
        else:  # a new move, or a stated one whose size changed since: a change
            kept[key] = alert
    # A stated move that no longer holds, or is now raised, leaves the situation (it
    # alerts if it comes back).
    gone = [key for key in stated if key not in candidates or key in kept]
    if gone:
        con.executemany("delete from ops.alert_situation where alert_key = ?",
                        [[k] for k in gone])
    for (rule, market), count in new_scopes.items():
        con.execute("insert or replace into ops.alert_baselines values (?, ?, ?, ?, ?)",
                    [rule, market, run_id, now, count])
    set_now: dict[str, int] = {}
    situation: dict[str, int] = {}
    for (rule, _market), count in new_scopes.items():
        set_now[rule] = set_now.get(rule, 0) + 1
        situation[rule] = situation.get(rule, 0) + count
    return kept, {"set": set_now, "situation": situation, "stated": still_stated}


def _same(stated: float | None, now: float | None) -> bool:
    """Whether a move is still the one the baseline stated: its size (points, percent,
    notifications) within 5 % of it, and at least half a unit."""
    if stated is None or now is None:
        return stated is None and now is None
    return abs(now - stated) <= max(0.5, 0.05 * abs(stated))


def summary_line(baseline: dict[str, Any] | None) -> str | None:
    """One run-summary line when this run set baselines: what it stated instead of alerts."""
    if not baseline or not baseline.get("set"):
        return None
    parts = ", ".join(f"{rule} {baseline['set'][rule]} market(s), "
                      f"{baseline['situation'].get(rule, 0)} move(s)"
                      for rule in CHANGE_RULES if rule in baseline["set"])
    return ("watch: first publication for some markets: the situation is stated as the "
            f"baseline, no change alert raised ({parts}); later runs alert on changes "
            "against it")
