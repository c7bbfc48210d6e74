"""The alert rules engine on hand-written watch rows: each rule fires on its threshold, an
alert is raised once, cleared when its condition ends, raised anew if it comes back."""

from __future__ import annotations

import json

import pytest

from observatory.watch.alerts import evaluate_alerts

SHARES = """
create or replace table mart.watch_market_shares (
    market_iso3 varchar, level varchar, code varchar, description varchar,
    period_kind varchar, period varchar, previous_period varchar,
    market_imports_usd double, market_imports_prev_usd double, home_exports_usd double,
    home_exports_prev_usd double, home_share double, home_share_prev double,
    share_change_pts double, home_rank integer, home_rank_prev integer, suppliers integer,
    mirror_flag varchar);
create or replace table mart.watch_competitors (
    market_iso3 varchar, level varchar, code varchar, period_kind varchar, period varchar,
    supplier_iso3 varchar, role varchar, exports_usd double, exports_prev_usd double,
    share double, share_prev double, share_change_pts double, rank integer,
    gains_while_home_loses boolean);
create or replace table mart.watch_demand (
    market_iso3 varchar, level varchar, code varchar, year integer, imports_usd double,
    imports_prev_usd double, growth_pct double, trend_cagr_pct double);
create or replace table mart.regulatory_exposure (
    source varchar, notification_id bigint, symbol varchar, area varchar, title varchar,
    link varchar, distribution_date date, comment_deadline date, days_left integer,
    is_open boolean, market_iso3 varchar, hs_code varchar, hs_level integer,
    home_exports_usd double, home_share_of_market_exports double, is_top_product boolean,
    priority_score double, priority_rank integer, batch_id varchar);
create or replace table mart.rasff_intensity (
    origin_iso3 varchar, product_group varchar, year integer, notifications integer,
    exports_year integer, exports_to_eu_usd double, per_100m_usd double,
    prev_years_avg double);
"""


@pytest.fixture
def watch(study_db):
    # Defaults of [watch]: min 5 M USD, share drop 5 pts, competitor gain 5 pts, demand
    # contraction 25 %, top 20 products, deadline 21 days, RASFF spike x2 and >= 3.
    study_db.configure()
    study_db.con.execute(SHARES)
    con = study_db.con
    # FRA 854430: home share 30 % -> 21 % (-9 pts), 40 M -> 30 M USD exported.
    con.execute("insert into mart.watch_market_shares values ('FRA', 'hs6', '854430', "
                "'wiring sets', 'annual', '2024', '2023', 142.9e6, 133.3e6, 30e6, 40e6, "
                "0.21, 0.30, -9.0, 2, 1, 12, null)")
    # Same product, small exporter: 0.5 M USD before, below min_value_usd: no alert.
    con.execute("insert into mart.watch_market_shares values ('SEN', 'hs6', '854430', "
                "'wiring sets', 'annual', '2024', '2023', 10e6, 10e6, 0.1e6, 0.5e6, "
                "0.01, 0.05, -4.0, 5, 2, 8, null)")
    con.execute("insert into mart.watch_competitors values ('FRA', 'hs6', '854430', "
                "'annual', '2024', 'TUR', 'competitor', 50e6, 30e6, 0.35, 0.225, 12.5, 1, "
                "true), ('FRA', 'hs6', '854430', 'annual', '2024', 'ESP', 'competitor', "
                "10e6, 9e6, 0.07, 0.0675, 0.25, 4, true)")
    # Demand: -30 % (fires) for FRA 854430; the share row above gives home 40 M before.
    con.execute("insert into mart.watch_demand values ('FRA', 'hs6', '854430', 2024, "
                "93.3e6, 133.3e6, -30.0, 1.5)")
    con.execute(
        "insert into mart.regulatory_exposure values "
        # open, due in 12 days, top product: new_notification and deadline
        "('eping', 1, 'G/TBT/N/FRA/1', 'TBT', 'Wiring harness safety', null, "
        " date '2026-11-20', date '2026-12-11', 12, true, 'FRA', '854430', 6, 30e6, 0.2, "
        " true, 60e6, 1, 'b1'),"
        # open, due in 40 days, not a top product: nothing
        "('eping', 2, 'G/SPS/N/FRA/2', 'SPS', 'Citrus', null, date '2026-11-01', "
        " date '2027-01-08', 40, true, 'FRA', '080521', 6, 1e6, 0.01, false, 1e6, 2, 'b1'),"
        # closed two years ago, top product: nothing
        "('eping', 3, 'G/TBT/N/FRA/3', 'TBT', 'Old', null, date '2024-01-01', "
        " date '2024-03-01', -1003, false, 'FRA', '854430', 6, 30e6, 0.2, true, 0, 3, 'b0')")
    con.execute("insert into mart.rasff_intensity values "
                "('MAR', 'cephalopods', 2026, 6, 2024, 300e6, 2.0, 2.0),"
                "('MAR', 'fish', 2026, 3, 2024, 100e6, 3.0, 2.0),"  # 3 < 2 x 2
                "('ESP', 'cephalopods', 2026, 9, 2024, 900e6, 1.0, 1.0)")  # not the home
    # A warehouse whose earlier publication set the baselines (observatory.watch.baselines):
    # the change rules alert against it. test_first_publication_* start without them.
    con.execute("insert into ops.alert_baselines select rule, market, 'run-0', "
                "timestamp '2026-11-01', 0 from (values ('share_drop', 'FRA'), "
                "('share_drop', 'SEN'), ('competitor_gain', 'FRA'), "
                "('demand_contraction', 'FRA'), ('rasff_spike', '')) as b(rule, market)")
    return study_db


