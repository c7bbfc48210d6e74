"""A thin client for the UN Comtrade API v1 on `requests`: retries, clear errors, no key leaks.

Every error is a `SourceError` (or a subclass) whose message is one line naming the URL path
and the problem. The subscription key travels only in the `Ocp-Apim-Subscription-Key`
header: it is never put in a URL, a log record or an exception message.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import requests

from observatory.errors import ConfigError, SourceError
from observatory.orchestration import api_slot
from observatory.sources.comtrade import settings
from observatory.sources.comtrade.errors import QuotaExhausted, SourceUnavailable

log = logging.getLogger(__name__)

_MASK = "***"


@dataclass(frozen=True)
class ComtradeAnswer:
    """A successful answer: the records of the `data` array, as the API sent them."""

    path: str
    records: list[dict[str, Any]]
    count: int | None
    elapsed: str | None


def build_url(base_url: str, path: str, params: Mapping[str, str]) -> str:
    """The URL for `path` and `params` (commas left as commas, as the API writes lists)."""
    query = urlencode(list(params.items()), safe=",")
    base = base_url.rstrip("/")
    return f"{base}{path}?{query}" if query else f"{base}{path}"


class _Transient(Exception):
    """An answer worth asking again for, with the wait the server asked for (if any)."""

    def __init__(self, problem: str, wait: float | None = None, body_invalid: bool = False):
        super().__init__(problem)
        self.problem = problem
        self.wait = wait
        self.body_invalid = body_invalid


class ComtradeClient:
    """GET JSON from the Comtrade API, with retries and one-line errors.

    Retries (at most `max_retries`, waits through the injectable `sleep`):
    - 429, and 403 rate-limit answers: wait `Retry-After` seconds (or the "try again in N
      seconds" of the message), else back off;
    - 5xx, connection errors, timeouts: back off `backoff_base * 2**(n-1)` seconds;
    - an HTML page or a truncated/invalid JSON body: asked again once, then raised.
    Raised at once: 401 (bad key), 403 quota (`QuotaExhausted`), other 4xx, and HTTP 200 with
    a non-empty `error` field (a malformed request: asking again gives the same answer).
    A wait longer than `max_wait` seconds raises `SourceUnavailable` instead of blocking.
    """

    def __init__(
        self,
        base_url: str = settings.BASE_URL,
        api_key: str | None = None,
        session: requests.Session | None = None,
        timeout: float = 60,
        max_retries: int = 5,
        backoff_base: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = settings.MAX_WAIT_SECONDS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key or None
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.sleep = sleep
        self.max_wait = max_wait

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **kwargs: Any
    ) -> ComtradeClient:
        """A client whose key is `COMTRADE_API_KEY` (absent or empty: keyless, preview only)."""
        env = os.environ if environ is None else environ
        key = (env.get(settings.API_KEY_ENV) or "").strip() or None
        return cls(api_key=key, **kwargs)

    @property
    def has_key(self) -> bool:
        return self._api_key is not None

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (sent to a fetch worker) without the key: the worker uses its own
        `COMTRADE_API_KEY` (none: keyless, and `/data/` asks for one), so the key never
        travels between machines."""
        state = self.__dict__.copy()
        state["_api_key"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._api_key = (os.environ.get(settings.API_KEY_ENV) or "").strip() or None

    def __repr__(self) -> str:
        key = _MASK if self._api_key else None
        return f"ComtradeClient(base_url={self.base_url!r}, api_key={key!r})"

    def url(self, path: str, params: Mapping[str, str]) -> str:
        """The exact URL sent."""
        return build_url(self.base_url, path, params)

    # ---- endpoints -------------------------------------------------------------------------

    def preview(self, type_code: str, freq: str, classification: str,
                params: Mapping[str, str]) -> ComtradeAnswer:
        """Keyless final data: at most 500 rows and one period per call."""
        path = settings.PREVIEW_PATH.format(type_code=type_code, freq=freq,
                                            classification=classification)
        return self.fetch(path, params)

    def get_data(self, type_code: str, freq: str, classification: str,
                 params: Mapping[str, str]) -> ComtradeAnswer:
        """Keyed final data: at most 12 periods per call, `maxRecords` rows."""
        path = settings.DATA_PATH.format(type_code=type_code, freq=freq,
                                         classification=classification)
        return self.fetch(path, params)

    def availability(
        self,
        type_code: str,
        freq: str,
        classification: str,
        *,
        reporter_codes: Sequence[int] | None = None,
        periods: Sequence[str] | None = None,
        bulk: bool = False,
    ) -> ComtradeAnswer:
        """Data availability records (`datasetChecksum`, ...) or, with `bulk`, the bulk file
        list (`publicationDate`, `timestamp`, ...). Keyless uses the public endpoint."""
        if bulk:
            template = settings.BULK_AVAILABILITY_PATH
        elif self.has_key:
            template = settings.DATA_AVAILABILITY_PATH
        else:
            template = settings.PUBLIC_AVAILABILITY_PATH
        path = template.format(type_code=type_code, freq=freq, classification=classification)
        params: dict[str, str] = {}
        if reporter_codes:
            params["reporterCode"] = ",".join(str(int(c)) for c in reporter_codes)
        if periods:
            params["period"] = ",".join(str(p) for p in periods)
        return self.fetch(path, params)

    # ---- the request loop ------------------------------------------------------------------

    def fetch(self, path: str, params: Mapping[str, str]) -> ComtradeAnswer:
        """GET `path` with `params`; the parsed envelope, or a one-line `SourceError`."""
        if path.startswith(("/data/", "/bulk/")) and not self.has_key:
            raise ConfigError(
                f"{path}: this endpoint needs a subscription key; set {settings.API_KEY_ENV}"
            )
        url = self.url(path, params)
        if len(url) > settings.MAX_URL_LENGTH:
            raise SourceError(
                f"{path}: URL of {len(url)} characters, more than the API's "
                f"{settings.MAX_URL_LENGTH}; split the request"
            )
        headers = {"Accept": "application/json"}
        if self._api_key:
            headers[settings.KEY_HEADER] = self._api_key
        attempt = 0
        invalid_bodies = 0
        while True:
            attempt += 1
            log.debug("GET %s %s (attempt %d)", path, dict(params), attempt)
            try:
                try:
                    # Inside a Prefect run, a slot of the limits shared by every worker.
                    with api_slot(settings.SOURCE):
                        response = self.session.get(url, headers=headers,
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

    def _answer(self, path: str, response: requests.Response) -> ComtradeAnswer:
        status = response.status_code
        text = self._redact(response.text or "")
        if status == 200:
            return self._parse(path, response, text)
        message = _server_message(text)
        if status == 401:
            raise SourceError(
                f"{path}: HTTP 401: the subscription key was refused (missing, invalid or "
                f"inactive); check {settings.API_KEY_ENV}"
            )
        if status in (403, 429) and settings.QUOTA_PATTERN.search(text):
            found = settings.REPLENISH_PATTERN.search(text)
            replenished = found.group(1) if found else None
            when = f"; replenished in {replenished}" if replenished else ""
            raise QuotaExhausted(f"{path}: HTTP {status}: out of call volume quota{when}",
                                 replenished)
        retry_after = _retry_after(response.headers.get("Retry-After"))
        if status == 429 or (
            status == 403 and (retry_after is not None
                               or settings.RATE_LIMIT_PATTERN.search(text))
        ):
            if retry_after is None:
                hint = settings.TRY_AGAIN_PATTERN.search(text)
                retry_after = float(hint.group(1)) if hint else None
            raise _Transient(f"HTTP {status} rate limited", wait=retry_after)
        if status >= 500:
            raise _Transient(f"HTTP {status} {response.reason or ''}".rstrip()
                             + (f": {message}" if message else ""))
        raise SourceError(f"{path}: HTTP {status}" + (f": {message}" if message else ""))

    def _parse(self, path: str, response: requests.Response, text: str) -> ComtradeAnswer:
        content_type = response.headers.get("Content-Type", "").lower()
        if "text/html" in content_type or text.lstrip().startswith("<"):
            title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
            what = f" ({_one_line(title.group(1))})" if title else ""
            raise _Transient(f"HTTP 200 with an HTML page instead of JSON{what}",
                             body_invalid=True)
        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _Transient(
                f"invalid or truncated JSON ({len(text)} characters; {exc.msg} at "
                f"character {exc.pos})", body_invalid=True
            ) from None
        if not isinstance(body, dict):
            raise SourceError(f"{path}: expected a JSON object, got {type(body).__name__}")
        error = body.get("error")
        if error:
            raise SourceError(f"{path}: the API rejected the request: "
                              f"{_one_line(self._redact(str(error)))}")
        data = body.get("data")
        if not isinstance(data, list):
            raise SourceError(f"{path}: the answer has no `data` array")
        count = body.get("count")
        return ComtradeAnswer(path=path, records=data,
                              count=int(count) if isinstance(count, int) else None,
                              elapsed=body.get("elapsedTime"))

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, _MASK) if self._api_key else text


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _server_message(text: str) -> str:
    """The `message` of a JSON error body, else the start of the body, on one line."""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "Message"):
            if body.get(key):
                return _one_line(str(body[key]))
    if text.lstrip().startswith("<"):
        title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        return f"HTML page ({_one_line(title.group(1))})" if title else "HTML page"
    return _one_line(text)


def _retry_after(value: str | None) -> float | None:
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


# ---- header drift in CSV and bulk files ------------------------------------------------------

def _fold(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


_CANONICAL: dict[str, str] = {_fold(k): v for k, v in settings.FIELD_NAMES.items()}
_CANONICAL.update({_fold(v): v for v in settings.FIELD_NAMES.values()})
_CANONICAL.update(settings.HEADER_ALIASES)


def normalise_column_name(name: str) -> str:
    """Our snake_case name for a Comtrade column, whatever its spelling.

    Known fields and variants (`ReporterCode`, `reporter_code`, `PrimaryValue`, `cifValue`,
    `CIFValue`, `isnetWgtEstimated`, the typos `Prtner2Code` and `AtlQty`) map to the names of
    `settings.FIELD_NAMES`; an unknown name is only converted to snake_case.
    """
    known = _CANONICAL.get(_fold(name))
    if known:
        return known
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name).strip())
    return re.sub(r"[^0-9a-zA-Z]+", "_", snake).strip("_").lower()


def normalise_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename the columns of a CSV/bulk download to our snake_case names (a new frame).

    Two columns that mean the same field (e.g. `cifValue` and `CIFValue`) raise
    `SourceError` rather than one silently shadowing the other.
    """
    names = [normalise_column_name(c) for c in frame.columns]
    seen: dict[str, str] = {}
    for original, name in zip(frame.columns, names, strict=True):
        if name in seen:
            raise SourceError(
                f"columns {seen[name]!r} and {original!r} both mean {name!r}"
            )
        seen[name] = str(original)
    out = frame.copy()
    out.columns = names
    return out
