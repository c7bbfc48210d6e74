"""The Comtrade connector inside the nightly job, against a local server replaying the real
API answer: requests planned from the configuration, records landed, validated and merged."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from observatory.config import load_config
from observatory.nightly import run_nightly
from tests.conftest import real_sample, write_config

PREVIEW = "/public/v1/preview/C/A/HS"
AVAILABILITY = "/public/v1/getDA/C/A/HS"


def _availability(checksum: int) -> dict:
    """A data-availability answer in the documented format (hand-written, like the fixtures
    in tests/fixtures/comtrade/): China's 2010 dataset with a given checksum."""
    return {"elapsedTime": "0.01 secs", "count": 1, "error": "", "data": [{
        "datasetCode": 15620100, "typeCode": "C", "freqCode": "A", "period": "2010",
        "reporterCode": 156, "reporterISO": "CHN", "classificationCode": "H3",
        "classificationSearchCode": "HS", "isOriginalClassification": True,
        "totalRecords": 4, "datasetChecksum": checksum,
        "firstReleased": "2011-06-01T00:00:00", "lastReleased": "2011-06-01T00:00:00"}]}


def _config(folder: Path, base_url: str) -> Path:
    path = write_config(folder, first_year=2010, last_year=2010)
    text = path.read_text(encoding="utf-8")
    text = text.replace("[sources.baci]\n# CEPII BACI bulk archives (zip holding "
                        "BACI_<rev>_Y<year>_V<release>.csv files).\nenabled = true",
                        "[sources.baci]\nenabled = false")
    comtrade = text.index("[sources.comtrade]")
    head, tail = text[:comtrade], text[comtrade:]
    tail = (tail.replace("enabled = false", "enabled = true", 1)
                .replace("reporters = []", 'reporters = ["CHN"]', 1)
                .replace("partners = []", 'partners = ["ARG", "DEU"]', 1)
                .replace('flows = ["M"]', 'flows = ["M", "X"]', 1)
                .replace('base_url = "https://comtradeapi.un.org"', f'base_url = "{base_url}"'))
    path.write_text(head + tail, encoding="utf-8")
    return path


def test_nightly_loads_comtrade_answers_into_core(tmp_path: Path, httpserver: HTTPServer,
                                                  monkeypatch) -> None:
    payload = real_sample("comtrade-api-json", "comtradeapi_v1_get_C_A_HS_CHN_imports_2010_"
                                               "TOTAL.json")
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    httpserver.expect_request(PREVIEW).respond_with_data(
        payload.read_bytes(), content_type="application/json")
    checksums = iter([-101, -101, -202])  # the three nights' availability answers

    def availability(_request: Request) -> Response:
        return Response(json.dumps(_availability(next(checksums))),
                        content_type="application/json")

    httpserver.expect_request(AVAILABILITY).respond_with_handler(availability)
    cfg = load_config(_config(tmp_path, httpserver.url_for("").rstrip("/")))
    assert cfg.baci.enabled is False and cfg.comtrade.enabled is True

    summary = run_nightly(cfg)
    assert summary["status"] == "published", summary
    data_calls = [r for r, _ in httpserver.log if r.path == PREVIEW]
    (request,) = data_calls
    query = request.args
    assert query["reporterCode"] == "156" and query["period"] == "2010"
    assert query["motCode"] == "0" and query["customsCode"] == "C00"
    assert query["partner2Code"] == "0"
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        rows = con.execute(
            "select reported_by, exporter_iso3, importer_iso3, classification, hs_level, "
            "product_code, year, value_usd from core.trade_flows order by 1, 2, 3"
        ).fetchall()
    # China's declared imports (mirror data for its partners' exports) and exports, 2010.
    assert rows == [
        ("exporter", "CHN", "ARG", "HS07", 0, "TOTAL", 2010, 6115764185.0),
        ("exporter", "CHN", "DEU", "HS07", 0, "TOTAL", 2010, 68047133397.0),
        ("importer", "ARG", "CHN", "HS07", 0, "TOTAL", 2010, 6804128143.0),
        ("importer", "DEU", "CHN", "HS07", 0, "TOTAL", 2010, 74251272075.0),
    ]
    # The next night: the dataset's checksum is the same, nothing is fetched again.
    again = run_nightly(cfg)
    assert again["status"] == "unchanged"
    assert len([r for r, _ in httpserver.log if r.path == PREVIEW]) == 1
    # China republishes 2010 (new checksum): that reporter-period is fetched again and
    # replaces its rows, without duplicates.
    third = run_nightly(cfg)
    assert len([r for r, _ in httpserver.log if r.path == PREVIEW]) == 2
    assert [i["status"] for i in third["inputs"]] == ["loaded"]
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        assert con.execute("select count(*) from core.trade_flows").fetchone() == (4,)


