"""Study versions: an unchanged refresh records nothing new; changed inputs make a new
version whose product-level changes against the previous one are listed."""

from __future__ import annotations

from observatory.study.refresh import refresh_study

A, B, C = "080510", "620342", "854430"  # oranges; men's cotton trousers; wiring sets


def _world(mar_b_2021: float) -> list[tuple[int, str, str, str, float]]:
    rows = []
    for year in (2020, 2021):
        rows += [
            (year, "MAR", "FRA", A, 100.0), (year, "ESP", "FRA", A, 300.0),
            (year, "ESP", "FRA", B, 400.0), (year, "TUR", "FRA", B, 100.0),
            (year, "TUR", "SEN", C, 200.0), (year, "ESP", "SEN", C, 100.0),
        ]
    rows.append((2020, "MAR", "FRA", B, 10.0))
    if mar_b_2021:
        rows.append((2021, "MAR", "FRA", B, mar_b_2021))
    return rows


def _refresh(study_db, run_id):
    cfg = study_db.configure(first_year=2020, last_year=2021, growth_window=1,
                             complexity_levels=[6])
    return refresh_study(study_db.con, cfg, run_id)


def test_first_refresh_is_a_version_without_changes(study_db):
    study_db.add_flows(_world(10.0))
    outcome = _refresh(study_db, "run-1")
    assert outcome["version"] == {"study_id": "run-1", "new_version": True,
                                  "previous_id": None, "changes": 0}
    assert study_db.query("select count(*) from mart.study_changes") == [(0,)]
    assert outcome["notes"] == []
    # 6 flows a year for two years, MAR's trousers in 2020 and 2021: 14 rows.
    assert study_db.query("select study_id, source, vintage, detail, n_rows "
                          "from ops.study_vintages") == [
        ("run-1", "baci", "T", "trade flows 2020-2021", 14)]
    # Every study table exists after one refresh.
    assert set(outcome["tables"]) >= {"mart.product_competitiveness", "mart.export_potential",
                                      "mart.cms_decomposition", "mart.study_changes"}


def test_unchanged_inputs_keep_the_version(study_db):
    study_db.add_flows(_world(10.0))
    _refresh(study_db, "run-1")
    again = _refresh(study_db, "run-2")
    assert again["version"] == {"study_id": "run-1", "new_version": False,
                                "previous_id": None, "changes": 0}
    assert study_db.query("select count(*) from ops.study_versions") == [(1,)]


def test_changed_inputs_list_the_changes_product_by_product(study_db):
    study_db.add_flows(_world(10.0))
    _refresh(study_db, "run-1")
    # MAR's trousers exports in 2021 grow from 10 to 200: RCA in B goes from
    # (10/110) / (510/1210) = 0.2157 to (200/300) / (700/1400) = 1.333.
    study_db.con.execute("delete from core.trade_flows where exporter_iso3 = 'MAR' "
                         "and product_code = ? and year = 2021", [B])
    study_db.add_flows([(2021, "MAR", "FRA", B, 200.0)])
    outcome = _refresh(study_db, "run-2")
    # In a world this small, 2021's complexity outlook ends up the same for every country:
    # that year has no complexity rows, and the refresh goes on and says why.
    assert outcome["notes"] == [
        "2021: complexity marts at HS6: complexity: time=2021: COI is constant across "
        "countries; no complexity rows for that year and level"]
    assert outcome["version"]["new_version"] is True
    assert outcome["version"]["previous_id"] == "run-1"
    changes = {(hs6, change): (prev, cur) for hs6, change, prev, cur in study_db.query(
        "select hs6, change, previous_value, current_value from mart.study_changes")}
    prev, cur = changes[(B, "new_advantage")]
    assert round(prev, 4) == round((10 / 110) / (510 / 1210), 4)
    assert round(cur, 4) == round((200 / 300) / (700 / 1400), 4)
    # Oranges: RCA (100/110)/(400/1210) = 2.75 -> (100/300)/(400/1400) = 1.1667: a move of
    # more than 0.5 that stays above the threshold.
    prev, cur = changes[(A, "rca")]
    assert round(prev, 4) == round((100 / 110) / (400 / 1210), 4)
    assert round(cur, 4) == round((100 / 300) / (400 / 1400), 4)
    assert all(row[0] == "run-1" for row in study_db.query(
        "select previous_study_id from mart.study_changes"))
    assert study_db.query("select count(distinct study_id) from mart.study_history") == [(2,)]


def test_dropped_export_is_reported(study_db):
    study_db.add_flows(_world(10.0))
    _refresh(study_db, "run-1")
    study_db.con.execute("delete from core.trade_flows where exporter_iso3 = 'MAR' "
                         "and product_code = ? and year = 2021", [B])
    _refresh(study_db, "run-2")
    kinds = {change for hs6, change in study_db.query(
        "select hs6, change from mart.study_changes") if hs6 == B}
    assert "dropped_export" in kinds
