"""The Comtrade connector against a local HTTP server replaying payloads in the API's format.

Real answers are the vendored copies in `tests/fixtures/real/comtrade-api-json/`
(`tests/fixtures/real/`); the error answers and the breakdown/World payload are hand-written
in the documented format (`tests/fixtures/comtrade/handwritten_*`). No test sleeps: `sleep`
is injected.
"""

from __future__ import annotations

import itertools
import json
import logging
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

import duckdb
import pandas as pd
import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from observatory.errors import (
    ConfigError,
    QuotaExhausted,
    RowCapReached,
    SourceError,
    SourceUnavailable,
)
from observatory.sources.comtrade import client as comtrade_client
from observatory.sources.comtrade import resources, settings, state
from observatory.sources.comtrade.client import ComtradeClient, normalise_columns
from observatory.sources.comtrade.resources import QuerySpec, RequestRunner, plan_requests
from tests.conftest import REPO, real_sample

FIXTURES = REPO / "tests" / "fixtures" / "comtrade"
DATA = "/data/v1/get/C/A/HS"
PREVIEW = "/public/v1/preview/C/A/HS"
REAL_DATA = ("comtrade-api-json", "comtradeapi_v1_get_C_A_HS_CHN_imports_2010_TOTAL.json")
REAL_BULK = ("comtrade-api-json", "comtradeapi_bulk_v1_get_C_A_HS_availability.json")
KEY = "sk-test-0123456789abcdef"  # a fake key; the tests check it never leaks

# Comtrade numeric codes are not ISO numeric (France 251 not 250, USA 842 not 840, ...).
CROSSWALK = {251: "FRA", 842: "USA", 504: "MAR", 699: "IND", 757: "CHE", 579: "NOR",
             156: "CHN", 32: "ARG", 276: "DEU", 724: "ESP", 792: "TUR", 818: "EGY"}


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


class Sleeps(list[float]):
    """An injected `sleep` that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_client(server: HTTPServer, *, key: str | None = KEY, **kwargs: Any
                ) -> tuple[ComtradeClient, Sleeps]:
    sleeps = Sleeps()
    kwargs.setdefault("max_retries", 5)
    kwargs.setdefault("timeout", 5)
    client = ComtradeClient(base_url=server.url_for("").rstrip("/"), api_key=key,
                            sleep=sleeps, **kwargs)
    return client, sleeps


def ledger() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    state.ensure_tables(con)
    return con


# ---- a fake Comtrade that answers from a universe of records ----------------------------------

def record(reporter: int, partner: int, period: str, flow: str, cmd: str) -> dict[str, Any]:
    """One final-data record in the API's 47-field format; the value encodes its key."""
    value = float(reporter * 1_000_000 + partner * 1_000 + int(period) % 100)
    return {
        "typeCode": "C", "freqCode": "A", "refPeriodId": int(f"{period}0101"),
        "refYear": int(period), "refMonth": 52, "period": period,
        "reporterCode": reporter, "reporterISO": CROSSWALK.get(reporter, ""),
        "reporterDesc": "", "flowCode": flow, "flowDesc": "",
        "partnerCode": partner, "partnerISO": "W00" if partner == 0 else CROSSWALK[partner],
        "partnerDesc": "", "partner2Code": 0, "partner2ISO": "W00", "partner2Desc": "World",
        "classificationCode": "H6", "classificationSearchCode": "HS",
        "isOriginalClassification": True, "cmdCode": cmd, "cmdDesc": "", "aggrLevel": 0,
        "isLeaf": False, "customsCode": "C00", "customsDesc": "TOTAL CPC", "mosCode": "0",
        "motCode": 0, "motDesc": "TOTAL MOT", "qtyUnitCode": -1, "qtyUnitAbbr": "N/A",
        "qty": None, "isQtyEstimated": False, "altQtyUnitCode": -1, "altQtyUnitAbbr": "N/A",
        "altQty": None, "isAltQtyEstimated": False, "netWgt": None,
        "isNetWgtEstimated": False, "grossWgt": None, "isGrossWgtEstimated": False,
        "cifvalue": value if flow == "M" else None, "fobvalue": value if flow == "X" else None,
        "primaryValue": value, "legacyEstimationFlag": 0, "isReported": True,
        "isAggregate": False,
    }


