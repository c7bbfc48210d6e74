"""The moves the demo is built to show, checked on the generated files themselves.

Each planted event is recomputed here with pandas on the archive's CSVs, the csv/json modules
on the RASFF export and the ePing answer, and an XML parser on the RSS feed, against the
committed [watch] thresholds: every alert rule of the market watch has at least one case in
the last study year (2024 against 2023), whatever the watch code does with it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from observatory.reference.countries import build_countries
from observatory.sources.batches import DEMO_MARKER
from tests.conftest import DEMO_TODAY, REPO

HOME = "MAR"
LAST, PREVIOUS = 2024, 2023
WATCH = tomllib.loads((REPO / "observatory.toml").read_text(encoding="utf-8"))["watch"]
PRIORITY = tomllib.loads((REPO / "observatory.toml").read_text(encoding="utf-8"))["study"][
    "priority_markets"]


@pytest.fixture(scope="module")
def flows(demo_archive: Path) -> pd.DataFrame:
    """The last two years of the archive, with ISO3 codes, HS6 and values in USD."""
    iso3 = build_countries().dropna(subset=["baci_code"]).set_index("baci_code")["iso3"]
    frames = []
    with zipfile.ZipFile(demo_archive) as zf:
        for year in (PREVIOUS, LAST):
            frames.append(pd.read_csv(io.BytesIO(zf.read(f"BACI_HS22_Y{year}_V202601.csv")),
                                      dtype={"k": str}, keep_default_na=False))
    frame = pd.concat(frames, ignore_index=True)
    return pd.DataFrame({"year": frame["t"], "exporter": frame["i"].map(iso3),
                         "importer": frame["j"].map(iso3), "hs6": frame["k"].str.zfill(6),
                         "value_usd": frame["v"].astype(float) * 1000})


@pytest.fixture(scope="module")
def regulatory(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from observatory.demo.regulatory import generate_regulatory_demo

    return generate_regulatory_demo(tmp_path_factory.mktemp("regulatory"), today=DEMO_TODAY)


def _by_supplier(flows: pd.DataFrame, market: str, hs6: str) -> pd.DataFrame:
    """Value by exporter (rows) and year (columns) of one market's imports of one product."""
    rows = flows[(flows["importer"] == market) & (flows["hs6"] == hs6)]
    table = rows.pivot_table(index="exporter", columns="year", values="value_usd",
                             aggfunc="sum", fill_value=0.0)
    return table.reindex(columns=[PREVIOUS, LAST], fill_value=0.0)


def test_share_drop_in_france_wiring_sets_and_turkey_gains(flows: pd.DataFrame) -> None:
    """MAR's 854430 in FRA: its value down 30 %, TUR takes over what it lost, FRA's imports
    unchanged: MAR's share falls by 30 % of its 2023 share, TUR's rises by as much."""
    table = _by_supplier(flows, "FRA", "854430")
    total = table.sum()
    home, turkey = table.loc[HOME], table.loc["TUR"]
    assert home[PREVIOUS] >= WATCH["min_value_usd"]
    assert home[LAST] == pytest.approx(0.70 * home[PREVIOUS], rel=1e-6)
    assert total[LAST] == pytest.approx(total[PREVIOUS], rel=1e-6)
    assert turkey[LAST] - turkey[PREVIOUS] == pytest.approx(0.30 * home[PREVIOUS], rel=1e-6)
    share_change = 100 * (home[LAST] / total[LAST] - home[PREVIOUS] / total[PREVIOUS])
    turkey_change = 100 * (turkey[LAST] / total[LAST] - turkey[PREVIOUS] / total[PREVIOUS])
    previous_share = 100 * home[PREVIOUS] / total[PREVIOUS]
    assert share_change == pytest.approx(-0.30 * previous_share, rel=1e-6)
    assert share_change < -2 * WATCH["share_drop_pts"]  # well over the threshold
    assert turkey_change > 2 * WATCH["competitor_gain_pts"]
    assert turkey_change == pytest.approx(-share_change, rel=1e-6)
    # Every other supplier ships exactly what it shipped in 2023.
    others = table.drop(index=[HOME, "TUR"])
    assert others[LAST].to_numpy() == pytest.approx(others[PREVIOUS].to_numpy(), rel=1e-6)


