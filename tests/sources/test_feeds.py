"""RSS/Atom feeds: limits, safe XML, plain-text items, links, retries, keyword matching.

Every HTTP answer comes from a local pytest-httpserver; fixtures are hand-written
(`tests/fixtures/feeds/README.md`); the 50 MB feed is generated into a temporary folder.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from observatory.errors import ConfigError, SourceError, SourceUnavailable
from observatory.sources.feeds import (
    FeedClient,
    FeedLimits,
    FeedSettings,
    items_frame,
    match_items,
    parse_feed,
    read_feed,
)
from observatory.sources.feeds.settings import feeds_from_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
RULES = {
    "tomate|tomato": ["0702"],
    "agrume|citrus|orange|clémentine": ["0805"],
    "phosphat": ["2510", "2809", "3103", "3105"],
}
RSS = "application/rss+xml"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def make_client(**kwargs: object) -> tuple[FeedClient, list[float]]:
    sleeps: list[float] = []
    client = FeedClient(sleep=sleeps.append, **kwargs)  # type: ignore[arg-type]
    return client, sleeps


def feed_for(url: str, **kwargs: object) -> FeedSettings:
    return FeedSettings(name="news", url=url, keywords=RULES, **kwargs)  # type: ignore[arg-type]


def one_line_error(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(excinfo.value)
    assert "\n" not in message and message.strip() == message
    assert len(message) < 400
    return message


def rss(*items: str) -> bytes:
    body = "".join(f"<item>{i}</item>" for i in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>t</title>{body}</channel></rss>").encode()


# ---- normal feeds ----------------------------------------------------------------------------

def test_rss2_feed_over_http_is_normalised(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/rss").respond_with_data(fixture("handwritten_rss2.xml"),
                                                        content_type=RSS)
    client, sleeps = make_client()
    batch = client.read(feed_for(httpserver.url_for("/rss")))
    assert batch.kind == "rss" and sleeps == []
    first, second, third = batch.items
    assert first.item_id == "news-2025-0001"
    assert first.title == "Exportations de Clémentines : la saison démarre"
    assert first.summary == ("Les exportations d'agrumes vers l'Union européenne progressent."
                             "\nSecond paragraph & more.")
    assert first.link == "https://news.example.org/2025/clementines"
    # 09:30 at +01:00 is 08:30 UTC.
    assert first.published_at == datetime(2025, 11, 4, 8, 30, tzinfo=UTC)
    assert first.categories == ("Agrumes", "Export")
    assert second.published_at == datetime(2025, 11, 5, 16, 0, tzinfo=UTC)
    # No guid: the id is a hash of link and title, stable across reads.
    assert third.item_id.startswith("sha256:") and len(third.item_id) == 7 + 64
    assert third.published_at is None
    assert any("not a date" in note for note in batch.notes)
    request = httpserver.log[0][0]
    assert "rss+xml" in request.headers["Accept"]


def test_rss2_feed_from_a_file_gives_the_same_items(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/rss").respond_with_data(fixture("handwritten_rss2.xml"),
                                                        content_type=RSS)
    client, _ = make_client()
    over_http = client.read(feed_for(httpserver.url_for("/rss"))).items
    from_file = client.read(feed_for(str(FIXTURES / "handwritten_rss2.xml"))).items
    from_file_url = client.read(
        feed_for((FIXTURES / "handwritten_rss2.xml").as_uri())).items
    assert over_http == from_file == from_file_url


def test_atom_feed_is_normalised(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/atom").respond_with_data(
        fixture("handwritten_atom.xml"), content_type="application/atom+xml")
    client, _ = make_client()
    url = httpserver.url_for("/atom")
    batch = client.read(feed_for(url))
    assert batch.kind == "atom"
    first, second = batch.items
    assert first.item_id == "urn:example:regulator:42"
    assert first.link == "https://regulator.example.eu/notices/42"  # rel=alternate, not self
    assert first.summary == "Applies to oranges and mandarins."  # type="html" converted
    assert first.published_at == datetime(2025, 11, 5, 6, 15, tzinfo=UTC)  # published wins
    assert first.categories == ("SPS", "citrus")
    # A title of type text is literal: the `<b>` the source escaped stays text.
    assert second.title == "Tariff quota for tomatoes <b>reopened</b>"
    assert second.summary == "The quota reopens on 1 December."  # content when no summary
    assert second.published_at == datetime(2025, 11, 6, 11, 0, tzinfo=UTC)  # updated
    assert second.link == httpserver.url_for("/notices/43")  # relative, resolved on the URL
    # Read from the file, a relative link has no base: dropped and reported.
    local = client.read(feed_for(str(FIXTURES / "handwritten_atom.xml")))
    assert local.items[1].link is None
    assert any("relative link dropped" in note for note in local.notes)


# ---- unsafe or oversized input ---------------------------------------------------------------

def test_billion_laughs_is_rejected_with_a_one_line_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/lol").respond_with_data(
        fixture("handwritten_billion_laughs.xml"), content_type=RSS)
    client, _ = make_client()
    started = time.monotonic()
    with pytest.raises(SourceError) as excinfo:
        client.read(feed_for(httpserver.url_for("/lol")))
    assert time.monotonic() - started < 2
    message = one_line_error(excinfo)
    assert message.startswith(f"feed news ({httpserver.url_for('/lol')})")
    assert "EntitiesForbidden" in message


def test_external_entity_is_refused_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    data = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
            "<rss><channel><item><title>&x;</title></item></channel></rss>").encode()
    with pytest.raises(SourceError) as excinfo:
        parse_feed(data, feed="news", source="inline")
    message = one_line_error(excinfo)
    assert "unsafe XML refused" in message and "TOP-SECRET" not in message


def _write_huge_title_feed(path: Path, title_bytes: int) -> None:
    """An RSS feed whose single title holds `title_bytes` bytes, written in 1 MB pieces."""
    block = b"A" * (1024 * 1024)
    with path.open("wb") as out:
        out.write(b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>')
        for _ in range(title_bytes // len(block)):
            out.write(block)
        out.write(b"</title></item></channel></rss>")


def _stream_file(path: Path, sent: list[int]) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(256 * 1024):
            sent.append(len(chunk))
            yield chunk


def test_50_mb_title_is_stopped_by_the_size_limit_while_streaming(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.xml"
    _write_huge_title_feed(huge, 50 * 1024 * 1024)
    sent: list[int] = []

    def handler(request: Request) -> Response:
        # No Content-Length: the limit can only be enforced while reading the stream.
        return Response(_stream_file(huge, sent), content_type=RSS, direct_passthrough=True)

    httpserver.expect_request("/huge").respond_with_handler(handler)
    client, sleeps = make_client()
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(SourceError) as excinfo:
            client.read(feed_for(httpserver.url_for("/huge")))
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = one_line_error(excinfo)
    assert "larger than the limit of 5242880 bytes" in message
    assert "/huge" in message
    assert sleeps == []  # a size violation is not retried
    assert elapsed < 10
    assert peak < 30 * 1024 * 1024  # 5 MB kept + buffers of both ends; never the 50 MB
    assert sum(sent) < 20 * 1024 * 1024  # the server did not get to send it all


def test_content_length_over_the_limit_is_refused_before_reading(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/big").respond_with_data(b"<rss>" + b" " * 2000 + b"</rss>",
                                                        content_type=RSS)
    client, _ = make_client()
    with pytest.raises(SourceError) as excinfo:
        client.read(feed_for(httpserver.url_for("/big"), limits=FeedLimits(max_bytes=1000)))
    assert "Content-Length of 2011 bytes" in one_line_error(excinfo)


def test_a_huge_local_file_is_refused_by_its_size(tmp_path: Path) -> None:
    huge = tmp_path / "huge.xml"
    _write_huge_title_feed(huge, 6 * 1024 * 1024)
    client, _ = make_client()
    with pytest.raises(SourceError) as excinfo:
        client.read(feed_for(str(huge)))
    message = one_line_error(excinfo)
    assert str(huge) in message and "more than the limit of 5242880 bytes" in message


def test_an_over_long_title_or_summary_rejects_the_feed() -> None:
    long_title = rss("<title>ok</title>", f"<title>{'x' * 1001}</title>")
    with pytest.raises(SourceError) as excinfo:
        parse_feed(long_title, feed="news", source="inline")
    assert one_line_error(excinfo) == ("feed news (inline): item 2: title of 1001 characters, "
                                       "more than the limit of 1000")
    assert len(parse_feed(rss(f"<title>{'x' * 1000}</title>"), feed="news",
                          source="inline").items) == 1
    long_summary = rss(f"<title>t</title><description>{'y' * 20001}</description>")
    with pytest.raises(SourceError) as excinfo:
        parse_feed(long_summary, feed="news", source="inline")
    assert "description of 20001 characters, more than the limit of 20000" in \
        one_line_error(excinfo)


def test_too_many_items_rejects_the_feed() -> None:
    data = rss(*[f"<title>{n}</title><guid>{n}</guid>" for n in range(3)])
    with pytest.raises(SourceError) as excinfo:
        parse_feed(data, feed="news", source="inline", limits=FeedLimits(max_items=2))
    assert "3 items, more than the limit of 2" in one_line_error(excinfo)
    assert len(parse_feed(data, feed="news", source="inline").items) == 3


# ---- text and links --------------------------------------------------------------------------

def test_escaped_script_in_a_title_is_stored_as_literal_text(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/rss").respond_with_data(fixture("handwritten_rss2.xml"),
                                                        content_type=RSS)
    batch, items, _ = read_feed(feed_for(httpserver.url_for("/rss")), make_client()[0])
    assert batch.items[1].title == "<script>alert(1)</script> Tomato prices"
    stored = items.set_index("item_id").loc["news-2025-0002", "title"]
    assert stored == "<script>alert(1)</script> Tomato prices"


def test_html_in_a_description_becomes_text_without_losing_what_it_said() -> None:
    data = rss("<title>t</title><description>&lt;p&gt;Prix &amp;lt; 2 &amp;euro;"
               "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description>")
    item = parse_feed(data, feed="news", source="inline").items[0]
    assert item.summary == "Prix < 2 €alert(1)"


def test_javascript_and_other_schemes_are_dropped_and_reported() -> None:
    data = rss(
        "<title>a</title><link>javascript:alert(1)</link>",
        "<title>b</title><link>JavaScript:alert(1)</link>",
        "<title>c</title><link>java&#x09;script:alert(1)</link>",
        "<title>d</title><link>data:text/html;base64,PHNjcmlwdD4=</link>",
        "<title>e</title><link>https://ok.example/e</link>",
    )
    batch = parse_feed(data, feed="news", source="inline")
    assert [i.link for i in batch.items] == [None, None, None, None, "https://ok.example/e"]
    assert len(batch.notes) == 4
    assert all("link" in note for note in batch.notes)


# ---- not a feed, HTTP errors -----------------------------------------------------------------

def test_an_html_page_is_a_one_line_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/page").respond_with_data(
        fixture("handwritten_html_page.html"), content_type="text/html; charset=utf-8")
    client, sleeps = make_client()
    with pytest.raises(SourceError) as excinfo:
        client.read(feed_for(httpserver.url_for("/page")))
    message = one_line_error(excinfo)
    assert "an HTML page instead of a feed (Site maintenance)" in message
    assert sleeps == []
    xhtml = (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">'
             b"<body/></html>")
    with pytest.raises(SourceError, match="an HTML page instead of a feed"):
        parse_feed(xhtml, feed="news", source="inline")


def test_malformed_and_unknown_documents_are_one_line_errors() -> None:
    with pytest.raises(SourceError) as excinfo:
        parse_feed(b"<rss><channel><item><title>cut", feed="news", source="inline")
    assert "not well-formed XML at line 1" in one_line_error(excinfo)
    with pytest.raises(SourceError) as excinfo:
        parse_feed(b"<opml/>", feed="news", source="inline")
    assert "not an RSS 2.0 or Atom 1.0 feed (root element <opml>)" in one_line_error(excinfo)


def test_500_then_success_backs_off(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/rss").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/rss").respond_with_data(
        fixture("handwritten_rss2.xml"), content_type=RSS)
    client, sleeps = make_client(backoff_base=0.5)
    batch = client.read(feed_for(httpserver.url_for("/rss")))
    assert len(batch.items) == 3
    assert sleeps == [0.5]


def test_500_forever_gives_up_with_a_one_line_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/rss").respond_with_data("<h1>down</h1>", status=503)
    client, sleeps = make_client(max_retries=2)
    with pytest.raises(SourceUnavailable) as excinfo:
        client.read(feed_for(httpserver.url_for("/rss")))
    assert "HTTP 503" in one_line_error(excinfo)
    assert "gave up after 3 attempts" in str(excinfo.value)
    assert sleeps == [1.0, 2.0]


def test_429_waits_retry_after_and_404_is_raised_at_once(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/rss").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"})
    httpserver.expect_ordered_request("/rss").respond_with_data(
        fixture("handwritten_rss2.xml"), content_type=RSS)
    client, sleeps = make_client()
    assert len(client.read(feed_for(httpserver.url_for("/rss"))).items) == 3
    assert sleeps == [7.0]
    httpserver.expect_request("/gone").respond_with_data("no such feed", status=404)
    with pytest.raises(SourceError) as excinfo:
        client.read(feed_for(httpserver.url_for("/gone")))
    assert one_line_error(excinfo).endswith("/gone): HTTP 404: no such feed")
    assert sleeps == [7.0]


# ---- matching and settings -------------------------------------------------------------------

def test_keyword_matching_ignores_case_and_accents() -> None:
    batch = parse_feed(fixture("handwritten_rss2.xml"), feed="news", source="inline")
    matches = match_items(batch.items, RULES)
    hashed = batch.items[2].item_id
    expected = pd.DataFrame(
        [["news", "news-2025-0001", "0805", "clementine"],
         ["news", "news-2025-0002", "0702", "tomato"]]
        + [["news", hashed, code, "phosphat"] for code in ("2510", "2809", "3103", "3105")],
        columns=["feed", "item_id", "hs_prefix", "keyword"],
    ).astype("string")
    pd.testing.assert_frame_equal(matches, expected)
    # The other way round: an unaccented text matches an accented rule, in capitals.
    upper = parse_feed(rss("<title>CLEMENTINES DU MAROC</title><guid>u</guid>"),
                       feed="news", source="inline")
    assert match_items(upper.items, {"clémentine": ["0805"]})["hs_prefix"].tolist() == \
        ["0805"]
    assert match_items(upper.items, {"tomate": ["0702"]}).empty


def test_items_frame_has_the_declared_columns() -> None:
    batch = parse_feed(fixture("handwritten_atom.xml"), feed="reg", source="inline")
    frame = items_frame(batch.items)
    assert list(frame.columns) == ["feed", "item_id", "title", "summary", "link",
                                   "published_at", "categories"]
    assert str(frame["published_at"].dt.tz) == "UTC"
    assert frame.loc[0, "categories"] == ["SPS", "citrus"]


def test_settings_validation_names_the_key() -> None:
    good = feeds_from_config({"eu": {"url": "https://x.example/feed", "markets": ["esp", "EUR"],
                                     "keywords": RULES, "limits": {"max_items": 50}}})[0]
    assert good.markets == ("ESP", "EUR") and good.limits.max_items == 50
    assert FeedSettings(name="bare", url="feed.xml").markets == ()  # no default country
    cases = [
        ({"url": "ftp://x.example/feed"}, "feeds.eu.url: scheme 'ftp' not allowed"),
        ({"url": "javascript:alert(1)"}, "feeds.eu.url: scheme 'javascript' not allowed"),
        ({}, "feeds.eu.url: missing"),
        ({"url": "f.xml", "markets": ["XXX"]}, "feeds.eu.markets: 'XXX' is not a known ISO3"),
        ({"url": "f.xml", "keywords": {"tomat(": ["0702"]}},
         "feeds.eu.keywords['tomat(']: invalid regular expression"),
        ({"url": "f.xml", "keywords": {"tomate": ["702"]}},
         "feeds.eu.keywords['tomate']: '702' is not an HS prefix"),
        ({"url": "f.xml", "keywords": {"x?": ["0702"]}}, "matches the empty text"),
        ({"url": "f.xml", "limits": {"max_bytes": 0}}, "feeds.eu.limits.max_bytes: expected"),
        ({"url": "f.xml", "limits": {"max_byte": 1}}, "feeds.eu.limits.max_byte: unknown"),
        ({"url": "f.xml", "colour": "red"}, "feeds.eu.colour: unknown key"),
    ]
    for values, expected in cases:
        with pytest.raises(ConfigError) as excinfo:
            feeds_from_config({"eu": values})
        assert expected in one_line_error(excinfo), (values, str(excinfo.value))


def test_a_redirect_to_a_non_http_scheme_is_a_one_line_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/moved").respond_with_data(
        "", status=302, headers={"Location": "file:///etc/passwd"})
    client, sleeps = make_client()
    with pytest.raises(SourceError) as excinfo:
        client.read(feed_for(httpserver.url_for("/moved")))
    assert "request refused (InvalidSchema" in one_line_error(excinfo)
    assert sleeps == []