class FakeComtrade:
    """Answers every query from the full cross product of its parameters, cut at maxRecords
    as the API does. `all_partners` is the answer's partner list when partnerCode is absent.
    `before` may return a Response to answer instead (errors, quota)."""

    def __init__(self, all_partners: list[int] | None = None,
                 before: Callable[[Request], Response | None] | None = None) -> None:
        self.all_partners = all_partners or []
        self.before = before
        self.queries: list[dict[str, str]] = []
        self.url_lengths: list[int] = []

    def __call__(self, request: Request) -> Response:
        if self.before is not None:
            answer = self.before(request)
            if answer is not None:
                return answer
        query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        self.queries.append(query)
        self.url_lengths.append(len(request.url))
        partners = ([int(p) for p in query["partnerCode"].split(",")]
                    if "partnerCode" in query else self.all_partners)
        rows = [
            record(int(r), p, period, flow, cmd)
            for period, r, p, flow, cmd in itertools.product(
                query["period"].split(","), query["reporterCode"].split(","), partners,
                query["flowCode"].split(","), query["cmdCode"].split(","))
        ]
        rows = rows[: int(query.get("maxRecords", "500"))]
        body = {"elapsedTime": "0.01 secs", "count": len(rows), "data": rows, "error": ""}
        return Response(json.dumps(body), status=200, content_type="application/json")


def keys_of(frame: pd.DataFrame) -> list[tuple]:
    return list(frame[list(resources.COMTRADE_RECORDS.primary_key)].itertuples(index=False,
                                                                                 name=None))


# ---- the real answer -------------------------------------------------------------------------

def test_real_data_answer_is_normalised_with_the_crosswalk(httpserver: HTTPServer) -> None:
    payload = real_sample(*REAL_DATA)
    httpserver.expect_request(DATA).respond_with_data(payload.read_bytes(),
                                                       content_type="application/json")
    client, sleeps = make_client(httpserver)
    spec = QuerySpec(reporters=["CHN"], partners=["ARG", "DEU"], periods=[2010],
                     flows=["M", "X"])
    (request,) = plan_requests(spec, CROSSWALK, base_url=client.base_url)
    batches = list(RequestRunner(client, ledger(), CROSSWALK).run([request]))

    (batch,) = batches
    frame = batch.records
    assert list(frame.columns) == list(settings.RECORD_COLUMNS)
    assert batch.rows_received == 4 and batch.breakdown_rows_dropped == 0 and sleeps == []
    by_key = {(r.flow_code, r.partner_iso3): r for r in frame.itertuples()}
    # Values as in the verbatim answer: China's 2010 imports from Germany are CIF.
    assert by_key[("M", "DEU")].primary_value_usd == 74251272075.0
    assert by_key[("M", "DEU")].cif_value_usd == 74251272075.0
    assert pd.isna(by_key[("M", "DEU")].fob_value_usd)
    assert by_key[("X", "ARG")].fob_value_usd == 6115764185.0
    assert set(frame["reporter_iso3"]) == {"CHN"} and set(frame["reporter_code"]) == {156}
    assert set(frame["partner_code"]) == {32, 276}
    assert frame["ref_month"].isna().all()  # the API sends 52 for annual data
    assert set(frame["period"]) == {"2010"} and set(frame["ref_year"]) == {2010}
    assert set(frame["classification_code"]) == {"H3"}
    assert not frame["is_world_partner"].any()
    assert (frame["request_id"] == request.request_id).all()
    # The key went in the header, the totals in the query.
    sent = httpserver.log[0][0]
    assert sent.headers[settings.KEY_HEADER] == KEY
    assert KEY not in sent.url
    assert (sent.args["motCode"], sent.args["customsCode"], sent.args["partner2Code"]) == (
        "0", "C00", "0")


def test_real_answer_with_a_code_missing_from_the_crosswalk_reports_it() -> None:
    payload = real_sample(*REAL_DATA)
    records = json.loads(payload.read_text(encoding="utf-8"))["data"]
    crosswalk = {k: v for k, v in CROSSWALK.items() if k != 32}  # Argentina unknown
    out = resources.normalise_records(records, crosswalk, request_id="r1", path=DATA)
    assert len(out.frame) == 2 and set(out.frame["partner_iso3"]) == {"DEU"}
    assert [(u.record_index, u.field, u.code) for u in out.unknown_codes] == [
        (0, "partnerCode", "32"), (2, "partnerCode", "32")]
    assert out.unknown_codes[0].request_id == "r1" and out.unknown_codes[0].path == DATA
    assert json.loads(out.unknown_codes[0].raw_record)["partnerISO"] == "ARG"
    assert "record 0: partnerCode 32 is not in the country crosswalk" in out.unknown_codes[0].reason


# ---- totals, World, codes --------------------------------------------------------------------

