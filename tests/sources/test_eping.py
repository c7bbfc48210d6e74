"""The ePing connector against a local HTTP server replaying payloads in the documented format.

No real ePing sample exists; every payload is hand-written in the format of the reference
notes (C5), see `tests/fixtures/eping/README.md`. No test sleeps: `sleep` is injected.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import pandas as pd
import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from observatory.errors import ConfigError, QuotaExhausted, SourceError, SourceUnavailable
from observatory.sources.eping import resources, settings
from observatory.sources.eping.client import EpingClient
from observatory.sources.eping.resources import (
    eping_member_id,
    eping_member_ids,
    fetch_since,
    html_to_text,
    normalise_hs_code,
    normalise_notification,
    parse_symbol,
    plan_window,
    to_frames,
)
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "eping"
SEARCH = "/notifications/search"
KEY = "ep-test-fedcba9876543210"  # a fake key; the tests check it never leaks


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name: str) -> Any:
    return json.loads(fixture_text(name))


def all_items() -> list[dict[str, Any]]:
    return (fixture_json("handwritten_search_page1.json")["items"]
            + fixture_json("handwritten_search_page2.json")["items"])


class Sleeps(list[float]):
    """An injected `sleep` that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_client(server: HTTPServer, *, key: str | None = KEY, **kwargs: Any
                ) -> tuple[EpingClient, Sleeps]:
    sleeps = Sleeps()
    kwargs.setdefault("timeout", 5)
    client = EpingClient(base_url=server.url_for("").rstrip("/"), api_key=key, sleep=sleeps,
                         **kwargs)
    return client, sleeps


OK_BODY = json.dumps({"totalCount": 0, "items": []})


# ---- paging ----------------------------------------------------------------------------------

def test_two_pages_are_fetched_with_key_header_and_parameters(httpserver: HTTPServer) -> None:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        page = request.args["page"]
        name = {"1": "handwritten_search_page1.json", "2": "handwritten_search_page2.json"}[page]
        return Response(fixture_text(name), content_type="application/json")

    httpserver.expect_request(SEARCH).respond_with_handler(handler)
    client, sleeps = make_client(httpserver)
    items = fetch_since(client, date(2026, 7, 1), date(2026, 7, 31),
                        country_ids=["C410", "C840"], page_size=3)

    assert [i["id"] for i in items] == [118548, 118601, 118602, 120010, 120011]
    assert [r.args["page"] for r in seen] == ["1", "2"]  # stopped at totalCount, no page 3
    first = seen[0]
    assert first.args["language"] == "1"
    assert first.args["pageSize"] == "3"
    assert first.args["countryIds"] == "C410,C840"
    assert first.args["distributionDateFrom"] == "2026-07-01"
    assert first.args["distributionDateTo"] == "2026-07-31"
    assert first.headers[settings.KEY_HEADER] == KEY
    assert "subscription-key" not in first.query_string.decode()
    assert KEY not in first.url
    assert sleeps == []


def test_item_list_under_another_key_and_a_short_last_page(httpserver: HTTPServer) -> None:
    httpserver.expect_request(SEARCH).respond_with_data(
        fixture_text("handwritten_search_notifications_key.json"),
        content_type="application/json")
    client, _ = make_client(httpserver)
    page = client.search({"pageSize": 50})
    assert page.items_key == "notifications"
    assert page.total_count == 2
    assert [i["id"] for i in client.search_all({"pageSize": 50})] == [130001, 130002]
    assert len(httpserver.log) == 2  # one request per search: a short page ends the paging


def test_answer_without_an_item_list_is_a_one_line_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(SEARCH).respond_with_json({"totalCount": 3, "rows": []})
    client, _ = make_client(httpserver)
    with pytest.raises(SourceError, match=r"no item list .*keys: rows, totalCount"):
        client.search({})


def test_page_size_over_100_is_refused_before_any_request(httpserver: HTTPServer) -> None:
    client, _ = make_client(httpserver)
    with pytest.raises(ConfigError, match="pageSize 101"):
        client.search({"pageSize": 101})
    assert httpserver.log == []