def test_demand_contraction_in_brazil_map_fertiliser(flows: pd.DataFrame) -> None:
    """BRA's imports of 310540 from every supplier down 35 %; MAR still sells far more than
    the alert's minimum there, and its share does not move."""
    table = _by_supplier(flows, "BRA", "310540")
    total = table.sum()
    assert table.loc[HOME, PREVIOUS] >= WATCH["min_value_usd"]
    growth_pct = 100 * (total[LAST] / total[PREVIOUS] - 1)
    assert growth_pct == pytest.approx(-35.0, abs=1e-4)
    assert growth_pct < -WATCH["demand_contraction_pct"]
    assert table[LAST].to_numpy() == pytest.approx(0.65 * table[PREVIOUS].to_numpy(), rel=1e-6)


def test_the_home_country_still_leads_its_planted_markets(flows: pd.DataFrame) -> None:
    """The events leave the products among MAR's largest exports to those markets (so the
    watch's top-product rules see them)."""
    last = flows[(flows["year"] == LAST) & (flows["exporter"] == HOME)]
    for market, hs6 in (("FRA", "854430"), ("BRA", "310540")):
        top = last[last["importer"] == market].groupby("hs6")["value_usd"].sum()
        assert hs6 in top.nlargest(WATCH["top_products"]).index, market


def test_rasff_spike_on_the_home_country_cephalopods(regulatory: dict[str, Path]) -> None:
    with regulatory["rasff"].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    dates = [date.fromisoformat(r["date"][:10]) for r in rows]
    assert max(dates) <= DEMO_TODAY
    assert {d.year for d in dates} == set(range(DEMO_TODAY.year - 3, DEMO_TODAY.year + 1))
    assert all(int(r["year"]) == d.year for r, d in zip(rows, dates, strict=True))
    home = [r for r in rows if r["origin"] == "Morocco"]
    assert len(home) == 14
    counts = Counter(int(r["year"]) for r in home
                     if r["category"] == "cephalopods and products thereof")
    latest = DEMO_TODAY.year
    assert counts == {latest: 5, latest - 1: 1, latest - 2: 1, latest - 3: 1}
    before = [counts[y] for y in range(latest - 3, latest)]
    assert counts[latest] >= WATCH["rasff_spike_min"]
    assert counts[latest] >= WATCH["rasff_spike_ratio"] * sum(before) / len(before)


def test_a_notification_on_a_top_product_is_due_within_the_deadline_window(
    regulatory: dict[str, Path], flows: pd.DataFrame,
) -> None:
    """ePing notifications with a comment deadline within deadline_days of the demo's today
    that name an HS6 among MAR's top exports to the notifying market (EU: its members among
    the priority markets), from the archive's last year."""
    answer = json.loads(regulatory["eping"].read_text(encoding="utf-8"))
    assert DEMO_MARKER in answer["observatory-demo"]
    countries = build_countries()
    eu_markets = set(countries.loc[countries["eu_member"], "iso3"]) & set(PRIORITY)
    home = flows[(flows["year"] == LAST) & (flows["exporter"] == HOME)]
    found = set()
    for item in answer["items"]:
        if not item["commentDeadlineDate"]:
            continue
        days_left = (date.fromisoformat(item["commentDeadlineDate"][:10]) - DEMO_TODAY).days
        if not 0 <= days_left <= WATCH["deadline_days"]:
            continue
        member = item["documentSymbol"].split("/")[3]  # G/TBT/N/USA/900, G/SPS/N/EU/905
        markets = eu_markets if member == "EU" else {member}
        for market in markets:
            top = home[home["importer"] == market].groupby("hs6")["value_usd"].sum()
            top = set(top.nlargest(WATCH["top_products"]).index)
            found |= {(market, c["code"], days_left) for c in item["hsCodes"] if c["code"] in top}
    assert {("USA", "854430", 12), ("BRA", "310540", 9)} <= found


