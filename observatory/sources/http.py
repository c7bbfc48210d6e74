"""Shared HTTP plumbing for JSON APIs behind an API gateway (WTO ePing; Comtrade could follow).

`JsonGetter.get` sends one GET and returns the parsed JSON body, with the retry policy the
Comtrade client established (`observatory.sources.comtrade.client`):
- 429, and 403 answers that speak of a rate limit: wait `Retry-After` seconds (or the
  "try again in N seconds" of the message), else back off;
- 5xx, connection errors, timeouts: back off `backoff_base * 2**(n-1)` seconds;
- an HTML page or a truncated/invalid JSON body with status 200: asked again once, then raised.
Raised at once, on one line and without the key: 401 (key refused), 403 quota
(`QuotaExhausted`), every other 4xx. A wait longer than `max_wait` raises `SourceUnavailable`.

The Comtrade client keeps its own copy of this loop (its answers have a Comtrade-specific
`error` field and quota handling); its generic helpers are private there, hence this module.
The exception classes are Comtrade's, re-exported, so that a flow catches one
`SourceUnavailable` whatever the source.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from observatory.errors import SourceError
from observatory.orchestration import api_slot
from observatory.sources.comtrade.errors import QuotaExhausted, SourceUnavailable

__all__ = [
    "JsonGetter", "QuotaExhausted", "SourceUnavailable", "html_title", "one_line",
    "retry_after_seconds", "server_message",
]

log = logging.getLogger(__name__)

MASK = "***"
QUOTA_PATTERN = re.compile(r"out of call volume quota", re.IGNORECASE)
REPLENISH_PATTERN = re.compile(r"replenished in (\d{1,3}:\d{2}:\d{2})", re.IGNORECASE)
RATE_LIMIT_PATTERN = re.compile(r"rate limit", re.IGNORECASE)
TRY_AGAIN_PATTERN = re.compile(r"try again in (\d+(?:\.\d+)?) second", re.IGNORECASE)


class _Transient(Exception):
    """An answer worth asking again for, with the wait the server asked for (if any)."""

    def __init__(self, problem: str, wait: float | None = None, body_invalid: bool = False):
        super().__init__(problem)
        self.problem = problem
        self.wait = wait
        self.body_invalid = body_invalid


@dataclass
class JsonGetter:
    """GET a JSON body with retries. `secret` is masked in every text it handles;
    `key_hint` names the environment variable a 401 message points to."""

    session: requests.Session
    timeout: float = 60
    max_retries: int = 5
    backoff_base: float = 1.0
    max_wait: float = 300.0
    sleep: Callable[[float], None] = time.sleep
    secret: str | None = field(default=None, repr=False)
    key_hint: str = "the API key"
    # The source whose shared limits each request occupies inside a Prefect run
    # (`observatory.orchestration.api_slot`); None: unlimited.
    limited_as: str | None = None

    def get(self, url: str, *, path: str, headers: Mapping[str, str],
            params_for_log: Mapping[str, Any] | None = None) -> Any:
        """The parsed JSON body of `url`, or a one-line `SourceError` naming `path`.

        `url` must not hold the secret (send it in `headers`); `path` is what messages name.
        """
        attempt = 0
        invalid_bodies = 0
        while True:
            attempt += 1
            log.debug("GET %s %s (attempt %d)", path, dict(params_for_log or {}), attempt)
            try:
                try:
                    with api_slot(self.limited_as or ""):
                        response = self.session.get(url, headers=dict(headers),
                                                    timeout=self.timeout)
                except requests.Timeout as exc:
                    raise _Transient(f"timeout after {self.timeout} s") from exc
                except requests.ConnectionError as exc:
                    raise _Transient(f"connection error ({type(exc).__name__})") from exc
                return self._answer(path, response)
            except _Transient as transient:
                if transient.body_invalid:
                    invalid_bodies += 1
                    if invalid_bodies > 1:
                        raise SourceError(f"{path}: {transient.problem}") from None
                if attempt > self.max_retries:
                    raise SourceUnavailable(
                        f"{path}: {transient.problem}; gave up after {attempt} attempts"
                    ) from None
                wait = transient.wait
                if wait is None:
                    wait = self.backoff_base * 2 ** (attempt - 1)
                if wait > self.max_wait:
                    if transient.wait is not None:
                        raise SourceUnavailable(
                            f"{path}: {transient.problem}; the server asks to wait "
                            f"{wait:.0f} s, more than max_wait={self.max_wait:.0f} s"
                        ) from None
                    wait = self.max_wait
                log.warning("%s: %s; retry %d/%d in %.1f s", path, transient.problem,
                            attempt, self.max_retries, wait)
                self.sleep(wait)

    def redact(self, text: str) -> str:
        return text.replace(self.secret, MASK) if self.secret else text

    def _answer(self, path: str, response: requests.Response) -> Any:
        status = response.status_code
        text = self.redact(response.text or "")
        if status == 200:
            return _parse(response, text)
        message = server_message(text)
        if status == 401:
            raise SourceError(
                f"{path}: HTTP 401: the subscription key was refused (missing, invalid or "
                f"inactive); check {self.key_hint}"
            )
        if status in (403, 429) and QUOTA_PATTERN.search(text):
            found = REPLENISH_PATTERN.search(text)
            replenished = found.group(1) if found else None
            when = f"; replenished in {replenished}" if replenished else ""
            raise QuotaExhausted(f"{path}: HTTP {status}: out of call volume quota{when}",
                                 replenished)
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        if status == 429 or (
            status == 403 and (retry_after is not None or RATE_LIMIT_PATTERN.search(text))
        ):
            if retry_after is None:
                hint = TRY_AGAIN_PATTERN.search(text)
                retry_after = float(hint.group(1)) if hint else None
            raise _Transient(f"HTTP {status} rate limited", wait=retry_after)
        if status >= 500:
            raise _Transient(f"HTTP {status} {response.reason or ''}".rstrip()
                             + (f": {message}" if message else ""))
        raise SourceError(f"{path}: HTTP {status}" + (f": {message}" if message else ""))


def _parse(response: requests.Response, text: str) -> Any:
    content_type = response.headers.get("Content-Type", "").lower()
    if "text/html" in content_type or text.lstrip().startswith("<"):
        title = html_title(text)
        what = f" ({title})" if title else ""
        raise _Transient(f"HTTP 200 with an HTML page instead of JSON{what}", body_invalid=True)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Transient(
            f"invalid or truncated JSON ({len(text)} characters; {exc.msg} at "
            f"character {exc.pos})", body_invalid=True
        ) from None


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
