"""The shared HTTP client's limits, against a real local server misbehaving on purpose.

A plain `http.server` thread (pytest-httpserver answers whole bodies at once, it cannot
trickle bytes or hold a connection open): a body sent one byte every 0.5 s, a server that
accepts and never answers, a 429 asking for a long wait, a redirect to another host, a body
larger than the limit. Each call runs under a watchdog thread, so that a client without an
overall deadline fails the test instead of hanging it; elapsed times use `time.monotonic()`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from observatory.config import HttpConfig, load_config
from observatory.errors import ConfigError, SourceError, SourceUnavailable
from observatory.sources.comtrade.client import ComtradeClient
from observatory.sources.eping.client import EpingClient
from observatory.sources.feeds.client import FeedClient
from observatory.sources.feeds.settings import FeedSettings
from observatory.sources.wits.client import WitsClient
from tests.conftest import write_config

KEY = "sk-deadline-0123456789abcdef"  # a fake key; the tests check it never leaks
DATA = "/data/v1/get/C/A/HS"
SEARCH = "/notifications/search"
DEADLINE = 2.0
MARGIN = 1.0  # thread start, the last 0.5 s byte, the last check of the clock
WATCHDOG = DEADLINE + 8.0  # a client without a deadline is stopped here and fails the test
HUGE_BYTES = 32 * 1024 * 1024
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


class Handler(BaseHTTPRequestHandler):
    """Behaviour chosen by the first path segment: /trickle, /stall, /silent, /busy,
    /busydate, /moved, /away, /hop, /huge, /long, /ok, /rss."""

    server: Misbehaving

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        kind = urlsplit(self.path).path.split("/")[1]
        self.server.hits[kind] += 1
        try:
            getattr(self, f"_{kind}")()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up: what the limits are for

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        named = {name.replace("_", "-"): value for name, value in headers.items()}
        named.setdefault("Content-Type", "application/json")
        for name, value in named.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        self.wfile.write(b"[")
        self.wfile.flush()
        while not self.server.stop.wait(0.5):
            self.wfile.write(b" ")
            self.wfile.flush()

    def _stall(self) -> None:  # a byte every 0.5 s until 1 s, then silence, socket open
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        for _ in range(3):
            self.wfile.write(b" ")
            self.wfile.flush()
            if self.server.stop.wait(0.5):
                return
        self.server.stop.wait()

    def _silent(self) -> None:
        self.server.stop.wait()  # accepted, request read, never a byte of answer

    def _busy(self) -> None:
        self._send(429, b'{"message": "Too many requests"}', Retry_After="30")

    def _busydate(self) -> None:
        self._send(429, b"slow down", Retry_After=formatdate(time.time() + 30, usegmt=True))

    def _moved(self) -> None:
        self._send(302, Location=f"{self.server.elsewhere}/away{self.path}")

    def _away(self) -> None:
        self._send(200, b'{"data": [], "totalCount": 0, "items": []}')

    def _hop(self) -> None:  # a redirect on the same host: followed
        self._send(302, Location=self.path.replace("/hop/", "/ok/", 1))

    def _ok(self) -> None:
        self._send(200, b'{"totalCount": 0, "items": []}')

    def _rss(self) -> None:
        self._send(200, RSS, Content_Type="application/rss+xml")

    def _huge(self) -> None:  # no Content-Length: the limit can only hold while streaming
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        block = b" " * 16384
        while self.server.sent < HUGE_BYTES and not self.server.stop.is_set():
            self.wfile.write(block)
            self.server.sent += len(block)

    def _long(self) -> None:  # announces its size: refused before reading
        self._send(200, b" " * 200_000)


class Misbehaving(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str) -> None:
        super().__init__((host, 0), Handler)
        self.stop = threading.Event()
        self.hits: Counter[str] = Counter()
        self.sent = 0
        self.elsewhere = ""

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def _serve(host: str) -> Iterator[Misbehaving]:
    server = Misbehaving(host)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()  # ends the trickle and releases the silent handler
        server.shutdown()
        server.server_close()


@pytest.fixture
def other() -> Iterator[Misbehaving]:
    """Another host (127.0.0.2, loopback too): no request may reach it."""
    yield from _serve("127.0.0.2")


@pytest.fixture
def server(other: Misbehaving) -> Iterator[Misbehaving]:
    for started in _serve("127.0.0.1"):
        started.elsewhere = other.url
        yield started


class Sleeps(list[float]):
    """Records the waits asked for, and really waits (the deadline is wall-clock time)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        time.sleep(seconds)


def settings(**changes: Any) -> HttpConfig:
    values: dict[str, Any] = {"connect_timeout_seconds": 1.0, "read_timeout_seconds": 1.0,
                              "deadline_seconds": DEADLINE, "max_body_bytes": 1_000_000}
    return HttpConfig(**{**values, **changes})


