"""Alert rules of the watch ([watch] in the configuration), evaluated on the watch marts.

Each rule turns rows of a mart into candidate alerts with a key (rule, market, product,
period, reference) and evidence (the row's numbers and the table it came from).
`ops.alerts` keeps one row per alert: a candidate whose key has no open alert is raised
(once: the run that first saw it); an open alert whose key is no longer a candidate is
cleared; an open alert that is still a candidate is only marked as seen.

Rules (thresholds from ops.run_parameters; trade rules only for products the home country
exported to the market for at least min_value_usd in the previous period; the latest
annual period of each market, and its latest monthly windows (12 months, year to date,
month) where monthly data are loaded: each market's own latest month):
    share_drop          the home country's share fell by more than share_drop_pts points
    competitor_gain     a watched competitor's share rose by more than competitor_gain_pts
    demand_contraction  the market's imports fell by more than demand_contraction_pct %
    new_notification    an ePing notification names one of the home country's top_products
                        exports to the market, and is open for comments or was distributed
                        in the 30 days before as_of
    deadline            an open notification on products the home country exports to the
                        market has its comment deadline within deadline_days of as_of
    rasff_spike         RASFF notifications on the home country's products in a product
                        group in the latest year >= rasff_spike_min and >= rasff_spike_ratio
                        times the average of the years before (or no notification before)
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pandas as pd

from observatory.watch import baselines

RULES = ("share_drop", "competitor_gain", "demand_contraction", "new_notification",
         "deadline", "rasff_spike")
NEW_NOTIFICATION_DAYS = 30

_LATEST = """
    latest as (
        select market_iso3, period_kind, max(period) as period from mart.watch_market_shares
        group by market_iso3, period_kind
    )"""

CANDIDATES: dict[str, str] = {
    "share_drop": f"""
        with p as (select * from ops.run_parameters), {_LATEST}
        select s.market_iso3, s.code as product_code, s.period, s.period_kind,
               s.previous_period, s.description, s.home_share, s.home_share_prev,
               s.share_change_pts, s.home_exports_usd, s.home_exports_prev_usd,
               s.market_imports_usd, s.home_rank, s.home_rank_prev,
               -s.share_change_pts as severity
        from mart.watch_market_shares as s
        join latest using (market_iso3, period_kind, period), p
        where s.level = 'hs6' and s.share_change_pts < -p.share_drop_pts
          and s.home_exports_prev_usd >= p.min_value_usd
        """,
    "competitor_gain": f"""
        with p as (select * from ops.run_parameters), {_LATEST}
        select c.market_iso3, c.code as product_code, c.period, c.period_kind,
               c.supplier_iso3 as reference, s.description, c.share, c.share_prev,
               c.share_change_pts, c.exports_usd, c.exports_prev_usd,
               c.gains_while_home_loses, s.share_change_pts as home_share_change_pts,
               s.home_exports_prev_usd, c.share_change_pts as severity
        from mart.watch_competitors as c
        join latest using (market_iso3, period_kind, period)
        join mart.watch_market_shares as s
          using (market_iso3, level, code, period_kind, period), p
        where c.level = 'hs6' and c.role = 'competitor'
          and c.share_change_pts > p.competitor_gain_pts
          and s.home_exports_prev_usd >= p.min_value_usd
        """,
    "demand_contraction": """
        with p as (select * from ops.run_parameters),
        latest as (select max(year) as year from mart.watch_demand)
        select d.market_iso3, d.code as product_code, d.year::varchar as period,
               s.description, d.imports_usd, d.imports_prev_usd, d.growth_pct,
               d.trend_cagr_pct, s.home_exports_prev_usd, -d.growth_pct as severity
        from mart.watch_demand as d
        join latest using (year)
        join mart.watch_market_shares as s
          on s.market_iso3 = d.market_iso3 and s.level = d.level and s.code = d.code
         and s.period_kind = 'annual' and s.period = d.year::varchar, p
        where d.level = 'hs6' and d.growth_pct < -p.demand_contraction_pct
          and s.home_exports_prev_usd >= p.min_value_usd
        """,
    "new_notification": f"""
        with p as (select * from ops.run_parameters)
        select r.market_iso3, string_agg(distinct r.hs_code, ', ' order by r.hs_code)
                   as product_code,
               r.notification_id::varchar as reference, any_value(r.symbol) as symbol,
               any_value(r.area) as area, any_value(r.title) as title,
               any_value(r.distribution_date) as distribution_date,
               any_value(r.comment_deadline) as comment_deadline,
               any_value(r.days_left) as days_left,
               sum(r.home_exports_usd) as home_exports_usd, any_value(r.link) as link,
               sum(r.home_exports_usd) as severity
        from mart.regulatory_exposure as r, p
        where r.source = 'eping' and r.is_top_product
          and (r.is_open or r.distribution_date >= p.as_of - {NEW_NOTIFICATION_DAYS})
        group by r.market_iso3, r.notification_id
        """,
    "deadline": """
        with p as (select * from ops.run_parameters)
        select r.market_iso3, string_agg(distinct r.hs_code, ', ' order by r.hs_code)
                   as product_code,
               r.notification_id::varchar as reference, any_value(r.symbol) as symbol,
               any_value(r.area) as area, any_value(r.title) as title,
               any_value(r.comment_deadline)::varchar as period,
               any_value(r.comment_deadline) as comment_deadline,
               any_value(r.days_left) as days_left,
               sum(r.home_exports_usd) as home_exports_usd, any_value(r.link) as link,
               sum(r.home_exports_usd) as severity
        from mart.regulatory_exposure as r, p
        where r.source = 'eping' and r.is_open and r.days_left <= p.deadline_days
          and r.home_exports_usd > 0
        group by r.market_iso3, r.notification_id
        """,
    "rasff_spike": """
        with p as (select * from ops.run_parameters), home as (select home_iso3 from
            ops.run_parameters),
        latest as (select max(year) as year from mart.rasff_intensity)
        select null as market_iso3, r.product_group as product_code, r.year::varchar as period,
               r.origin_iso3 as reference, r.notifications, r.prev_years_avg,
               r.exports_to_eu_usd, r.per_100m_usd, r.exports_year,
               r.notifications as severity
        from mart.rasff_intensity as r join latest using (year), p, home
        where r.origin_iso3 = home.home_iso3 and r.notifications >= p.rasff_spike_min
          and (coalesce(r.prev_years_avg, 0) = 0
               or r.notifications >= p.rasff_spike_ratio * r.prev_years_avg)
        """,
}

SOURCES = {"share_drop": "mart.watch_market_shares", "competitor_gain": "mart.watch_competitors",
           "demand_contraction": "mart.watch_demand", "new_notification":
           "mart.regulatory_exposure", "deadline": "mart.regulatory_exposure",
           "rasff_spike": "mart.rasff_intensity"}


def evaluate_alerts(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Raise, keep and clear alerts against the current watch marts; returns counts
    {"raised": {rule: n}, "cleared": n, "open": n}."""
    candidates: dict[str, dict[str, Any]] = {}
    for rule, sql in CANDIDATES.items():
        for row in con.execute(sql).df().to_dict("records"):
            alert = _alert(rule, {k: _plain(v) for k, v in row.items()})
            candidates[alert["alert_key"]] = alert
    open_keys = {key: alert_id for key, alert_id in con.execute(
        "select alert_key, alert_id from ops.alerts where status = 'open'").fetchall()}
    # Thresholds scaled to the market's size; the first publication's situation is the
    # baseline, not alerts (observatory.watch.baselines).
    candidates = baselines.scale_thresholds(con, candidates)
    candidates, baseline = baselines.hold_back(con, run_id, candidates, open_keys)
    now = datetime.now(UTC).replace(tzinfo=None)
    raised: dict[str, int] = dict.fromkeys(RULES, 0)
    for key, alert in candidates.items():
        if key in open_keys:
            con.execute("update ops.alerts set last_seen_run = ?, evidence = ? "
                        "where alert_id = ?", [run_id, alert["evidence"], open_keys[key]])
            continue
        alert_id = hashlib.sha256(f"{key}|{run_id}".encode()).hexdigest()[:16]
        con.execute(
            "insert into ops.alerts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, "
            "null, null)",
            [alert_id, key, alert["rule"], alert["market_iso3"], alert["product_code"],
             alert["period"], alert["reference"], alert["severity"], alert["title_en"],
             alert["title_fr"], alert["evidence"], run_id, now, run_id])
        raised[alert["rule"]] += 1
    gone = [alert_id for key, alert_id in open_keys.items() if key not in candidates]
    for alert_id in gone:
        con.execute("update ops.alerts set status = 'cleared', cleared_run = ?, cleared_at = ? "
                    "where alert_id = ?", [run_id, now, alert_id])
    (still_open,), = con.execute(
        "select count(*) from ops.alerts where status = 'open'").fetchall()
    return {"raised": raised, "cleared": len(gone), "open": int(still_open),
            "baseline": baseline}


