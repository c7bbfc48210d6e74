"""Configured feeds in the nightly job: a normal feed stored (markup in titles as text), an
entity bomb refused with one line, the rest of the run unaffected."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from observatory.config import load_config
from observatory.nightly import run_nightly
from tests.conftest import write_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"


def test_feeds_are_stored_as_text_and_bombs_refused(tmp_path: Path) -> None:
    for name in ("handwritten_rss2.xml", "handwritten_billion_laughs.xml"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    config = write_config(tmp_path)
    text = config.read_text(encoding="utf-8").replace(
        "[sources.baci]\n# CEPII BACI bulk archives (zip holding BACI_<rev>_Y<year>_V<release>"
        ".csv files).\nenabled = true", "[sources.baci]\nenabled = false")
    text += '''
[feeds.agri_news]
url = "handwritten_rss2.xml"
markets = ["FRA", "ESP"]
keywords = { "clementine|agrume" = ["0805"], "tomat" = ["0702"] }

[feeds.bomb]
url = "handwritten_billion_laughs.xml"
'''
    config.write_text(text, encoding="utf-8")
    cfg = load_config(config)
    summary = run_nightly(cfg)
    statuses = {i["file_name"]: i for i in summary["inputs"]}
    assert statuses["agri_news"]["status"] == "loaded"
    bomb = statuses["bomb"]
    assert bomb["status"] == "failed" and "\n" not in bomb["message"]
    assert "handwritten_billion_laughs.xml" in bomb["message"] or "bomb" in bomb["message"]
    assert summary["status"] == "completed_with_rejections"
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        items = {r[0]: r[1] for r in con.execute(
            "select title, link from core.feed_items").fetchall()}
        hs = {r[0] for r in con.execute("select hs_prefix from core.feed_item_hs").fetchall()}
        markets = {r[0] for r in con.execute("select market_iso3 from core.feed_markets"
                                             ).fetchall()}
    script = "<script>alert(1)</script> Tomato prices"
    assert script in items and items[script] is None  # text kept; javascript: link dropped
    assert {"0805", "0702"} <= hs
    assert markets == {"FRA", "ESP"}