def within_watchdog(call: Callable[[], Any]) -> tuple[BaseException | None, float]:
    """The error `call` raised (None if it returned) and how long it took; the test fails
    if it is still running after `WATCHDOG` seconds (the thread is left to the server's
    shutdown, which closes its connection)."""
    outcome: dict[str, Any] = {"error": None}

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 (reported to the test)
            outcome["error"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(WATCHDOG)
    elapsed = time.monotonic() - started
    if thread.is_alive():
        pytest.fail(f"the request was still running after {elapsed:.1f} s, with a "
                    f"deadline of {DEADLINE} s: there is no overall deadline")
    return outcome["error"], elapsed


def one_line(error: BaseException | None, *parts: str) -> str:
    assert isinstance(error, SourceError), repr(error)
    message = str(error)
    assert "\n" not in message and KEY not in message, message
    for part in parts:
        assert part in message, message
    return message


# ---- (a) a body trickling one byte every 0.5 s ----------------------------------------------

def test_a_trickling_body_fails_at_the_deadline(server: Misbehaving) -> None:
    # The ePing search of the incident: 207 s for one page despite a 60 s timeout, because
    # each byte arrived within the read timeout.
    client = EpingClient(base_url=f"{server.url}/trickle", api_key=KEY, sleep=Sleeps(),
                         http=settings(read_timeout_seconds=60))
    error, elapsed = within_watchdog(lambda: client.search({}))
    assert elapsed < DEADLINE + MARGIN
    message = one_line(error, SEARCH, "deadline of 2 s")
    assert isinstance(error, SourceUnavailable), message


def test_a_body_stalling_after_a_while_is_cut_at_the_deadline(server: Misbehaving) -> None:
    # The read timeout of the attempt (what was left of the deadline when it started: 2 s)
    # would only fire 2 s into the silence, at 3 s: the socket is shut at the deadline.
    client = EpingClient(base_url=f"{server.url}/stall", api_key=KEY, sleep=Sleeps(),
                         http=settings(read_timeout_seconds=60))
    error, elapsed = within_watchdog(lambda: client.search({}))
    assert elapsed < DEADLINE + 0.5
    one_line(error, SEARCH, "deadline of 2 s passed while reading the answer (3 bytes read)")


def test_a_trickling_feed_fails_at_the_deadline(server: Misbehaving) -> None:
    client = FeedClient(sleep=Sleeps(), http=settings(read_timeout_seconds=60))
    feed = FeedSettings(name="news", url=f"{server.url}/trickle/feed.xml")
    error, elapsed = within_watchdog(lambda: client.read(feed))
    assert elapsed < DEADLINE + MARGIN
    one_line(error, "feed news", "/trickle/feed.xml", "deadline of 2 s")


# ---- (b) a server that accepts and never answers --------------------------------------------

@pytest.mark.parametrize("read_timeout", [0.5, 60.0])
def test_a_silent_server_costs_one_deadline_for_all_attempts(
    server: Misbehaving, read_timeout: float
) -> None:
    # Before: timeout x attempts + backoff (6 x 60 s + 31 s per request).
    sleeps = Sleeps()
    client = ComtradeClient(base_url=f"{server.url}/silent", api_key=KEY, max_retries=5,
                            backoff_base=0.1, sleep=sleeps,
                            http=settings(read_timeout_seconds=read_timeout))
    error, elapsed = within_watchdog(lambda: client.fetch(DATA, {"period": "2022"}))
    assert elapsed < DEADLINE + MARGIN
    message = one_line(error, DATA, "deadline of 2 s")
    assert isinstance(error, SourceUnavailable), message
    if read_timeout < DEADLINE:  # retried within the deadline, not given up at once
        assert server.hits["silent"] >= 2 and sleeps
    else:  # one attempt, its read timeout cut to what was left of the deadline
        assert server.hits["silent"] == 1 and "timeout after 2 s" in message


# ---- (c) a Retry-After longer than what is left of the deadline -----------------------------

@pytest.mark.parametrize("kind", ["busy", "busydate"])
def test_a_retry_after_beyond_the_deadline_fails_at_once(server: Misbehaving, kind: str) -> None:
    sleeps = Sleeps()
    client = WitsClient(f"{server.url}/{kind}", sleep=sleeps, http=settings())
    error, elapsed = within_watchdog(lambda: client.get_tariffs("840", "000", "all", 2017))
    assert elapsed < 1.0 and sleeps == [] and server.hits[kind] == 1
    message = one_line(error, "/reporter/840/partner/000/", "HTTP 429",
                       "deadline of 2 s")
    assert "asks to wait 30 s" in message or "asks to wait 29 s" in message  # HTTP date
    assert isinstance(error, SourceUnavailable), message


# ---- (d) redirects ---------------------------------------------------------------------------

def test_a_redirect_to_another_host_is_refused(server: Misbehaving, other: Misbehaving) -> None:
    sleeps = Sleeps()
    client = ComtradeClient(base_url=f"{server.url}/moved", api_key=KEY, sleep=sleeps,
                            http=settings())
    error, _ = within_watchdog(lambda: client.fetch(DATA, {"period": "2022"}))
    one_line(error, DATA, "redirect to another host refused", "127.0.0.2")
    assert other.hits == Counter() and sleeps == []  # the key never went there

    feeds = FeedClient(sleep=sleeps, http=settings())
    error, _ = within_watchdog(
        lambda: feeds.read(FeedSettings(name="news", url=f"{server.url}/moved/feed.xml")))
    one_line(error, "feed news", "redirect to another host refused")
    assert other.hits == Counter() and sleeps == []


def test_a_redirect_on_the_same_host_is_followed(server: Misbehaving) -> None:
    client = EpingClient(base_url=f"{server.url}/hop", api_key=KEY, sleep=Sleeps(),
                         http=settings())
    assert client.search({}).total_count == 0
    assert server.hits["hop"] == 1 and server.hits["ok"] == 1


# ---- (e) the size limit ----------------------------------------------------------------------

def test_a_body_over_the_limit_is_refused_while_streaming(server: Misbehaving) -> None:
    sleeps = Sleeps()
    client = ComtradeClient(base_url=f"{server.url}/huge", api_key=KEY, sleep=sleeps,
                            http=settings(max_body_bytes=65536))
    error, elapsed = within_watchdog(lambda: client.fetch(DATA, {"period": "2022"}))
    one_line(error, DATA, "larger than the limit of 65536 bytes")
    assert not isinstance(error, SourceUnavailable) and sleeps == []  # not retried
    assert server.sent < HUGE_BYTES / 2 and elapsed < DEADLINE  # stopped, not downloaded


def test_a_content_length_over_the_limit_is_refused_before_reading(
    server: Misbehaving,
) -> None:
    client = EpingClient(base_url=f"{server.url}/long", sleep=Sleeps(),
                         http=settings(max_body_bytes=1000))
    error, _ = within_watchdog(lambda: client.search({}))
    one_line(error, SEARCH, "Content-Length of 200000 bytes", "limit of 1000 bytes")


# ---- the settings come from the configuration -----------------------------------------------

def test_http_settings_are_read_and_checked(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path))
    assert cfg.http == HttpConfig()  # the committed file holds the defaults
    assert 0 < cfg.http.connect_timeout_seconds <= cfg.http.read_timeout_seconds
    assert cfg.http.read_timeout_seconds < cfg.http.deadline_seconds
    text = (tmp_path / "observatory.toml").read_text(encoding="utf-8")
    for old, new, expected in [
        ("deadline_seconds = 180", "deadline_seconds = 0",
         "http.deadline_seconds: expected a finite number greater than 0, got 0"),
        ("deadline_seconds = 180", "deadline_seconds = inf", "http.deadline_seconds: "),
        ("max_body_bytes = 536870912", "max_body_bytes = -1", "http.max_body_bytes"),
        ("read_timeout_seconds = 60", 'read_timeout_seconds = "60"',
         "http.read_timeout_seconds: expected a number"),
    ]:
        assert old in text
        (tmp_path / "observatory.toml").write_text(text.replace(old, new), encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load_config(tmp_path / "observatory.toml")
        message = str(caught.value)
        assert message.startswith(expected) and "\n" not in message, message
        if new.endswith("inf"):
            assert "finite" in message, message


def test_the_sources_pass_the_settings_to_wits_and_feeds(
    tmp_path: Path, server: Misbehaving
) -> None:
    from dataclasses import replace

    from observatory.sources.base import RunContext
    from observatory.sources.feeds.source import SOURCE as FEEDS
    from observatory.sources.wits.source import fetch_importers

    cfg = load_config(write_config(tmp_path))
    cfg = replace(
        cfg, http=settings(deadline_seconds=1.0, read_timeout_seconds=60),
        tariffs=replace(cfg.tariffs, wits_enabled=True, wits_base_url=f"{server.url}/trickle",
                        wits_reporters=("USA",)),
        feeds=(FeedSettings(name="news", url=f"{server.url}/trickle/feed.xml"),))
    started = time.monotonic()
    run = RunContext(cfg, "run-1")
    (wits,) = fetch_importers(run)
    (feed,) = FEEDS.ingest(run)
    assert time.monotonic() - started < 2 * (1.0 + MARGIN)
    for outcome in (wits, feed):
        assert outcome.status == "failed" and "deadline of 1 s" in (outcome.message or "")