def test_breakdown_rows_dropped_world_kept_apart_codes_mapped() -> None:
    body = json.loads(fixture_text("handwritten_data_totals_breakdown_world.json"))
    out = resources.normalise_records(body["data"], CROSSWALK, request_id="r", path=DATA)
    frame = out.frame
    # Rows 3, 4, 5 are breakdowns (mode of transport, customs procedure, second partner).
    assert out.breakdown_rows_dropped == 3
    # Row 6 (partner 899) is unknown: reported, not kept, not silently dropped.
    assert [(u.record_index, u.field, u.code) for u in out.unknown_codes] == [
        (6, "partnerCode", "899")]
    assert len(frame) == 4  # rows 0, 1, 2 (World), 7
    world = resources.world(frame)
    assert len(world) == 1 and world.iloc[0]["partner_code"] == 0
    assert pd.isna(world.iloc[0]["partner_iso3"]) and bool(world.iloc[0]["is_aggregate"])
    bilateral = resources.bilateral(frame)
    exports = bilateral[bilateral["flow_code"] == "X"]
    # Hand-computed: 1000 (FRA) + 200 (USA); neither World (5000) nor breakdowns in the sum.
    assert exports["primary_value_usd"].sum() == 1200.0
    iso = dict(zip(bilateral["partner_code"], bilateral["partner_iso3"], strict=False))
    assert iso == {251: "FRA", 842: "USA"}
    assert set(frame["reporter_iso3"]) == {"MAR"}
    imports = frame[frame["flow_code"] == "M"].iloc[0]
    assert imports["net_weight_kg"] == 12345.5 and imports["qty_unit_code"] == 8
    assert imports["cif_value_usd"] == 1500.0


def test_crosswalk_maps_comtrade_codes_not_iso_numeric() -> None:
    frame = pd.DataFrame({"iso3": ["FRA", "USA", "MAR", "XKX"],
                          "comtrade_code": [251, 842, 504, None]})
    crosswalk = resources.crosswalk_from_frame(frame)
    assert crosswalk == {251: "FRA", 842: "USA", 504: "MAR"}
    requests_ = plan_requests(QuerySpec(reporters=["MAR"], partners=["FRA", "USA", "W00"],
                                        periods=["2022"]), crosswalk)
    assert requests_[0].params_dict["reporterCode"] == "504"
    assert requests_[0].params_dict["partnerCode"] == "251,842,0"
    with pytest.raises(ConfigError, match="XKX has no Comtrade code"):
        plan_requests(QuerySpec(reporters=["XKX"], periods=["2022"]), crosswalk)


def test_crosswalk_from_the_reference_country_table_when_it_exists() -> None:
    countries = pytest.importorskip("observatory.reference.countries")
    if not hasattr(countries, "build_countries"):
        pytest.skip("observatory.reference.countries.build_countries not there yet")
    frame = countries.build_countries()
    if not {"comtrade_code", "iso3"} <= set(frame.columns):
        pytest.skip("ref.countries has no comtrade_code column yet")
    crosswalk = resources.crosswalk_from_frame(frame)
    assert crosswalk[251] == "FRA" and crosswalk[842] == "USA" and crosswalk[504] == "MAR"
    assert crosswalk[699] == "IND" and crosswalk[757] == "CHE" and crosswalk[579] == "NOR"
    assert 0 not in crosswalk  # World is not a country
    payload = real_sample(*REAL_DATA)
    records = json.loads(payload.read_text(encoding="utf-8"))["data"]
    out = resources.normalise_records(records, crosswalk, request_id="r", path=DATA)
    assert out.unknown_codes == []
    assert sorted(set(out.frame["partner_iso3"])) == ["ARG", "DEU"]


# ---- retries and errors ----------------------------------------------------------------------

OK_BODY = json.dumps({"elapsedTime": "0.01 secs", "count": 0, "data": [], "error": ""})