def _open(db):
    return {(rule, market, product, reference): json.loads(evidence) for
            rule, market, product, reference, evidence in db.query(
                "select rule, market_iso3, product_code, reference, evidence from ops.alerts "
                "where status = 'open'")}


def test_each_rule_fires_on_its_threshold_with_evidence(watch):
    outcome = evaluate_alerts(watch.con, "run-1")
    assert outcome["raised"] == {"share_drop": 1, "competitor_gain": 1,
                                 "demand_contraction": 1, "new_notification": 1,
                                 "deadline": 1, "rasff_spike": 1}
    alerts = _open(watch)
    assert set(alerts) == {
        ("share_drop", "FRA", "854430", None),
        ("competitor_gain", "FRA", "854430", "TUR"),
        ("demand_contraction", "FRA", "854430", None),
        ("new_notification", "FRA", "854430", "1"),
        ("deadline", "FRA", "854430", "1"),
        ("rasff_spike", None, "cephalopods", "MAR"),
    }
    evidence = alerts[("share_drop", "FRA", "854430", None)]
    assert evidence["source"] == "mart.watch_market_shares"
    assert evidence["row"]["share_change_pts"] == -9.0
    assert evidence["row"]["home_exports_prev_usd"] == 40e6
    deadline = alerts[("deadline", "FRA", "854430", "1")]["row"]
    assert deadline["days_left"] == 12 and deadline["comment_deadline"] == "2026-12-11"
    titles = dict(watch.query("select rule, title_fr from ops.alerts"))
    assert titles["share_drop"] == "FRA 854430 : part du pays -9.0 pt (2023 à 2024)"


def test_raised_once_then_cleared_then_raised_anew(watch):
    evaluate_alerts(watch.con, "run-1")
    again = evaluate_alerts(watch.con, "run-2")
    assert sum(again["raised"].values()) == 0 and again["cleared"] == 0
    assert again["open"] == 6
    assert watch.query("select distinct last_seen_run from ops.alerts") == [("run-2",)]
    # The share recovers: the share-drop alert is cleared, the others stay.
    watch.con.execute("update mart.watch_market_shares set share_change_pts = -1.0 "
                      "where market_iso3 = 'FRA'")
    third = evaluate_alerts(watch.con, "run-3")
    assert third["cleared"] == 1 and third["open"] == 5
    assert watch.query("select status, cleared_run from ops.alerts where rule = 'share_drop'"
                       ) == [("cleared", "run-3")]
    # It drops again: a new alert (new id, raised by run-4); the cleared one is kept.
    watch.con.execute("update mart.watch_market_shares set share_change_pts = -9.0 "
                      "where market_iso3 = 'FRA'")
    fourth = evaluate_alerts(watch.con, "run-4")
    assert fourth["raised"]["share_drop"] == 1
    rows = watch.query("select status, raised_run from ops.alerts where rule = 'share_drop' "
                       "order by raised_run")
    assert rows == [("cleared", "run-1"), ("open", "run-4")]


def test_thresholds_come_from_the_configuration(watch):
    watch.configure(share_drop_pts=10.0, competitor_gain_pts=15.0, deadline_days=10,
                    demand_contraction_pct=35.0, rasff_spike_min=7)
    outcome = evaluate_alerts(watch.con, "run-1")
    assert outcome["raised"] == {"share_drop": 0, "competitor_gain": 0,
                                 "demand_contraction": 0, "new_notification": 1,
                                 "deadline": 0, "rasff_spike": 0}


