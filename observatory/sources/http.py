"""The one HTTP client of every source (Comtrade, ePing, WITS, remote feeds).

`HttpClient.get` sends one GET and hands the complete answer (`Reply`) to the source's
hooks; the loop around it is the same for every source:
- retries (at most `max_retries`): 429 waits its `Retry-After` (seconds or an HTTP date),
  5xx, connection errors, timeouts and truncated bodies back off `backoff_base * 2**(n-1)`
  seconds; a body the source finds invalid (an HTML page or truncated JSON with status 200)
  is asked again once, then raised;
- timeouts (`HttpConfig`, the `[http]` section): per attempt, a connect and a per-read
  timeout; per request, a total deadline covering every attempt, every wait and the whole
  body download. The body is streamed and read as it arrives, the clock checked between
  chunks, and the socket is shut when the deadline passes mid-read, so a server trickling
  one byte at a time cannot hold a request past it. A wait longer than what is left of the
  deadline (or than `max_wait`) raises at once instead of sleeping. Time spent queued for a
  slot of the run's shared API limits (`observatory.orchestration.api_slot`) is the run's
  own pacing and does not count;
- a body over `max_body_bytes` is refused while streaming (or from its `Content-Length`);
  error pages are read only up to `ERROR_BODY_BYTES`, to quote their start;
- redirects are followed only on the host of the URL asked (an `http` to `https` upgrade
  included); a redirect elsewhere is refused, so headers such as an API key never travel
  to another host;
- every message is one line naming `where` (the URL path, or the feed), and the `secret`
  (the API key) is masked in every text the client handles.

What differs between sources stays in the sources, as hooks: `read` turns a 200 answer into
the source's value (`json_body` for JSON APIs; Comtrade adds its `error` field, feeds parse
XML), `on_error` recognises a source's own refusals before the generic rules
(`ApiGateway.refuse`: key refused, call quota, rate limit of the API gateway in front of
Comtrade and ePing).
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from observatory.config import HttpConfig
from observatory.errors import QuotaExhausted, SourceError, SourceUnavailable
from observatory.orchestration import api_slot

__all__ = [
    "ApiGateway", "HttpClient", "HttpConfig", "MASK", "Reply", "Transient", "html_title",
    "json_body", "one_line", "retry_after_seconds", "server_message",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

MASK = "***"
CHUNK_BYTES = 64 * 1024
ERROR_BODY_BYTES = 64 * 1024  # of an error page: enough to quote its start
MAX_REDIRECTS = 5
QUOTA_PATTERN = re.compile(r"out of call volume quota", re.IGNORECASE)
REPLENISH_PATTERN = re.compile(r"replenished in (\d{1,3}:\d{2}:\d{2})", re.IGNORECASE)
RATE_LIMIT_PATTERN = re.compile(r"rate limit", re.IGNORECASE)
TRY_AGAIN_PATTERN = re.compile(r"try again in (\d+(?:\.\d+)?) second", re.IGNORECASE)

# Errors of a body read straight from urllib3 (requests translates them only in its own
# `iter_content`): a connection closed early, a read timeout, a broken gzip stream.
_BODY_ERRORS = (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError)


class Transient(Exception):
    """An answer worth asking again for, with the wait the server asked for (if any).

    Raised by the client itself and by the hooks; `body_invalid`: the body (not the
    server) was wrong, which is asked again once only."""

    def __init__(self, problem: str, wait: float | None = None, body_invalid: bool = False):
        super().__init__(problem)
        self.problem = problem
        self.wait = wait
        self.body_invalid = body_invalid


@dataclass(frozen=True)
class Reply:
    """A complete answer: status, headers and body, read within the limits."""

    url: str
    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes
    secret: str | None = field(default=None, repr=False)

    @cached_property
    def text(self) -> str:
        """The body decoded (its charset, else UTF-8), with the secret masked."""
        # requests' rule: the declared charset, else ISO-8859-1 for text/*, UTF-8 for JSON.
        charset = requests.utils.get_encoding_from_headers(self.headers) or "utf-8"
        try:
            text = self.body.decode(charset, "replace")
        except LookupError:  # an unknown charset name
            text = self.body.decode("utf-8", "replace")
        return text.replace(self.secret, MASK) if self.secret else text

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").lower()

    @property
    def message(self) -> str:
        """What the body says, on one line (`server_message`)."""
        return server_message(self.text)


Read = Callable[[Reply], T]
OnError = Callable[[Reply], None]


class _Deadline:
    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self.seconds = seconds
        self.clock = clock
        self.ends = clock() + seconds

    def remaining(self) -> float:
        return self.ends - self.clock()

    def extend(self, seconds: float) -> None:
        self.ends += seconds

    def passed(self, where: str, doing: str) -> SourceUnavailable:
        return SourceUnavailable(f"{where}: deadline of {_secs(self.seconds)} s passed "
                                 f"{doing}")


@dataclass
class HttpClient:
    """GET with retries within the limits of `settings`; see the module docstring.

    `secret` is masked in every text; `limited_as` names the source whose shared limits
    each attempt occupies inside a Prefect run (None: unlimited); `sleep` and `clock` are
    injectable (tests record the waits)."""

    session: requests.Session = field(default_factory=requests.Session)
    settings: HttpConfig = field(default_factory=HttpConfig)
    max_retries: int = 5
    backoff_base: float = 1.0
    max_wait: float = 300.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    secret: str | None = field(default=None, repr=False)
    limited_as: str | None = None

    def get(self, url: str, *, where: str, read: Read[T],
            headers: Mapping[str, str] | None = None, on_error: OnError | None = None,
            settings: HttpConfig | None = None,
            params_for_log: Mapping[str, Any] | None = None) -> T:
        """`read(reply)` of the answer to GET `url`, or a one-line `SourceError` naming
        `where`. `url` must not hold the secret (send it in `headers`); `settings`
        replaces the client's for this request (a feed's own, tighter limits)."""
        limits = settings or self.settings
        deadline = _Deadline(limits.deadline_seconds, self.clock)
        attempt = 0
        invalid_bodies = 0
        while True:
            attempt += 1
            log.debug("GET %s %s (attempt %d)", where, dict(params_for_log or {}), attempt)
            try:
                queued_from = self.clock()
                with api_slot(self.limited_as or ""):
                    deadline.extend(self.clock() - queued_from)
                    reply = self._attempt(url, dict(headers or {}), where, limits, deadline)
                if reply.status != 200:
                    if on_error is not None:
                        on_error(reply)
                    self._refuse(reply, where)
                return read(reply)
            except Transient as transient:
                problem = self.redact(transient.problem)
                if transient.body_invalid:
                    invalid_bodies += 1
                    if invalid_bodies > 1:
                        raise SourceError(f"{where}: {problem}") from None
                wait = self._wait(transient, problem, attempt, where, deadline)
                log.warning("%s: %s; retry %d/%d in %.1f s", where, problem, attempt,
                            self.max_retries, wait)
                self.sleep(wait)

    def redact(self, text: str) -> str:
        return text.replace(self.secret, MASK) if self.secret else text

    # ---- the retry policy --------------------------------------------------------------------

    def _wait(self, transient: Transient, problem: str, attempt: int, where: str,
              deadline: _Deadline) -> float:
        """The wait before the next attempt, or the `SourceUnavailable` that ends the loop."""
        if attempt > self.max_retries:
            raise SourceUnavailable(f"{where}: {problem}; gave up after {_attempts(attempt)}")
        asked = transient.wait
        wait = asked if asked is not None else self.backoff_base * 2 ** (attempt - 1)
        if wait > self.max_wait:
            if asked is not None:
                raise SourceUnavailable(
                    f"{where}: {problem}; the server asks to wait {wait:.0f} s, more than "
                    f"max_wait={self.max_wait:.0f} s")
            wait = self.max_wait
        left = deadline.remaining()
        if asked is not None and wait >= left:
            raise SourceUnavailable(
                f"{where}: {problem}; the server asks to wait {wait:.0f} s, more than the "
                f"{max(left, 0):.0f} s left before the deadline of {_secs(deadline.seconds)} s")
        if wait >= left:
            raise SourceUnavailable(
                f"{where}: {problem}; gave up after {_attempts(attempt)} within the "
                f"deadline of {_secs(deadline.seconds)} s")
        return wait

    def _refuse(self, reply: Reply, where: str) -> None:
        """The generic rules for an answer other than 200 (after the source's `on_error`)."""
        message = reply.message
        detail = f": {message}" if message else ""
        if reply.status == 429:
            wait = retry_after_seconds(reply.headers.get("Retry-After"))
            raise Transient(f"HTTP 429 rate limited{detail}", wait=wait)
        if reply.status >= 500:
            raise Transient(f"HTTP {reply.status} {reply.reason}".rstrip() + detail)
        raise SourceError(f"{where}: HTTP {reply.status}{detail}")

    # ---- one attempt -------------------------------------------------------------------------

    def _attempt(self, url: str, headers: dict[str, str], where: str, limits: HttpConfig,
                 deadline: _Deadline) -> Reply:
        """One attempt: the answer, after the redirects allowed, with its body read."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send(current, headers, where, limits, deadline)
            with response:
                if not response.is_redirect:
                    return self._reply(response, current, where, limits, deadline)
                target = urljoin(current, response.headers["Location"])
            _check_redirect(url, target, where)
            current = target
        raise SourceError(f"{where}: more than {MAX_REDIRECTS} redirects")

    def _send(self, url: str, headers: dict[str, str], where: str, limits: HttpConfig,
              deadline: _Deadline) -> requests.Response:
        left = deadline.remaining()
        if left <= 0:
            raise deadline.passed(where, "before an answer")
        connect = min(limits.connect_timeout_seconds, left)
        read = min(limits.read_timeout_seconds, left)
        try:
            return self.session.get(url, headers=headers, timeout=(connect, read),
                                    stream=True, allow_redirects=False)
        except requests.ConnectTimeout:
            raise Transient(f"no connection within {_secs(connect)} s") from None
        except requests.Timeout:
            raise Transient(f"timeout after {_secs(read)} s") from None
        except requests.ConnectionError as exc:
            raise Transient(f"connection error ({type(exc).__name__})") from None
        except requests.RequestException as exc:  # an invalid URL or redirect target
            raise SourceError(f"{where}: request refused ({type(exc).__name__}: "
                              f"{one_line(self.redact(str(exc)), 120)})") from None

    def _reply(self, response: requests.Response, url: str, where: str, limits: HttpConfig,
               deadline: _Deadline) -> Reply:
        status = response.status_code
        if status == 200:
            limit, quiet = limits.max_body_bytes, False
            length = response.headers.get("Content-Length", "").strip()
            if length.isdigit() and int(length) > limit \
                    and not response.headers.get("Content-Encoding"):
                raise SourceError(f"{where}: Content-Length of {int(length)} bytes, more than "
                                  f"the limit of {limit} bytes")
        else:
            limit, quiet = min(ERROR_BODY_BYTES, limits.max_body_bytes), True
        body = _read_body(response.raw, where, limit, deadline, quiet)
        return Reply(url=url, status=status, reason=response.reason or "",
                     headers=response.headers, body=body, secret=self.secret)


def _read_body(raw: Any, where: str, limit: int, deadline: _Deadline, quiet: bool) -> bytes:
    """The decoded body, chunk by chunk as it arrives, within `limit` bytes and the deadline.

    `quiet` (error pages): stop at the limit, or at a broken connection, without raising.
    A timer shuts the socket when the deadline passes, which ends a read blocked on a
    server that went silent mid-body."""
    cut = threading.Event()
    timer = threading.Timer(max(deadline.remaining(), 0.0), _shut, (raw, cut))
    timer.daemon = True
    timer.start()
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if deadline.remaining() <= 0:
                cut.set()
                break
            chunk = _read_some(raw)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                if quiet:
                    chunks.append(chunk[: len(chunk) - (size - limit)])
                    break
                raise SourceError(f"{where}: body larger than the limit of {limit} bytes; "
                                  "download stopped")
            chunks.append(chunk)
    except _BODY_ERRORS as exc:
        if not cut.is_set():
            if quiet:
                return b"".join(chunks)
            raise Transient(f"truncated body after {size} bytes ({type(exc).__name__})") \
                from None
    finally:
        timer.cancel()
    if cut.is_set():
        raise deadline.passed(where, f"while reading the answer ({size} bytes read)")
    return b"".join(chunks)


def _read_some(raw: Any) -> bytes:
    """What has arrived, up to `CHUNK_BYTES`, without waiting for a full chunk: urllib3's
    `read`/`stream` block until the whole amount arrives, which a trickling server never
    sends, so the clock would never be checked."""
    data: bytes
    is_urllib3 = isinstance(raw, urllib3.HTTPResponse)
    read1 = getattr(raw, "read1", None)  # urllib3 >= 2.2; file-like test doubles
    if read1 is None:  # a full chunk at a time: only the timer bounds a trickle
        data = raw.read(CHUNK_BYTES, decode_content=True) if is_urllib3 \
            else raw.read(CHUNK_BYTES)
    else:
        data = read1(CHUNK_BYTES, decode_content=True) if is_urllib3 else read1(CHUNK_BYTES)
    return data


def _shut(raw: Any, cut: threading.Event) -> None:
    cut.set()
    shutdown = getattr(raw, "shutdown", None)  # urllib3 >= 2.3
    if shutdown is not None:
        try:
            shutdown()
        except (OSError, RuntimeError, ValueError):
            pass  # already released: nothing left to stop


def _check_redirect(asked: str, target: str, where: str) -> None:
    """Only http(s), only the host asked: a refused redirect is a one-line error."""
    parts = urlsplit(target)
    if parts.scheme.lower() not in ("http", "https"):
        # What requests itself raises for a scheme it has no adapter for.
        raise SourceError(f"{where}: request refused (InvalidSchema: redirect to "
                          f"{one_line(target, 120)!r}; only http and https are followed)")
    host = urlsplit(asked).hostname
    if parts.hostname != host:
        raise SourceError(f"{where}: redirect to another host refused ({parts.hostname}; "
                          f"only {host} is followed)")


def _secs(seconds: float) -> str:
    return f"{round(seconds, 1):g}"


def _attempts(count: int) -> str:
    return f"{count} attempt" + ("s" if count > 1 else "")


# ---- hooks -----------------------------------------------------------------------------------

def json_body(reply: Reply) -> Any:
    """The parsed JSON of a 200 answer; an HTML page or an invalid (often truncated) body is
    a `Transient` asked again once."""
    text = reply.text
    if "text/html" in reply.content_type or text.lstrip().startswith("<"):
        title = html_title(text)
        what = f" ({title})" if title else ""
        raise Transient(f"HTTP 200 with an HTML page instead of JSON{what}", body_invalid=True)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Transient(
            f"invalid or truncated JSON ({len(text)} characters; {exc.msg} at "
            f"character {exc.pos})", body_invalid=True
        ) from None


@dataclass(frozen=True)
class ApiGateway:
    """How the API gateway in front of Comtrade and ePing (Azure API Management) refuses a
    request, as an `on_error` hook: 401 key refused, 403/429 call quota (`QuotaExhausted`),
    429 and 403 rate limits (with `Retry-After`, else the "try again in N seconds" of the
    message). The patterns are the source's own (its settings), defaulting to the gateway's
    documented wording."""

    where: str
    key_hint: str = "the API key"
    quota: re.Pattern[str] = QUOTA_PATTERN
    replenish: re.Pattern[str] = REPLENISH_PATTERN
    rate_limit: re.Pattern[str] = RATE_LIMIT_PATTERN
    try_again: re.Pattern[str] = TRY_AGAIN_PATTERN

    def refuse(self, reply: Reply) -> None:
        status, text = reply.status, reply.text
        if status == 401:
            raise SourceError(
                f"{self.where}: HTTP 401: the subscription key was refused (missing, invalid "
                f"or inactive); check {self.key_hint}")
        if status in (403, 429) and self.quota.search(text):
            found = self.replenish.search(text)
            replenished = found.group(1) if found else None
            when = f"; replenished in {replenished}" if replenished else ""
            raise QuotaExhausted(f"{self.where}: HTTP {status}: out of call volume quota{when}",
                                 replenished)
        retry_after = retry_after_seconds(reply.headers.get("Retry-After"))
        if status == 429 or (
            status == 403 and (retry_after is not None or self.rate_limit.search(text))
        ):
            if retry_after is None:
                hint = self.try_again.search(text)
                retry_after = float(hint.group(1)) if hint else None
            raise Transient(f"HTTP {status} rate limited", wait=retry_after)


# ---- text helpers ----------------------------------------------------------------------------

def one_line(text: str, limit: int = 200) -> str:
    """`text` with its whitespace folded, cut at `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def html_title(text: str) -> str | None:
    """The `<title>` of an HTML page, on one line."""
    title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    return one_line(title.group(1)) if title else None


def server_message(text: str) -> str:
    """The `message` of a JSON error body, else the start of the body, on one line."""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "Message"):
            if body.get(key):
                return one_line(str(body[key]))
    if text.lstrip().startswith("<"):
        title = html_title(text)
        return f"HTML page ({title})" if title else "HTML page"
    return one_line(text)


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` in seconds: a number, or an HTTP date (RFC 9110)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