def test_duplicates_across_shifted_pages_are_dropped(httpserver: HTTPServer) -> None:
    page1 = fixture_json("handwritten_search_page1.json")
    page2 = fixture_json("handwritten_search_page2.json")
    page2["items"].insert(0, page1["items"][-1])  # a new notification pushed one item down
    page2["totalCount"] = page1["totalCount"] = 6
    httpserver.expect_ordered_request(SEARCH).respond_with_json(page1)
    httpserver.expect_ordered_request(SEARCH).respond_with_json(page2)
    client, _ = make_client(httpserver)
    items = fetch_since(client, date(2026, 7, 1), date(2026, 7, 31), page_size=3)
    assert [i["id"] for i in items] == [118548, 118601, 118602, 120010, 120011]


# ---- errors and retries ----------------------------------------------------------------------

def test_429_with_retry_after_waits_what_the_server_asks(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(SEARCH).respond_with_data(
        fixture_text("handwritten_429_rate_limit.json"), status=429,
        headers={"Retry-After": "7"}, content_type="application/json")
    httpserver.expect_ordered_request(SEARCH).respond_with_data(
        OK_BODY, content_type="application/json")
    client, sleeps = make_client(httpserver)
    assert client.search({}).items == []
    assert sleeps == [7.0]


def test_429_without_header_uses_the_message_hint(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(SEARCH).respond_with_data(
        fixture_text("handwritten_429_rate_limit.json"), status=429,
        content_type="application/json")
    httpserver.expect_ordered_request(SEARCH).respond_with_data(
        OK_BODY, content_type="application/json")
    client, sleeps = make_client(httpserver)
    client.search({})
    assert sleeps == [2.0]


def test_500_then_success_backs_off_and_500_forever_gives_up(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(SEARCH).respond_with_data("oops", status=500)
    httpserver.expect_ordered_request(SEARCH).respond_with_data(
        OK_BODY, content_type="application/json")
    client, sleeps = make_client(httpserver, backoff_base=0.5)
    assert client.search({}).total_count == 0
    assert sleeps == [0.5]

    httpserver.clear()
    httpserver.expect_request(SEARCH).respond_with_data(
        fixture_text("handwritten_error_page.html"), status=502, content_type="text/html")
    client, sleeps = make_client(httpserver, max_retries=3, backoff_base=1.0)
    with pytest.raises(SourceUnavailable) as caught:
        client.search({})
    assert sleeps == [1.0, 2.0, 4.0]
    message = str(caught.value)
    assert "\n" not in message
    assert "HTTP 502" in message and "502 Bad Gateway" in message and "4 attempts" in message


def test_html_page_with_200_is_asked_again_once_then_raised(httpserver: HTTPServer) -> None:
    httpserver.expect_request(SEARCH).respond_with_data(
        fixture_text("handwritten_error_page.html"), content_type="text/html")
    client, sleeps = make_client(httpserver)
    with pytest.raises(SourceError, match=r"HTML page instead of JSON \(502 Bad Gateway\)"):
        client.search({})
    assert len(httpserver.log) == 2 and len(sleeps) == 1


def test_truncated_json_is_raised_and_a_good_retry_succeeds(httpserver: HTTPServer) -> None:
    truncated = fixture_text("handwritten_truncated_search.json")
    httpserver.expect_request(SEARCH).respond_with_data(truncated,
                                                        content_type="application/json")
    client, _ = make_client(httpserver)
    with pytest.raises(SourceError, match="invalid or truncated JSON"):
        client.search({})

    httpserver.clear()
    httpserver.expect_ordered_request(SEARCH).respond_with_data(
        truncated, content_type="application/json")
    httpserver.expect_ordered_request(SEARCH).respond_with_data(
        fixture_text("handwritten_search_page1.json"), content_type="application/json")
    client, _ = make_client(httpserver)
    assert len(client.search({"pageSize": 3}).items) == 3


def test_401_is_one_line_without_the_key_and_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request(SEARCH).respond_with_data(
        fixture_text("handwritten_401_invalid_key.json"), status=401,
        content_type="application/json")
    client, sleeps = make_client(httpserver)
    with pytest.raises(SourceError) as caught:
        client.search({})
    message = str(caught.value)
    assert message.startswith(f"{SEARCH}: HTTP 401") and settings.API_KEY_ENV in message
    assert KEY not in message and "\n" not in message
    assert sleeps == [] and len(httpserver.log) == 1


def test_403_quota_stops_at_once(httpserver: HTTPServer) -> None:
    httpserver.expect_request(SEARCH).respond_with_data(
        fixture_text("handwritten_403_quota.json"), status=403,
        content_type="application/json")
    client, sleeps = make_client(httpserver)
    with pytest.raises(QuotaExhausted, match="replenished in 02:13:09") as caught:
        client.search({})
    assert caught.value.replenished_in == "02:13:09" and sleeps == []


def test_timeouts_back_off_then_give_up() -> None:
    class TimingOut(requests.Session):
        calls = 0

        def get(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            TimingOut.calls += 1
            raise requests.Timeout("read timed out")

    sleeps = Sleeps()
    client = EpingClient(api_key=KEY, session=TimingOut(), max_retries=2, sleep=sleeps)
    with pytest.raises(SourceUnavailable, match="timeout after 60 s; gave up after 3"):
        client.search({})
    assert TimingOut.calls == 3 and sleeps == [1.0, 2.0]


def test_the_key_never_leaks(httpserver: HTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    httpserver.expect_ordered_request(SEARCH).respond_with_data(f"error for key {KEY}",
                                                                status=503)
    httpserver.expect_ordered_request(SEARCH).respond_with_json(
        {"message": f"bad request with key {KEY}"}, status=400)
    client, _ = make_client(httpserver)
    with pytest.raises(SourceError) as caught:
        client.search({"freeText": "shrimp"})
    assert caplog.records, "the retry should have been logged"
    assert "***" in str(caught.value)
    for text in (caplog.text, str(caught.value), repr(client)):
        assert KEY not in text


def test_from_env_reads_the_key_and_an_empty_key_sends_none(httpserver: HTTPServer) -> None:
    client = EpingClient.from_env({settings.API_KEY_ENV: f" {KEY} "})
    assert client.has_key and KEY not in repr(client)
    assert not EpingClient.from_env({settings.API_KEY_ENV: ""}).has_key

    httpserver.expect_request(SEARCH).respond_with_data(OK_BODY,
                                                        content_type="application/json")
    keyless, _ = make_client(httpserver, key=None)
    keyless.search({})
    assert settings.KEY_HEADER not in httpserver.log[0][0].headers


# ---- normalisation ---------------------------------------------------------------------------

def test_base_addendum_and_corrigendum_are_linked_to_their_base() -> None:
    rows = {r["notification_id"]: r for r in map(normalise_notification, all_items())}
    base, add, corr = rows[118548], rows[118601], rows[118602]
    assert base["symbol"] == "G/SPS/N/KOR/1"  # leading space removed
    assert (base["base_symbol"], base["revision_kind"], base["revision_number"],
            base["parent_symbol"]) == ("G/SPS/N/KOR/1", None, None, None)
    assert (add["base_symbol"], add["revision_kind"], add["revision_number"],
            add["parent_symbol"]) == ("G/SPS/N/KOR/1", "addendum", 2, "G/SPS/N/KOR/1")
    assert (corr["base_symbol"], corr["revision_kind"], corr["revision_number"]) == (
        "G/SPS/N/KOR/1", "corrigendum", 1)
    assert corr["area"] == "SPS"  # no `area`: taken from the symbol


def test_revision_and_addendum_to_a_revision() -> None:
    rows = {r["notification_id"]: r for r in map(normalise_notification, all_items())}
    rev, rev_add = rows[120010], rows[120011]
    assert (rev["base_symbol"], rev["revision_kind"], rev["revision_number"],
            rev["parent_symbol"]) == ("G/TBT/N/USA/1234", "revision", 1, "G/TBT/N/USA/1234")
    assert (rev_add["base_symbol"], rev_add["revision_kind"], rev_add["revision_number"],
            rev_add["parent_symbol"]) == (
        "G/TBT/N/USA/1234", "addendum", 1, "G/TBT/N/USA/1234/Rev.1")


@pytest.mark.parametrize(("symbol", "expected"), [
    ("G/SPS/N/KOR/1/Add.2/Corr.1", ("G/SPS/N/KOR/1", "corrigendum", 1, "G/SPS/N/KOR/1/Add.2")),
    ("G/TBT/N/EU/1001/Suppl.3", ("G/TBT/N/EU/1001", "supplement", 3, "G/TBT/N/EU/1001")),
    ("G/TBT/N/USA/1234/rev.2", ("G/TBT/N/USA/1234", "revision", 2, "G/TBT/N/USA/1234")),
    ("G/SPS/GEN/204", ("G/SPS/GEN/204", None, None, None)),
    ("G/TBT/N/USA/1234/Draft.1", ("G/TBT/N/USA/1234", None, None, None)),
])
def test_symbol_rule(symbol: str, expected: tuple[Any, ...]) -> None:
    parsed = parse_symbol(symbol)
    assert (parsed["base_symbol"], parsed["revision_kind"], parsed["revision_number"],
            parsed["parent_symbol"]) == expected


def test_html_becomes_plain_text_without_markup_or_script() -> None:
    base = normalise_notification(all_items()[0])
    assert base["title"] == "Amendments to Standards for Frozen Shrimps & Prawns"
    assert base["description"] == "Maximum residue limits for oxytetracycline."
    assert base["products_text"] == "Frozen shrimps and prawns"
    for field in ("title", "description", "products_text"):
        assert "<" not in base[field] and "alert" not in base[field] and "color" not in base[field]
    # A *Plain field is preferred to the HTML one.
    add = normalise_notification(all_items()[1])
    assert add["title"] == "Amendments to Standards for Frozen Shrimps - entry into force"


def test_html_to_text_never_keeps_markup() -> None:
    assert html_to_text('<img src=x onerror="alert(1)">a &lt;b&gt; <!-- c -->d') == "a <b> d"
    assert "<script" not in html_to_text("<scr<script>ipt>x</script>y")


@pytest.mark.parametrize(("code", "name", "expected"), [
    ("030617", "030617 - Frozen shrimps and prawns", "030617"),
    (30617, "Frozen shrimps and prawns", "030617"),
    ("30617", None, "030617"),
    ("3", "03 - Fish and crustaceans", "03"),
    (306, None, "0306"),
    ("0306.17", None, "030617"),
    ("0306170010", None, "030617"),
    (8418, "8418 - Refrigerators", "8418"),
    ("", None, None),
])
def test_hs_codes_regain_their_leading_zero(code: Any, name: str | None,
                                            expected: str | None) -> None:
    assert normalise_hs_code(code, name) == expected


def test_other_fields_dates_links_lists_and_members() -> None:
    base = normalise_notification(all_items()[0])
    assert base["notification_id"] == 118548
    assert base["area"] == "SPS"
    assert base["notifying_member"] == "Korea, Republic of" and base["notifying_iso3"] == "KOR"
    assert base["distribution_date"] == date(2026, 7, 2)
    assert base["comment_deadline"] == date(2026, 9, 1)
    assert base["entry_into_force"] == date(2027, 1, 1)
    assert base["hs_codes"] == ["030617", "0306", "03"]
    assert base["objectives"] == ["Food safety"]
    assert base["keywords"] == ["Maximum residue limits (MRLs)"]
    assert base["document_links"] == [
        "https://members.wto.org/crnattachments/2026/SPS/KOR/26_0001_00_e.pdf",
        "https://members.wto.org/crnattachments/2026/SPS/KOR/26_0001_01_e.pdf",
    ]
    assert base["link"].startswith("https://eping.wto.org/")
    assert base["is_open_for_comments"] is True
    rev = normalise_notification(all_items()[3])
    assert rev["notifying_iso3"] == "USA" and rev["is_open_for_comments"] is True
    assert rev["objectives"] == ["Protection of the environment",
                                 "Consumer information, labelling"]
    assert rev["keywords"] == ["Energy efficiency"]
    assert normalise_notification(all_items()[4])["comment_deadline"] is None


def test_bad_items_are_one_line_errors() -> None:
    item = dict(all_items()[0])
    item["distributionDate"] = "soon"
    with pytest.raises(SourceError, match="118548: distributionDate 'soon' is not a date"):
        normalise_notification(item)
    with pytest.raises(SourceError, match="without a numeric id"):
        normalise_notification({"documentSymbol": "G/SPS/N/KOR/1"})


def test_to_frames_products_eu_and_unknown_members(caplog: pytest.LogCaptureFixture) -> None:
    items = all_items() + fixture_json("handwritten_search_notifications_key.json")[
        "notifications"]
    notifications, products = to_frames(items + [all_items()[0]])  # a duplicate id
    assert list(notifications.columns) == list(settings.NOTIFICATION_COLUMNS)
    assert len(notifications) == 7 and notifications["notification_id"].is_unique
    iso3 = dict(zip(notifications["notification_id"], notifications["notifying_iso3"],
                    strict=True))
    assert iso3[130001] == "EUR"
    assert iso3[130002] is None
    assert notifications.attrs["unknown_members"] == ["Republic of Nowhere"]
    assert "Republic of Nowhere" in caplog.text
    assert list(products.columns) == ["notification_id", "symbol", "hs_code", "hs_level"]
    expected = pd.DataFrame({
        "notification_id": [118548, 118548, 118548, 118601, 118602, 120010, 130001, 130001],
        "symbol": ["G/SPS/N/KOR/1"] * 3 + ["G/SPS/N/KOR/1/Add.2", "G/SPS/N/KOR/1/Corr.1",
                                           "G/TBT/N/USA/1234/Rev.1", "G/TBT/N/EU/1001",
                                           "G/TBT/N/EU/1001"],
        "hs_code": ["030617", "0306", "03", "030617", "030617", "8418", "61", "620342"],
        "hs_level": [6, 4, 2, 6, 6, 4, 2, 6],
    })
    pd.testing.assert_frame_equal(
        products.sort_values(["notification_id", "hs_code"]).reset_index(drop=True),
        expected.sort_values(["notification_id", "hs_code"]).reset_index(drop=True))


def test_resources_declare_keys_and_load_modes() -> None:
    assert resources.EPING_NOTIFICATIONS.primary_key == ("notification_id",)
    assert resources.EPING_NOTIFICATIONS.load_mode == "merge"
    assert resources.EPING_NOTIFICATION_PRODUCTS.partition == ("notification_id",)


# ---- incremental window and member ids ---------------------------------------------------

def test_plan_window() -> None:
    today = date(2026, 7, 31)
    assert plan_window(date(2026, 7, 20), today) == (date(2026, 7, 13), today)
    assert plan_window(date(2026, 7, 20), today, overlap_days=0) == (date(2026, 7, 20), today)
    assert plan_window(None, today, initial_days=30) == (date(2026, 7, 1), today)
    assert plan_window(date(2026, 8, 5), today) == (date(2026, 7, 24), today)  # never after
    with pytest.raises(ConfigError):
        plan_window(None, today, overlap_days=-1)


def test_member_ids_follow_the_unverified_pattern() -> None:
    assert eping_member_id("MAR") == "C504"
    assert eping_member_id("chn") == "C156"
    assert eping_member_id("AND") == "C020"
    assert eping_member_id("EUR") == "U918"
    assert eping_member_ids(["FRA", "USA", "ESP"], include_eu_for=["FRA", "ESP"]) == [
        "C250", "U918", "C840", "C724"]
    with pytest.raises(ConfigError):
        eping_member_id("XYZ")