def _feed_items(path: Path) -> list[dict[str, Any]]:
    root = ET.fromstring(path.read_bytes())
    assert root.tag == "rss" and root.get("version") == "2.0"
    return [{child.tag: child.text for child in item} for item in root.iter("item")]


def test_demo_feed_is_synthetic_and_carries_a_hostile_item(regulatory: dict[str, Path]) -> None:
    path = regulatory["feeds"]
    assert path.name == "demo_market_news.xml" and path.parent.name == "feeds"
    text = path.read_text(encoding="utf-8")
    assert DEMO_MARKER in text[:4096]
    assert "<img" not in text and "<b>" not in text  # markup travels escaped, as text
    items = _feed_items(path)
    assert len(items) >= 5
    (hostile,) = [i for i in items if "onerror" in i["title"]]
    assert "<img src=x onerror=alert(1)>" in hostile["title"] and "<b>" in hostile["title"]
    assert hostile["link"].startswith("javascript:")
    published = [i["pubDate"] for i in items]
    assert all(p.endswith("GMT") for p in published)


def test_demo_feed_through_the_committed_feed_settings(regulatory: dict[str, Path]) -> None:
    """The committed [feeds.demo_market_news] read on the generated file: the hostile title
    kept as literal text, its javascript: link dropped, keyword rules matched on every item
    (accents and case ignored)."""
    from observatory.sources.feeds import FeedSettings, read_feed

    section = tomllib.loads((REPO / "observatory.toml").read_text(encoding="utf-8"))[
        "feeds"]["demo_market_news"]
    assert section["url"] == "data/demo/feeds/demo_market_news.xml"
    assert "EUR" in section["markets"] and set(section["markets"]) - {"EUR"} <= set(PRIORITY)
    feed = FeedSettings.from_mapping("demo_market_news", {**section,
                                                          "url": str(regulatory["feeds"])})
    batch, items, matches = read_feed(feed)
    titles = dict(zip(items["item_id"], items["title"], strict=True))
    links = dict(zip(items["item_id"], items["link"], strict=True))
    (hostile,) = [k for k, t in titles.items() if "onerror" in t]
    assert titles[hostile] == ("Règlement <img src=x onerror=alert(1)> sur les <b>phosphates</b>"
                               " importés")
    assert pd.isna(links[hostile])
    assert any("javascript" in note for note in batch.notes)
    matched = matches.groupby("item_id")["hs_prefix"].apply(set).to_dict()
    assert set(matched) == set(titles)  # every item names a product the rules know
    assert {"2510", "2809", "3105"} <= matched[hostile]
    (citrus,) = [k for k, t in titles.items() if "clémentines" in t]
    assert "0805" in matched[citrus]


def test_regulatory_demo_is_deterministic(tmp_path: Path) -> None:
    from observatory.demo.regulatory import generate_regulatory_demo

    def digest(folder: Path) -> dict[str, str]:
        written = generate_regulatory_demo(folder, today=DEMO_TODAY)
        return {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in written.items()}

    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_the_demo_run_ingests_the_feed_and_keeps_markup_as_text(
    demo_run: dict[str, Any],
) -> None:
    import duckdb

    cfg, summary = demo_run["cfg"], demo_run["summary"]
    (feed,) = [i for i in summary["inputs"] if i["source"] == "feeds"]
    assert feed["file_name"] == "demo_market_news" and feed["status"] == "loaded", feed
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        rows = con.execute("select title, link from core.feed_items "
                           "where feed = 'demo_market_news'").fetchall()
        markets = {r[0] for r in con.execute(
            "select market_iso3 from core.feed_markets where feed = 'demo_market_news'"
        ).fetchall()}
        prefixes = {r[0] for r in con.execute(
            "select hs_prefix from core.feed_item_hs where feed = 'demo_market_news'"
        ).fetchall()}
    titles = {title: link for title, link in rows}
    hostile = [t for t in titles if "<img src=x onerror=alert(1)>" in t]
    assert len(hostile) == 1 and titles[hostile[0]] is None
    assert {"FRA", "BRA", "EUR"} <= markets
    assert {"0702", "0805", "3105", "854430"} <= prefixes