def _plain(value: Any) -> Any:
    """A JSON-friendly value (NaN and NaT as null, dates as ISO text, numpy as Python)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):  # pandas gives dates as midnight timestamps
        midnight = (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def _alert(rule: str, row: dict[str, Any]) -> dict[str, Any]:
    market, product = row.get("market_iso3"), row.get("product_code")
    period, reference = row.get("period"), row.get("reference")
    key = "|".join(str(v) if v is not None else "" for v in
                   (rule, market, product, period, reference))
    title_en, title_fr = _titles(rule, row)
    evidence = {"source": SOURCES[rule], "rule": rule,
                "row": {k: v for k, v in row.items() if k != "severity"}}
    return {"alert_key": key, "rule": rule, "market_iso3": market, "product_code": product,
            "period": None if period is None else str(period), "reference": reference,
            "severity": row.get("severity"), "title_en": title_en, "title_fr": title_fr,
            "evidence": json.dumps(evidence, sort_keys=True, ensure_ascii=False)}


def _pts(value: Any) -> str:
    return "n/a" if value is None else f"{value:+.1f}"


def _titles(rule: str, r: dict[str, Any]) -> tuple[str, str]:
    m, k = r.get("market_iso3"), r.get("product_code")
    if rule == "share_drop":
        return (f"{m} {k}: home share {_pts(r['share_change_pts'])} pts "
                f"({r['previous_period']} to {r['period']})",
                f"{m} {k} : part du pays {_pts(r['share_change_pts'])} pt "
                f"({r['previous_period']} à {r['period']})")
    if rule == "competitor_gain":
        return (f"{m} {k}: {r['reference']} share {_pts(r['share_change_pts'])} pts "
                f"in {r['period']}",
                f"{m} {k} : part de {r['reference']} {_pts(r['share_change_pts'])} pt "
                f"en {r['period']}")
    if rule == "demand_contraction":
        return (f"{m} {k}: imports {_pts(r['growth_pct'])} % in {r['period']}",
                f"{m} {k} : importations {_pts(r['growth_pct'])} % en {r['period']}")
    if rule == "new_notification":
        return (f"{m}: new {r['area']} notification {r['symbol']} on a top product ({k})",
                f"{m} : nouvelle notification {r['area']} {r['symbol']} sur un produit "
                f"phare ({k})")
    if rule == "deadline":
        return (f"{m}: comments on {r['symbol']} due in {r['days_left']} days "
                f"({r['comment_deadline']})",
                f"{m} : observations sur {r['symbol']} attendues dans {r['days_left']} jours "
                f"({r['comment_deadline']})")
    return (f"RASFF: {r['notifications']} notifications on {r['reference']} "
            f"{k} in {r['period']}",
            f"RASFF : {r['notifications']} notifications sur {k} ({r['reference']}) "
            f"en {r['period']}")