def test_first_publication_states_the_situation_and_raises_no_change_alert(watch):
    watch.con.execute("delete from ops.alert_baselines")
    first = evaluate_alerts(watch.con, "run-1")
    # The dated events alert; the moves are the situation, not alerts.
    assert first["raised"] == {"share_drop": 0, "competitor_gain": 0,
                               "demand_contraction": 0, "new_notification": 1,
                               "deadline": 1, "rasff_spike": 0}
    assert first["baseline"]["set"] == {"share_drop": 2, "competitor_gain": 1,
                                        "demand_contraction": 1, "rasff_spike": 1}
    assert first["baseline"]["situation"] == {"share_drop": 1, "competitor_gain": 1,
                                              "demand_contraction": 1, "rasff_spike": 1}
    stated = watch.query("select rule, market_iso3, product_code, run_id "
                         "from ops.alert_situation order by rule")
    assert stated == [("competitor_gain", "FRA", "854430", "run-1"),
                      ("demand_contraction", "FRA", "854430", "run-1"),
                      ("rasff_spike", None, "cephalopods", "run-1"),
                      ("share_drop", "FRA", "854430", "run-1")]
    from observatory.runsummary import console_lines

    lines = console_lines({"run_id": "run-1", "status": "published", "inputs": [],
                           "watch": {"alerts": first}})
    assert any(line.startswith("watch: first publication for some markets: the situation "
                               "is stated as the baseline, no change alert raised") for
               line in lines), lines
    # The same data again: still the situation, nothing raised.
    again = evaluate_alerts(watch.con, "run-2")
    assert sum(again["raised"].values()) == 0 and again["baseline"]["set"] == {}
    assert again["baseline"]["stated"] == 4
    # A new year against the baseline: the drop of 2025 is a change, raised.
    watch.con.execute("insert into mart.watch_market_shares values ('FRA', 'hs6', '854430', "
                      "'wiring sets', 'annual', '2025', '2024', 140e6, 142.9e6, 20e6, 30e6, "
                      "0.14, 0.21, -7.0, 3, 2, 12, null)")
    third = evaluate_alerts(watch.con, "run-3")
    assert third["raised"]["share_drop"] == 1
    assert watch.query("select period from ops.alerts where rule = 'share_drop'") == [("2025",)]
    # The 2024 situation no longer holds (2025 is the latest period): it left the situation.
    assert watch.query("select count(*) from ops.alert_situation where rule = 'share_drop'"
                       ) == [(0,)]


def test_a_market_without_data_gets_its_baseline_when_its_data_arrive(watch):
    watch.con.execute("delete from ops.alert_baselines")
    watch.con.execute("delete from mart.watch_market_shares where market_iso3 = 'SEN'")
    evaluate_alerts(watch.con, "run-1")
    assert ("share_drop", "SEN") not in set(watch.query(
        "select rule, market_iso3 from ops.alert_baselines"))
    # SEN's data arrive, with a large drop: its first publication, so the situation.
    watch.con.execute("insert into mart.watch_market_shares values ('SEN', 'hs6', '854430', "
                      "'wiring sets', 'annual', '2024', '2023', 100e6, 100e6, 10e6, 20e6, "
                      "0.10, 0.20, -10.0, 2, 1, 8, null)")
    second = evaluate_alerts(watch.con, "run-2")
    assert second["raised"]["share_drop"] == 0 and second["baseline"]["set"] == {
        "share_drop": 1}


def test_the_value_threshold_scales_with_the_market_size(watch):
    # FRA imports 5,000 billion USD: at 10 per million its threshold is 50 M USD, above the
    # 40 M exported before: no trade alert for FRA; SEN stays at the 5 M floor.
    watch.configure(min_value_ppm=10.0)
    watch.con.execute("create or replace table mart.market_indicators as select * from "
                      "(values (2024, 'FRA', 5000e9), (2023, 'FRA', 1e9), (2024, 'SEN', 1e9)) "
                      "as t(year, market_iso3, market_imports_usd)")
    outcome = evaluate_alerts(watch.con, "run-1")
    assert outcome["raised"]["share_drop"] == 0 and outcome["raised"]["competitor_gain"] == 0
    assert outcome["raised"]["demand_contraction"] == 0
    # At 5 per million (25 M USD) the 40 M line passes; the evidence says the threshold.
    watch.configure(min_value_ppm=5.0)
    again = evaluate_alerts(watch.con, "run-2")
    assert again["raised"]["share_drop"] == 1
    evidence, = watch.query("select evidence from ops.alerts where rule = 'share_drop'")
    assert json.loads(evidence[0])["row"]["threshold_usd"] == pytest.approx(25e6)


def test_a_stated_move_whose_size_changed_is_a_change(watch):
    watch.con.execute("delete from ops.alert_baselines")
    evaluate_alerts(watch.con, "run-1")  # states FRA 854430's -9 points
    # A revision within 5 %: still the situation stated.
    watch.con.execute("update mart.watch_market_shares set share_change_pts = -9.3 "
                      "where market_iso3 = 'FRA'")
    assert evaluate_alerts(watch.con, "run-2")["raised"]["share_drop"] == 0
    # The period completed: -14 points is not what was stated, it alerts.
    watch.con.execute("update mart.watch_market_shares set share_change_pts = -14.0 "
                      "where market_iso3 = 'FRA'")
    assert evaluate_alerts(watch.con, "run-3")["raised"]["share_drop"] == 1
    assert watch.query("select count(*) from ops.alert_situation where rule = 'share_drop'"
                       ) == [(0,)]
