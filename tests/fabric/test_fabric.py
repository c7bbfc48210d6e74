"""The fabric's indicators (hand-computed), its disclosure control (an attacker tries to
recover every suppressed cell from what is published), the program follow-up's estimator,
and the confidentiality of the published database."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.fabric.helpers import (
    EXPORTS_HEADER,
    REGISTRY_HEADER,
    firm,
    ingest,
    workspace,
    write,
)

YEARS = (2022, 2023, 2024, 2025)
# Sector "veg": five firms whose dynamics are computed by hand below (values in dirhams;
# 10 MAD per USD, 8 in 2023).
VEG = {
    2022: [(1, "070200", "FRA", 1000), (2, "070200", "FRA", 2000)],
    2023: [(1, "070200", "FRA", 1000), (2, "070200", "FRA", 2000),
           (3, "080510", "ESP", 3000), (4, "080510", "FRA", 4000)],
    2024: [(1, "070200", "FRA", 1000), (3, "080510", "ESP", 3000),
           (4, "080510", "FRA", 4000), (5, "070200", "ESP", 10000)],
    2025: [(1, "070200", "FRA", 1000), (4, "080510", "FRA", 4000),
           (5, "070200", "ESP", 10000)],
}
OTHER_CODES = ["610910", "310530", "870899", "030617"]
DESTINATIONS = ["FRA", "ESP", "DEU", "USA", "SEN"]


def _other_rows() -> list[tuple[int, int, str, str, float]]:
    rows = []
    for i in range(6, 40):
        for year in YEARS:
            if (i + year) % 7 == 0:
                continue  # some entries and exits
            code = OTHER_CODES[i % 4]
            destination = DESTINATIONS[(i * 3 + year) % 5]
            value = 500.0 + 137 * i + 11 * (year - 2022) * i
            if i == 39:
                value *= 40  # dominates its sector, region and product
            rows.append((year, i, code, destination, value))
    return rows


@pytest.fixture(scope="module")
def fabric(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("fabric")
    cfg = workspace(folder)
    lines = [f"{firm(f)};{y};{code}0000;{dest};{v};1" for y, rows in VEG.items()
             for f, code, dest, v in rows]
    lines += [f"{firm(f)};{y};{code}0000;{dest};{v};1" for y, f, code, dest, v in _other_rows()]
    write(folder, "exports_all.csv", EXPORTS_HEADER, lines)
    registry = [f"{firm(f)};company;R1;{'P1' if f < 3 else 'P2'};veg;small;2000"
                for f in range(1, 6)]
    registry += [f"{firm(f)};{'cooperative' if f % 3 == 0 else 'company'};R{2 + f % 3};"
                 f"P{3 + f % 5};{['fruit', 'textile', 'auto', 'fish'][f % 4]};"
                 f"{['micro', 'small', 'medium', 'large'][f % 4]};2000" for f in range(6, 40)]
    write(folder, "registry_all.csv", REGISTRY_HEADER, registry)
    outcomes, verdicts = ingest(cfg, refresh=True)
    assert [o.status for o in outcomes] == ["loaded", "loaded"], [o.message for o in outcomes]
    with duckdb.connect(str(cfg.warehouse.work), read_only=True) as con:
        published = {t: con.execute(f"select * from mart.{t}").df()
                     for t in ("fabric_indicators", "fabric_products")}
    return {"cfg": cfg, "outcomes": outcomes, "verdicts": verdicts, **published}


def _cells(cfg: Any) -> pd.DataFrame:
    """The cells before disclosure control (restricted: the test reads them to check)."""
    from observatory.fabric import indicators, restricted

    with duckdb.connect(str(cfg.warehouse.work)) as con, \
            restricted.attached(con, cfg, read_only=True):
        return indicators.build_cells(con, list(cfg.study.priority_markets))


def test_exporter_dynamics_match_hand_computed_values(fabric: dict[str, Any]) -> None:
    cells = _cells(fabric["cfg"])
    veg = cells[(cells["dimension"] == "sector") & (cells["cell"] == "veg")].set_index("year")
    assert veg["n_exporters"].tolist() == [2, 4, 4, 3]
    # 2023: values 125, 250, 375, 500 USD (8 MAD per USD)
    y23 = veg.loc[2023]
    assert y23["exports_usd"] == pytest.approx(1250)
    assert y23["mean_usd"] == pytest.approx(312.5)
    assert y23["median_usd"] == pytest.approx(312.5)
    assert y23["hhi"] == pytest.approx(0.1**2 + 0.2**2 + 0.3**2 + 0.4**2)
    assert y23["top1_share"] == pytest.approx(0.4) and y23["top5_share"] == pytest.approx(0.4)
    assert y23["products_per_exporter"] == 1 and y23["destinations_per_exporter"] == 1
    # entrants / N_t, exiters / N_{t-1}; undefined in the first year
    assert np.isnan(veg.loc[2022, "entry_rate"]) and np.isnan(veg.loc[2022, "exit_rate"])
    assert veg.loc[[2023, 2024, 2025], "entry_rate"].tolist() == [0.5, 0.25, 0.0]
    assert veg.loc[[2023, 2024, 2025], "exit_rate"].tolist() == [0.0, 0.25, 0.25]
    # entrants of 2023 (firms 3, 4): both there in 2024, only 4 in 2024 and 2025
    assert y23["survival_1y"] == 1.0 and y23["survival_2y"] == 0.5
    assert np.isnan(y23["survival_3y"])  # 2026 is beyond the data
    assert veg.loc[2024, "survival_1y"] == 1.0 and np.isnan(veg.loc[2024, "survival_2y"])
    # new exporter-product-destination triples: firms 3 and 4 in 2023, firm 5 in 2024
    assert veg.loc[[2023, 2024, 2025], "new_relationships"].tolist() == [2, 1, 0]
    assert np.isnan(veg.loc[2022, "new_relationships"])


def test_primary_rules_suppress_small_and_dominated_cells(fabric: dict[str, Any]) -> None:
    published = fabric["fabric_indicators"]
    veg = published[(published["dimension"] == "sector") & (published["cell"] == "veg")]
    y22 = veg[veg["year"] == 2022].iloc[0]
    assert y22["status"] == "c" and pd.isna(y22["n_exporters"]) and pd.isna(y22["exports_usd"])
    cells = _cells(fabric["cfg"])
    dominated = cells[cells["largest_usd"] > 0.8 * cells["exports_usd"]]
    assert len(dominated) > 0
    merged = dominated.merge(pd.concat([
        published[["year", "dimension", "cell", "parent", "status"]],
        fabric["fabric_products"].assign(dimension="hs6").rename(
            columns={"hs6": "cell", "section": "parent"})[
            ["year", "dimension", "cell", "parent", "status"]]]),
        on=["year", "dimension", "cell", "parent"])
    assert len(merged) == len(dominated) and (merged["status"] == "c").all()
    # a medium cell shows no median (one exporter's value) and no top shares
    shown = published[(published["status"] == "ok") & (published["n_exporters"] < 10)]
    assert len(shown) and shown["median_usd"].isna().all() and shown["top1_share"].isna().all()


def _relations(indicators: pd.DataFrame, products: pd.DataFrame, priority: set[str]
               ) -> list[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """The attacker's sums, from the published tables alone: every breakdown adds up to
    the total; provinces to their region; HS6 to their section; the priority markets'
    destinations to the priority cell."""
    cells = pd.concat([indicators[["year", "dimension", "cell", "parent"]],
                       products.assign(dimension="hs6").rename(
                           columns={"hs6": "cell", "section": "parent"})[
                           ["year", "dimension", "cell", "parent"]]])
    keys = [tuple(k) for k in cells.itertuples(index=False, name=None)]
    out = []
    for year in sorted({k[0] for k in keys}):
        total = (year, "total", "all", "")
        for dim in ("sector", "region", "legal_form", "size_class", "hs_section",
                    "destination"):
            out.append((total, [k for k in keys if k[0] == year and k[1] == dim]))
        for region in {k[3] for k in keys if k[0] == year and k[1] == "province"}:
            out.append(((year, "region", region, ""),
                        [k for k in keys if k[0] == year and k[1] == "province"
                         and k[3] == region]))
        for section in {k[3] for k in keys if k[0] == year and k[1] == "hs6"}:
            out.append(((year, "hs_section", section, ""),
                        [k for k in keys if k[0] == year and k[1] == "hs6"
                         and k[3] == section]))
        out.append(((year, "priority_markets", "priority", ""),
                    [k for k in keys if k[0] == year and k[1] == "destination"
                     and k[2] in priority]))
    return out


def _attack(relations: list[Any], value: dict[Any, float | None]) -> dict[Any, float]:
    """Every suppressed value the published values and the sums determine, with its
    value: least squares on the unknowns, kept where the unknown is identified (its
    unit vector in the row space of the system)."""
    recovered = {}
    for year in sorted({whole[0] for whole, _ in relations}):
        system = [(w, p) for w, p in relations if w[0] == year]
        unknown = sorted({c for w, p in system for c in (w, *p) if value.get(c) is None})
        if not unknown:
            continue
        index = {c: i for i, c in enumerate(unknown)}
        rows, rhs = [], []
        for whole, parts in system:
            row, known = np.zeros(len(unknown)), 0.0
            for cell, sign in itertools.chain([(whole, 1.0)], ((p, -1.0) for p in parts)):
                if cell in index:
                    row[index[cell]] += sign
                else:
                    known += sign * float(value[cell] or 0.0)
            if row.any():
                rows.append(row)
                rhs.append(-known)
        if not rows:
            continue
        matrix = np.array(rows)
        solution = np.linalg.lstsq(matrix, np.array(rhs), rcond=None)[0]
        rank = np.linalg.matrix_rank(matrix)
        for cell, i in index.items():
            unit = np.zeros(len(unknown))
            unit[i] = 1
            if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
                recovered[cell] = float(solution[i])
    return recovered


def _published_values(indicators: pd.DataFrame, products: pd.DataFrame, measure: str
                      ) -> dict[Any, float | None]:
    frame = pd.concat([indicators, products.assign(dimension="hs6").rename(
        columns={"hs6": "cell", "section": "parent"})])
    return {(r.year, r.dimension, r.cell, r.parent):
            (None if r.status == "c" else float(getattr(r, measure)))
            for r in frame.itertuples()}


def test_no_suppressed_cell_can_be_recovered_from_what_is_published(
        fabric: dict[str, Any]) -> None:
    indicators, products = fabric["fabric_indicators"], fabric["fabric_products"]
    priority = set(fabric["cfg"].study.priority_markets)
    relations = _relations(indicators, products, priority)
    suppressed = (indicators["status"] == "c").sum() + (products["status"] == "c").sum()
    assert suppressed >= 10
    assert (indicators["status"] == "ok").sum() >= 40  # not everything
    assert (indicators.loc[indicators["dimension"] == "total", "status"] == "ok").all()
    values = _published_values(indicators, products, "exports_usd")
    assert _attack(relations, values) == {}


def test_the_attack_succeeds_with_primary_suppression_alone(fabric: dict[str, Any]) -> None:
    """The attacker is not blind: on the cells with only the primary rules applied, it
    recovers suppressed values exactly (the reason for secondary suppression)."""
    from observatory.fabric.disclosure import Rules, primary

    cells = _cells(fabric["cfg"])
    first = primary(cells, Rules())
    naive = cells.assign(status=np.where(first, "c", "ok"))
    indicators = naive[naive["dimension"] != "hs6"]
    products = naive[naive["dimension"] == "hs6"].rename(columns={"cell": "hs6",
                                                                  "parent": "section"})
    relations = _relations(indicators, products, set(fabric["cfg"].study.priority_markets))
    recovered = _attack(relations, _published_values(indicators, products, "exports_usd"))
    truth = {(r.year, r.dimension, r.cell, r.parent): r.exports_usd
             for r in cells.itertuples()}
    assert recovered
    for cell, value in recovered.items():
        assert value == pytest.approx(truth[cell], rel=1e-9, abs=1e-6)


def test_the_exit_rate_after_a_suppressed_year_is_withheld(fabric: dict[str, Any]) -> None:
    """exit rate × N_{t−1} and the entry rate would give a suppressed N_{t−1} back."""
    published = fabric["fabric_indicators"]
    key = ["dimension", "cell", "parent"]
    before = published.assign(year=published["year"] + 1)[[*key, "year", "status"]]
    linked = published.merge(before, on=[*key, "year"], suffixes=("", "_before"))
    after_hidden = linked[(linked["status"] == "ok") & (linked["status_before"] == "c")]
    after_shown = linked[(linked["status"] == "ok") & (linked["status_before"] == "ok")]
    assert len(after_hidden) > 0 and after_hidden["exit_rate"].isna().all()
    assert after_shown["exit_rate"].notna().all()


def test_nothing_firm_level_reaches_the_published_copy(fabric: dict[str, Any]) -> None:
    from observatory.warehouse import publish

    cfg = fabric["cfg"]
    copy = publish.snapshot(cfg.warehouse.work, cfg.warehouse.published, "test-run")
    ids = {firm(i) for i in range(1, 40)}
    with duckdb.connect(str(copy), read_only=True) as con:
        columns = con.execute("select table_schema, table_name, column_name, data_type "
                              "from information_schema.columns").fetchall()
        assert not [c for c in columns if c[2] in ("exporter_id", "ice")]
        assert not [c for c in columns if c[0] != "mart" and "fabric" in c[1]]
        stored = set(con.execute("select table_schema, table_name from information_schema."
                                 "tables where table_type = 'BASE TABLE' "
                                 "and table_schema <> 'ref'").fetchall())
        texts = [c for c in columns if c[3] == "VARCHAR" and (c[0], c[1]) in stored]
        for schema, table, column, _ in texts:
            found = con.execute(
                f'select count(*) from "{schema}"."{table}" where regexp_matches('
                f'"{column}", \'[0-9]{{15}}\')').fetchall()[0][0]
            assert found == 0, (schema, table, column)
    copy.unlink()
    summary = repr(fabric["outcomes"]) + repr(fabric["verdicts"])
    assert not any(i in summary for i in ids)
    assert not re.search(r"[0-9]{15}", summary)


def test_difference_in_differences_and_its_standard_error_by_hand() -> None:
    from observatory.fabric.program import did

    # beneficiaries' changes 1, 2, 3 (mean 2, s² 1); comparison 0, 0, 3 (mean 1, s² 3)
    estimate, se = did(np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 3.0]))
    assert estimate == pytest.approx(1.0)
    assert se == pytest.approx((1 / 3 + 3 / 3) ** 0.5)
    with pytest.raises(ValueError):
        did(np.array([1.0]), np.array([0.0, 1.0]))


def test_matching_prefers_the_same_sector_size_and_region() -> None:
    from observatory.fabric.program import match

    firms = pd.DataFrame({
        "exporter_id": ["b1", "c1", "c2", "c3", "c4"],
        "sector": ["veg", "veg", "veg", "veg", "auto"],
        "size_class": ["small", "small", "small", "large", "small"],
        "region": ["R1", "R1", "R2", "R1", "R1"],
        "log_pre": [5.0, 1.0, 5.0, 5.0, 5.0],
    })
    pairs = match(firms.iloc[:1], firms.iloc[1:], k=3)
    assert pairs["comparison"].tolist() == ["c1"]  # the only one of the same cell


def test_the_page_shows_c_with_the_rule_in_both_languages(fabric: dict[str, Any],
                                                          tmp_path: Path) -> None:
    from observatory.report.fabric_page import render_fabric_page

    with duckdb.connect(str(fabric["cfg"].warehouse.work), read_only=True) as con:
        fr = render_fabric_page(con, tmp_path, "fr")[0].read_text(encoding="utf-8")
        en = render_fabric_page(con, tmp_path, "en")[0].read_text(encoding="utf-8")
    assert '<abbr title="confidentiel' in fr and ">c</abbr>" in fr
    assert "au moins 3 exportateurs" in fr and "80" in fr
    assert "at least 3 exporters" in en and ">c</abbr>" in en
    assert not re.search(r"[0-9]{15}", fr + en)