def test_a_record_without_classification_is_rejected_and_its_request_stays_pending(
        tmp_path: Path, httpserver: HTTPServer, monkeypatch) -> None:
    """A Comtrade answer whose record lacks `classificationCode` is a validation failure
    naming its line and field (not a crash of the merge); the request stays pending and is
    asked again next night, and once a complete answer comes it is loaded and done."""
    fixture = Path(__file__).parents[1] / "fixtures" / "comtrade" / \
        "handwritten_data_totals_breakdown_world.json"
    good = json.loads(fixture.read_text(encoding="utf-8"))
    broken = json.loads(fixture.read_text(encoding="utf-8"))
    del broken["data"][1]["classificationCode"]  # the USA row
    answers = iter([broken, broken, good])
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    httpserver.expect_request(PREVIEW).respond_with_handler(
        lambda _r: Response(json.dumps(next(answers)), content_type="application/json"))
    httpserver.expect_request(AVAILABILITY).respond_with_handler(
        lambda _r: Response(json.dumps({"count": 0, "data": [], "error": ""}),
                            content_type="application/json"))
    path = _config(tmp_path, httpserver.url_for("").rstrip("/"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("first_year = 2010", "first_year = 2022")
                        .replace("last_year = 2010", "last_year = 2022")
                        .replace('reporters = ["CHN"]', 'reporters = ["MAR"]')
                        .replace('partners = ["ARG", "DEU"]', 'partners = ["FRA", "USA", "W00"]')
                        .replace('flows = ["M", "X"]', 'flows = ["X"]'), encoding="utf-8")
    cfg = load_config(path)

    def request_status() -> list[tuple[str, str]]:
        with duckdb.connect(str(cfg.warehouse.work), read_only=True) as con:
            return [(r[0], r[1] or "") for r in con.execute(
                "select status, message from ops.comtrade_requests").fetchall()]

    first = run_nightly(cfg)
    assert first["status"] == "completed_with_rejections", first
    (verdict,) = first["validation"]
    assert not verdict["passed"]
    assert [(d["line_number"], d["field"]) for d in verdict["defects"]] == [
        (2, "classification")]
    assert "classification is missing" in verdict["defects"][0]["reason"]
    ((status, message),) = request_status()
    assert status == "pending" and "rejected by validation" in message

    second = run_nightly(cfg)  # asked again, still broken, still pending
    assert second["status"] == "completed_with_rejections"
    assert len([r for r, _ in httpserver.log if r.path == PREVIEW]) == 2
    third = run_nightly(cfg)  # a complete answer: loaded, done
    assert third["status"] == "published", third
    assert len([r for r, _ in httpserver.log if r.path == PREVIEW]) == 3
    assert request_status()[0][0] == "done"
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        flows = con.execute("select importer_iso3, value_usd from core.trade_flows "
                            "order by 1").fetchall()
    # the fixture's totals rows (its README): exports to FRA, USA and area _X, and France's
    # exports to Morocco as Morocco declares them (its import row)
    assert flows == [("FRA", 1000.0), ("MAR", 1500.0), ("USA", 200.0), ("_X", 7.0)]