def test_429_with_retry_after_waits_what_the_server_asks(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(DATA).respond_with_data(
        fixture_text("handwritten_429_rate_limit.json"), status=429,
        headers={"Retry-After": "7"}, content_type="application/json")
    httpserver.expect_ordered_request(DATA).respond_with_data(OK_BODY,
                                                              content_type="application/json")
    client, sleeps = make_client(httpserver)
    answer = client.fetch(DATA, {"period": "2022"})
    assert answer.records == [] and sleeps == [7.0]
    assert len(httpserver.log) == 2


def test_429_without_retry_after_backs_off(httpserver: HTTPServer) -> None:
    # The free preview's 429 carries no Retry-After and no hint: exponential backoff.
    for _ in range(2):
        httpserver.expect_ordered_request(PREVIEW).respond_with_data("", status=429)
    httpserver.expect_ordered_request(PREVIEW).respond_with_data(
        OK_BODY, content_type="application/json")
    client, sleeps = make_client(httpserver, key=None, backoff_base=1.5)
    client.fetch(PREVIEW, {"period": "2022"})
    assert sleeps == [1.5, 3.0]


def test_429_message_hint_is_used_when_there_is_no_header(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(DATA).respond_with_data(
        fixture_text("handwritten_429_rate_limit.json"), status=429,
        content_type="application/json")
    httpserver.expect_ordered_request(DATA).respond_with_data(OK_BODY,
                                                              content_type="application/json")
    client, sleeps = make_client(httpserver)
    client.fetch(DATA, {"period": "2022"})
    assert sleeps == [2.0]  # "Try again in 2 seconds."


def test_403_rate_limit_is_retried_but_quota_is_not(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(DATA).respond_with_json(
        {"statusCode": 403, "message": "Rate limit is exceeded."}, status=403,
        headers={"Retry-After": "3"})
    httpserver.expect_ordered_request(DATA).respond_with_data(
        fixture_text("handwritten_403_quota.json"), status=403,
        content_type="application/json")
    client, sleeps = make_client(httpserver)
    with pytest.raises(QuotaExhausted) as info:
        client.fetch(DATA, {"period": "2022"})
    assert sleeps == [3.0] and len(httpserver.log) == 2
    assert info.value.replenished_in == "03:14:17"
    assert str(info.value) == (f"{DATA}: HTTP 403: out of call volume quota; "
                               "replenished in 03:14:17")


def test_500_then_success_and_500_forever(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(DATA).respond_with_data("oops", status=500)
    httpserver.expect_ordered_request(DATA).respond_with_data(OK_BODY,
                                                              content_type="application/json")
    client, sleeps = make_client(httpserver)
    client.fetch(DATA, {"period": "2022"})
    assert sleeps == [1.0]

    httpserver.clear()
    httpserver.expect_request(DATA).respond_with_data(fixture_text("handwritten_error_page.html"),
                                                      status=502, content_type="text/html")
    client, sleeps = make_client(httpserver, max_retries=3, backoff_base=0.5)
    with pytest.raises(SourceUnavailable) as info:
        client.fetch(DATA, {"period": "2022"})
    assert sleeps == [0.5, 1.0, 2.0] and len(httpserver.log) == 4
    message = str(info.value)
    assert message.startswith(f"{DATA}: HTTP 502") and "gave up after 4 attempts" in message
    assert "Service Unavailable" in message and "\n" not in message


def test_html_page_with_200_is_an_error_after_one_retry(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DATA).respond_with_data(fixture_text("handwritten_error_page.html"),
                                                      status=200, content_type="text/html")
    client, sleeps = make_client(httpserver)
    with pytest.raises(SourceError) as info:
        client.fetch(DATA, {"period": "2022"})
    assert not isinstance(info.value, SourceUnavailable)
    assert str(info.value) == (f"{DATA}: HTTP 200 with an HTML page instead of JSON "
                               "(Service Unavailable)")
    assert len(httpserver.log) == 2 and sleeps == [1.0]


def test_200_with_error_field_is_raised_at_once(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PREVIEW).respond_with_data(
        fixture_text("handwritten_200_with_error.json"), content_type="application/json")
    client, sleeps = make_client(httpserver, key=None)
    with pytest.raises(SourceError) as info:
        client.fetch(PREVIEW, {"period": "2021,2022"})
    assert str(info.value) == (f"{PREVIEW}: the API rejected the request: "
                               "Maximum number of periods for preview is 1")
    assert len(httpserver.log) == 1 and sleeps == []


def test_truncated_json_is_retried_once_then_raised(httpserver: HTTPServer) -> None:
    truncated = fixture_text("handwritten_truncated_data.json")
    httpserver.expect_request(DATA).respond_with_data(truncated, content_type="application/json")
    client, sleeps = make_client(httpserver)
    with pytest.raises(SourceError, match=rf"^{DATA}: invalid or truncated JSON") as info:
        client.fetch(DATA, {"period": "2022"})
    assert len(httpserver.log) == 2 and sleeps == [1.0] and "\n" not in str(info.value)

    httpserver.clear()
    httpserver.expect_ordered_request(DATA).respond_with_data(truncated,
                                                              content_type="application/json")
    httpserver.expect_ordered_request(DATA).respond_with_data(
        fixture_text("handwritten_data_totals_breakdown_world.json"),
        content_type="application/json")
    client, _ = make_client(httpserver)
    assert len(client.fetch(DATA, {"period": "2022"}).records) == 8


def test_connection_errors_and_timeouts_back_off() -> None:
    with socket.socket() as probe:  # a port nobody listens on: connection refused at once
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    sleeps = Sleeps()
    client = ComtradeClient(base_url=closed, api_key=KEY, sleep=sleeps, max_retries=2,
                            timeout=2)
    with pytest.raises(SourceUnavailable, match=r"connection error .* gave up after 3"):
        client.fetch(DATA, {"period": "2022"})
    assert sleeps == [1.0, 2.0]

    class TimingOut(requests.Session):
        calls = 0

        def get(self, url: str | bytes, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            TimingOut.calls += 1
            raise requests.ReadTimeout("read timed out")

    sleeps = Sleeps()
    client = ComtradeClient(base_url=closed, api_key=KEY, sleep=sleeps,
                            session=TimingOut(), max_retries=1, timeout=3)
    with pytest.raises(SourceUnavailable, match=r"timeout after 3 s; gave up after 2"):
        client.fetch(DATA, {"period": "2022"})
    assert TimingOut.calls == 2 and sleeps == [1.0]


def test_long_retry_after_stops_instead_of_blocking(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DATA).respond_with_data("", status=429,
                                                      headers={"Retry-After": "3600"})
    client, sleeps = make_client(httpserver, max_wait=60)
    with pytest.raises(SourceUnavailable, match="asks to wait 3600 s"):
        client.fetch(DATA, {"period": "2022"})
    assert sleeps == []


def test_the_key_never_leaks(httpserver: HTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    echo = json.loads(fixture_text("handwritten_401_invalid_key.json"))
    echo["message"] += f" Key: {KEY}"  # a server that echoes the key back
    httpserver.expect_ordered_request(DATA).respond_with_data(f"error for key {KEY}",
                                                              status=503)
    httpserver.expect_ordered_request(DATA).respond_with_json(echo, status=401)
    client, _ = make_client(httpserver)
    con = ledger()
    (request,) = plan_requests(QuerySpec(reporters=["MAR"], periods=["2022"]), CROSSWALK,
                               base_url=client.base_url)
    with pytest.raises(SourceError) as info:
        list(RequestRunner(client, con, CROSSWALK).run([request]))
    message = str(info.value)
    assert message.startswith(f"{DATA}: HTTP 401: the subscription key was refused")
    assert "COMTRADE_API_KEY" in message and "\n" not in message
    for sent, _ in httpserver.log:
        assert sent.headers[settings.KEY_HEADER] == KEY and KEY not in sent.url
    assert caplog.records, "the retry should have been logged"
    assert KEY not in caplog.text and KEY not in message and KEY not in repr(client)
    ledger_text = json.dumps(con.execute("select * from ops.comtrade_requests").fetchall(),
                             default=str)
    assert KEY not in ledger_text and "HTTP 401" in ledger_text


def test_5xx_body_echoing_the_key_is_masked(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DATA).respond_with_data(f"boom {KEY} boom", status=500)
    client, _ = make_client(httpserver, max_retries=0)
    with pytest.raises(SourceUnavailable) as info:
        client.fetch(DATA, {"period": "2022"})
    assert KEY not in str(info.value) and "boom *** boom" in str(info.value)


def test_key_from_environment_and_data_endpoint_needs_it() -> None:
    client = ComtradeClient.from_env({settings.API_KEY_ENV: f"  {KEY}\n"}, sleep=Sleeps())
    assert client.has_key and KEY not in repr(client)
    assert not ComtradeClient.from_env({}).has_key
    with pytest.raises(ConfigError, match=r"^/data/v1/get/C/A/HS: .* set COMTRADE_API_KEY$"):
        ComtradeClient.from_env({}).fetch(DATA, {"period": "2022"})


# ---- planning --------------------------------------------------------------------------------

def test_plan_periods_per_call_totals_and_stable_ids() -> None:
    years = [str(y) for y in range(2010, 2023)]  # 13 years
    data = plan_requests(QuerySpec(reporters=["MAR"], periods=years), CROSSWALK)
    assert [len(r.values("period")) for r in data] == [12, 1]
    preview = plan_requests(QuerySpec(reporters=["MAR"], periods=years[:3],
                                      endpoint="preview"), CROSSWALK)
    assert [r.values("period") for r in preview] == [["2010"], ["2011"], ["2012"]]
    assert all(r.path == PREVIEW and r.row_cap == 500 for r in preview)
    for request in data + preview:
        params = request.params_dict
        assert (params["motCode"], params["customsCode"], params["partner2Code"]) == (
            "0", "C00", "0")
    assert data[0].row_cap == settings.FREE_TIER_ROW_CAP
    again = plan_requests(QuerySpec(reporters=["MAR"], periods=list(reversed(years))),
                          CROSSWALK)
    assert [r.request_id for r in again] == [r.request_id for r in data]
    assert len({r.request_id for r in data + preview}) == len(data + preview)
    premium = plan_requests(QuerySpec(reporters=["MAR"], periods=["2022"],
                                      row_cap=settings.PREMIUM_ROW_CAP), CROSSWALK)
    assert premium[0].params_dict["maxRecords"] == "250000"


def test_plan_rejects_bad_periods_and_all_by_all() -> None:
    with pytest.raises(ConfigError, match="202213 are not YYYYMM"):
        plan_requests(QuerySpec(reporters=["MAR"], periods=["202212", "202213"], freq="M"),
                      CROSSWALK)
    with pytest.raises(ConfigError, match="are not YYYY for freq A"):
        plan_requests(QuerySpec(reporters=["MAR"], periods=["202201"]), CROSSWALK)
    with pytest.raises(ConfigError, match="every reporter with every partner"):
        plan_requests(QuerySpec(reporters=None, periods=["2022"]), CROSSWALK)
    with pytest.raises(ConfigError, match="several Comtrade codes"):
        plan_requests(QuerySpec(reporters=["FRA"], periods=["2022"]),
                      {**CROSSWALK, 250: "FRA"})


def test_long_code_lists_are_split_to_fit_the_url(httpserver: HTTPServer) -> None:
    cmd_codes = [f"{c:06d}" for c in range(10_000, 10_900)]  # 900 HS6 codes, ~6,300 chars
    fake = FakeComtrade()
    httpserver.expect_request(DATA).respond_with_handler(fake)
    client, _ = make_client(httpserver)
    spec = QuerySpec(reporters=["MAR"], partners=["FRA"], periods=["2022"],
                     cmd_codes=cmd_codes, flows=["X"])
    plan = plan_requests(spec, CROSSWALK, base_url=client.base_url)
    assert len(plan) >= 2
    assert all(len(client.url(r.path, r.params_dict)) <= 4096 for r in plan)
    assert [c for r in plan for c in r.values("cmdCode")] == cmd_codes  # all, once, in order
    frames = [b.records for b in RequestRunner(client, ledger(), CROSSWALK).run(plan)]
    assert max(fake.url_lengths) <= 4096 and len(fake.queries) == len(plan)
    got = pd.concat(frames)
    assert sorted(got["cmd_code"]) == cmd_codes


# ---- row cap, quota, resume ------------------------------------------------------------------

def test_answer_at_the_cap_is_split_and_refetched(httpserver: HTTPServer) -> None:
    fake = FakeComtrade()
    httpserver.expect_request(DATA).respond_with_handler(fake)
    client, _ = make_client(httpserver)
    reporters, partners = ["FRA", "USA", "MAR"], ["CHN", "DEU", "ESP"]
    periods, flows = ["2021", "2022"], ["M", "X"]
    spec = QuerySpec(reporters=reporters, partners=partners, periods=periods, flows=flows,
                     row_cap=10)
    plan = plan_requests(spec, CROSSWALK, base_url=client.base_url)
    assert len(plan) == 1
    con = ledger()
    batches = list(RequestRunner(client, con, CROSSWALK).run(plan))
    got = pd.concat([b.records for b in batches])

    # The full answer, enumerated independently of the splitting.
    code = {v: k for k, v in CROSSWALK.items()}
    expected = sorted(("A", p, code[r], code[q], f, "TOTAL") for p, r, q, f in
                      itertools.product(periods, reporters, partners, flows))
    assert len(expected) == 36
    assert sorted(keys_of(got)) == expected  # no row lost, none twice
    # Every answer kept was under the cap, and the split went period first, then reporters.
    assert all(b.rows_received < 10 for b in batches)
    assert all(len(b.request.values("period")) == 1 for b in batches)
    first_split = state.children(con, plan[0].request_id)
    assert [c.params["period"] for c in first_split] == ["2021", "2022"]
    assert state.get(con, plan[0].request_id).status == "split"  # type: ignore[union-attr]
    # A second run finds everything done and asks nothing.
    asked = len(fake.queries)
    assert list(RequestRunner(client, con, CROSSWALK).run(plan)) == []
    assert len(fake.queries) == asked


def test_single_query_still_at_the_cap_raises(httpserver: HTTPServer) -> None:
    fake = FakeComtrade(all_partners=[251, 842, 724, 792, 818, 156])
    httpserver.expect_request(DATA).respond_with_handler(fake)
    client, _ = make_client(httpserver)
    spec = QuerySpec(reporters=["MAR"], partners=None, periods=["2022"], flows=["X"],
                     row_cap=5)
    con = ledger()
    with pytest.raises(RowCapReached) as info:
        list(RequestRunner(client, con, CROSSWALK).run(plan_requests(
            spec, CROSSWALK, base_url=client.base_url)))
    message = str(info.value)
    assert message.startswith(f"{DATA}: request ") and "5 rows, the row cap" in message
    assert state.counts(con)["failed"] == 1


def test_quota_stops_cleanly_and_the_next_run_resumes(httpserver: HTTPServer) -> None:
    quota = {"left": 2}

    def before(request: Request) -> Response | None:
        if quota["left"] <= 0:
            return Response(fixture_text("handwritten_403_quota.json"), status=403,
                            content_type="application/json")
        quota["left"] -= 1
        return None

    fake = FakeComtrade(before=before)
    httpserver.expect_request(PREVIEW).respond_with_handler(fake)
    client, _ = make_client(httpserver, key=None)
    periods = ["2019", "2020", "2021", "2022"]
    spec = QuerySpec(reporters=["MAR"], partners=["FRA", "USA", "W00"], periods=periods,
                     endpoint="preview")
    plan = plan_requests(spec, CROSSWALK, base_url=client.base_url)
    assert len(plan) == 4
    con = ledger()

    first = RequestRunner(client, con, CROSSWALK)
    batches = list(first.run(plan))
    assert [b.request.values("period") for b in batches] == [["2019"], ["2020"]]
    assert first.quota_message and "out of call volume quota" in first.quota_message
    assert state.counts(con) == {"pending": 2, "done": 2, "failed": 0, "split": 0}

    quota["left"] = 100  # the next day
    asked_before = len(fake.queries)
    second = RequestRunner(client, con, CROSSWALK)
    resumed = list(second.run(plan))
    assert second.quota_message is None
    assert [q["period"] for q in fake.queries[asked_before:]] == ["2021", "2022"]
    assert state.counts(con) == {"pending": 0, "done": 4, "failed": 0, "split": 0}

    got = pd.concat([b.records for b in batches + resumed])
    assert len(got) == len(set(keys_of(got))) == 4 * 2 * 3  # periods x flows x partners
    assert sorted(set(got["period"])) == periods
    assert resources.world(got)["partner_code"].eq(0).all() and len(resources.world(got)) == 8


def test_resume_from_the_ledger_alone_after_the_quota(httpserver: HTTPServer) -> None:
    quota = {"left": 1}

    def before(request: Request) -> Response | None:
        if quota["left"] <= 0:
            return Response(fixture_text("handwritten_403_quota.json"), status=403)
        quota["left"] -= 1
        return None

    fake = FakeComtrade(before=before)
    httpserver.expect_request(DATA).respond_with_handler(fake)
    client, sleeps = make_client(httpserver)
    # Split at the cap first (4 rows = cap), then the quota ends the run inside the split.
    plan = plan_requests(QuerySpec(reporters=["MAR"], partners=["FRA", "USA"],
                                   periods=["2021", "2022"], flows=["X"], row_cap=4),
                         CROSSWALK, base_url=client.base_url)
    con = ledger()
    runner = RequestRunner(client, con, CROSSWALK)
    assert list(runner.run(plan)) == [] and runner.quota_message is not None
    assert state.counts(con) == {"pending": 2, "done": 0, "failed": 0, "split": 1}
    assert sleeps == []  # the quota is not retried

    quota["left"] = 100
    asked = len(fake.queries)
    resumed = list(RequestRunner(client, con, CROSSWALK).run_unfinished())
    assert [q["period"] for q in fake.queries[asked:]] == ["2021", "2022"]
    got = pd.concat([b.records for b in resumed])
    assert sorted(keys_of(got)) == sorted(
        ("A", p, 504, q, "X", "TOTAL") for p in ("2021", "2022") for q in (251, 842))
    assert state.counts(con) == {"pending": 0, "done": 2, "failed": 0, "split": 1}
    assert list(RequestRunner(client, con, CROSSWALK).run([])) == []


def test_monthly_records_keep_their_month() -> None:
    body = json.loads(fixture_text("handwritten_data_totals_breakdown_world.json"))
    monthly = [{**body["data"][0], "freqCode": "M", "period": "202205", "refMonth": 5,
                "refPeriodId": 20220501}]
    frame = resources.normalise_records(monthly, CROSSWALK, request_id="r", path=DATA).frame
    assert frame.loc[0, "ref_month"] == 5 and frame.loc[0, "period"] == "202205"
    assert frame.loc[0, "freq"] == "M" and frame.loc[0, "ref_year"] == 2022


def test_a_batch_not_consumed_is_fetched_again(httpserver: HTTPServer) -> None:
    fake = FakeComtrade()
    httpserver.expect_request(PREVIEW).respond_with_handler(fake)
    client, _ = make_client(httpserver, key=None)
    plan = plan_requests(QuerySpec(reporters=["MAR"], partners=["FRA"], periods=["2021", "2022"],
                                   endpoint="preview"), CROSSWALK, base_url=client.base_url)
    con = ledger()
    run = RequestRunner(client, con, CROSSWALK).run(plan)
    next(run)  # the caller fails to store this batch and stops
    run.close()
    assert state.counts(con)["done"] == 0
    periods = [b.request.values("period") for b in RequestRunner(client, con, CROSSWALK).run(plan)]
    assert periods == [["2021"], ["2022"]]


def test_reset_makes_a_split_request_pending_again(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DATA).respond_with_handler(FakeComtrade())
    client, _ = make_client(httpserver)
    plan = plan_requests(QuerySpec(reporters=["MAR"], partners=["FRA"], periods=["2021", "2022"],
                                   flows=["X"], row_cap=2), CROSSWALK, base_url=client.base_url)
    con = ledger()
    list(RequestRunner(client, con, CROSSWALK).run(plan))
    assert state.counts(con) == {"pending": 0, "done": 2, "failed": 0, "split": 1}
    assert state.reset(con, [plan[0].request_id]) == 1
    assert state.counts(con) == {"pending": 1, "done": 0, "failed": 0, "split": 0}


# ---- availability and incremental refresh ----------------------------------------------------

def test_real_bulk_availability_detects_new_and_republished_files() -> None:
    payload = real_sample(*REAL_BULK)
    records = json.loads(payload.read_text(encoding="utf-8"))["data"]
    con = ledger()
    args = {"type_code": "C", "freq": "A", "classification": "HS"}
    changes = resources.availability_changes(con, records, **args)
    assert resources.changed_pairs(changes) == [(32, "1962")]
    assert changes[0].classification_code == "S1" and changes[0].previous_fingerprint is None
    assert changes[0].publication_date == "2003-04-29T11:24:10Z"
    state.save_fingerprints(con, args["type_code"], args["freq"], args["classification"],
                            changes)
    assert resources.availability_changes(con, records, **args) == []
    republished = [{**records[0], "publicationDate": "2024-03-10T04:54:11Z"}]
    again = resources.availability_changes(con, republished, **args)
    assert resources.changed_pairs(again) == [(32, "1962")]
    assert again[0].previous_fingerprint == changes[0].fingerprint


def test_availability_checksums_select_only_changed_reporters(httpserver: HTTPServer) -> None:
    body = json.loads(fixture_text("handwritten_getDA_availability.json"))
    httpserver.expect_request("/data/v1/getDA/C/A/HS").respond_with_json(body)
    client, _ = make_client(httpserver)
    con = ledger()
    args = {"type_code": "C", "freq": "A", "classification": "HS"}
    first = client.availability("C", "A", "HS", reporter_codes=[504, 251, 842],
                                periods=["2022"])
    assert httpserver.log[0][0].args["reporterCode"] == "504,251,842"
    changes = resources.availability_changes(con, first.records, **args)
    assert resources.changed_pairs(changes) == [(251, "2022"), (504, "2022"), (842, "2022")]
    state.save_fingerprints(con, "C", "A", "HS", changes)

    body["data"][0]["datasetChecksum"] = -140333  # Morocco republished 2022
    body["data"][0]["lastReleased"] = "2023-09-01T00:00:00"
    changes = resources.availability_changes(con, body["data"], **args)
    pairs = resources.changed_pairs(changes)
    assert pairs == [(504, "2022")]
    assert changes[0].previous_fingerprint == "checksum:-140332"
    spec = QuerySpec(reporters=["MAR", "FRA"], periods=["2021", "2022"], partners=None)
    refetch = resources.plan_refetch(spec, pairs, CROSSWALK)
    assert [(r.values("reporterCode"), r.values("period")) for r in refetch] == [
        (["504"], ["2022"])]


# ---- header drift ----------------------------------------------------------------------------

def test_normalise_columns_maps_header_variants() -> None:
    drifted = pd.DataFrame(columns=[
        "ReporterCode", "PrimaryValue", "Prtner2Code", "AtlQty", "isnetWgtEstimated",
        "cifValue", "FOBValue", "NetWgt", "freqCode", "RefYear", "Reporter Code ISO"])
    assert list(normalise_columns(drifted).columns) == [
        "reporter_code", "primary_value_usd", "partner2_code", "alt_qty",
        "is_net_weight_estimated", "cif_value_usd", "fob_value_usd", "net_weight_kg", "freq",
        "ref_year", "reporter_code_iso"]
    assert comtrade_client.normalise_column_name("CIFValue") == "cif_value_usd"
    with pytest.raises(SourceError, match="'cifValue' and 'CIFValue' both mean"):
        normalise_columns(pd.DataFrame(columns=["cifValue", "CIFValue"]))


def test_normalise_columns_on_a_real_comtradr_header() -> None:
    path = real_sample("comtrade-eu27-wood-imports-2018-2022", "data_eu_imports_world.csv")
    header = pd.read_csv(path, nrows=2)
    names = list(normalise_columns(header).columns)
    assert len(names) == 47
    # Every one of the 47 fields lands on our name for it.
    assert set(names) == set(settings.FIELD_NAMES.values())
    assert {"partner2_code", "net_weight_kg", "primary_value_usd", "cif_value_usd",
            "freq"} <= set(names)


def test_every_record_column_is_declared_once() -> None:
    assert set(resources.COMTRADE_RECORDS.primary_key) <= set(settings.RECORD_COLUMNS)
    assert resources.COMTRADE_RECORDS.load_mode == "merge"
    assert resources.COMTRADE_RECORDS.table == "raw.comtrade_records"
