"""ePing inside the nightly job, against a local server that pages the hand-written
notifications (documented format) as the API does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from observatory.config import load_config
from observatory.nightly import run_nightly
from tests.conftest import write_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eping"
SEARCH = "/notifications/search"


def _items() -> list[dict[str, Any]]:
    pages = ("handwritten_search_page1.json", "handwritten_search_page2.json")
    return [i for p in pages for i in json.loads((FIXTURES / p).read_text())["items"]]


def _config(folder: Path, base_url: str) -> Path:
    path = write_config(folder)
    text = path.read_text(encoding="utf-8")
    text = text.replace("[sources.baci]\n# CEPII BACI bulk archives (zip holding "
                        "BACI_<rev>_Y<year>_V<release>.csv files).\nenabled = true",
                        "[sources.baci]\nenabled = false")
    head, tail = text.split("[sources.eping]", 1)
    tail = (tail.replace("enabled = false", "enabled = true", 1)
                .replace('base_url = "https://api.wto.org/eping"', f'base_url = "{base_url}"')
                .replace("members = []", 'members = ["KOR", "USA"]', 1))
    path.write_text(head + "[sources.eping]" + tail, encoding="utf-8")
    return path


def test_notifications_are_loaded_linked_and_versioned(tmp_path: Path, monkeypatch,
                                                      httpserver: HTTPServer) -> None:
    monkeypatch.setenv("EPING_API_KEY", "test-key-not-a-secret")
    items = _items()
    seen: list[Request] = []

    def search(request: Request) -> Response:
        seen.append(request)
        page, size = int(request.args["page"]), int(request.args["pageSize"])
        body = {"totalCount": len(items), "page": page, "pageSize": size,
                "items": items[(page - 1) * size: page * size]}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(SEARCH).respond_with_handler(search)
    cfg = load_config(_config(tmp_path, httpserver.url_for("").rstrip("/")))
    summary = run_nightly(cfg)
    assert summary["status"] == "published", summary
    assert seen[0].args["countryIds"] == "C410,C840"
    assert seen[0].headers["Ocp-Apim-Subscription-Key"] == "test-key-not-a-secret"
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        rows = con.execute(
            "select symbol, base_symbol, revision_kind, notifying_iso3, area, title "
            "from core.notifications order by notification_id").fetchall()
        measures = con.execute("select count(distinct base_symbol) from core.notifications"
                               ).fetchone()[0]
        hs = {r[0] for r in con.execute("select hs_code from core.notification_products "
                                        "where symbol = 'G/SPS/N/KOR/1'").fetchall()}
        ledger = con.execute("select parameters from ops.load_ledger").fetchall()
    assert [r[:4] for r in rows] == [
        ("G/SPS/N/KOR/1", "G/SPS/N/KOR/1", None, "KOR"),
        ("G/SPS/N/KOR/1/Add.2", "G/SPS/N/KOR/1", "addendum", "KOR"),
        ("G/SPS/N/KOR/1/Corr.1", "G/SPS/N/KOR/1", "corrigendum", "KOR"),
        ("G/TBT/N/USA/1234/Rev.1", "G/TBT/N/USA/1234", "revision", "USA"),
        ("G/TBT/N/USA/1234/Rev.1/Add.1", "G/TBT/N/USA/1234", "addendum", "USA"),
    ]
    assert measures == 2  # addenda and corrigenda are not new measures
    assert "<" not in rows[0][5] and "Frozen" in rows[0][5]  # markup never kept
    assert "030617" in hs
    assert "test-key-not-a-secret" not in str(ledger)

    # The same answer the next night: nothing new. Then a changed title: a new version.
    assert run_nightly(cfg)["status"] == "unchanged"
    items[0] = {**items[0], "titlePlain": "Amended standards for frozen shrimps"}
    assert run_nightly(cfg)["status"] == "published"
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        versions = con.execute(
            "select version, is_current, title from core.notifications "
            "where symbol = 'G/SPS/N/KOR/1' order by version").fetchall()
    assert [v[:2] for v in versions] == [(1, False), (2, True)]
    assert versions[1][2] == "Amended standards for frozen shrimps"


def test_the_first_api_fetch_covers_the_configured_window_whatever_saved_files_hold(
        tmp_path: Path, monkeypatch, httpserver: HTTPServer) -> None:
    """Saved answers (`sources.eping.files`) with recent notifications say nothing of what
    the API has been asked: its first fetch goes back `initial_days` from today (UTC); the
    next starts from the end of the last window loaded, less the overlap."""
    from datetime import UTC, datetime, timedelta

    monkeypatch.setenv("EPING_API_KEY", "test-key-not-a-secret")
    saved = tmp_path / "data" / "demo" / "eping"
    saved.mkdir(parents=True)
    (saved / "saved.json").write_text(json.dumps({"items": _items()}), encoding="utf-8")
    seen: list[Request] = []

    def search(request: Request) -> Response:
        seen.append(request)
        body = {"totalCount": 0, "page": 1, "pageSize": 50, "items": []}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(SEARCH).respond_with_handler(search)
    cfg = load_config(_config(tmp_path, httpserver.url_for("").rstrip("/")))
    today = datetime.now(UTC).date()
    run_nightly(cfg)
    first = seen[0].args
    assert first["distributionDateFrom"] == (today - timedelta(days=365)).isoformat()
    assert first["distributionDateTo"] == today.isoformat()
    run_nightly(cfg)
    assert seen[-1].args["distributionDateFrom"] == (today - timedelta(days=7)).isoformat()
