"""A thin client for the UN Comtrade API v1: endpoints, clear errors, no key leaks.

Requests go through the shared client (`observatory.sources.http`: retries, timeouts, the
total deadline per request, size limit, redirects on the same host only). What is
Comtrade's stays here: the gateway's refusals read with this source's patterns
(`settings.QUOTA_PATTERN`, ...) and the answer's envelope (`error`, `data`, `count`).

Every error is a `SourceError` (or a subclass) whose message is one line naming the URL path
and the problem. The subscription key travels only in the `Ocp-Apim-Subscription-Key`
header: it is never put in a URL, a log record or an exception message.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from observatory.config import HttpConfig
from observatory.errors import ConfigError, SourceError
from observatory.sources.comtrade import settings

# Comtrade's column spellings are shared with analysts' files: observatory/sources/formats.py.
from observatory.sources.formats import normalise_column_name, normalise_columns  # noqa: F401
from observatory.sources.http import MASK, ApiGateway, HttpClient, Reply, json_body, one_line

log = logging.getLogger(__name__)


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


class ComtradeClient:
    """GET JSON from the Comtrade API, with retries and one-line errors.

    Retries (at most `max_retries`, waits through the injectable `sleep`), all within the
    deadline of `http` (`HttpConfig`, the `[http]` section; `timeout` overrides its read
    timeout):
    - 429, and 403 rate-limit answers: wait `Retry-After` seconds (or the "try again in N
      seconds" of the message), else back off;
    - 5xx, connection errors, timeouts: back off `backoff_base * 2**(n-1)` seconds;
    - an HTML page or a truncated/invalid JSON body: asked again once, then raised.
    Raised at once: 401 (bad key), 403 quota (`QuotaExhausted`), other 4xx, and HTTP 200 with
    a non-empty `error` field (a malformed request: asking again gives the same answer).
    A wait longer than `max_wait` seconds, or than what is left of the deadline, raises
    `SourceUnavailable` instead of blocking.
    """

    def __init__(
        self,
        base_url: str = settings.BASE_URL,
        api_key: str | None = None,
        session: requests.Session | None = None,
        timeout: float | None = None,
        max_retries: int = 5,
        backoff_base: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = settings.MAX_WAIT_SECONDS,
        http: HttpConfig | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key or None
        limits = http or HttpConfig()
        if timeout is not None:
            limits = dataclasses.replace(limits, read_timeout_seconds=timeout)
        self._getter = HttpClient(
            session=session if session is not None else requests.Session(),
            settings=limits, max_retries=max_retries, backoff_base=backoff_base,
            max_wait=max_wait, sleep=sleep, secret=self._api_key,
            limited_as=settings.SOURCE,
        )

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
        state["_getter"] = dataclasses.replace(self._getter, secret=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._api_key = (os.environ.get(settings.API_KEY_ENV) or "").strip() or None
        self._getter = dataclasses.replace(self._getter, secret=self._api_key)

    def __repr__(self) -> str:
        key = MASK if self._api_key else None
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

    # ---- one request -----------------------------------------------------------------------

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
        gateway = ApiGateway(
            where=path, key_hint=settings.API_KEY_ENV, quota=settings.QUOTA_PATTERN,
            replenish=settings.REPLENISH_PATTERN, rate_limit=settings.RATE_LIMIT_PATTERN,
            try_again=settings.TRY_AGAIN_PATTERN,
        )
        return self._getter.get(url, where=path, headers=headers, params_for_log=params,
                                on_error=gateway.refuse,
                                read=lambda reply: _envelope(path, reply))


def _envelope(path: str, reply: Reply) -> ComtradeAnswer:
    """The `data` array of a 200 answer; a non-empty `error` field is the API rejecting the
    request (asking again gives the same answer)."""
    body = json_body(reply)
    if not isinstance(body, dict):
        raise SourceError(f"{path}: expected a JSON object, got {type(body).__name__}")
    error = body.get("error")
    if error:
        raise SourceError(f"{path}: the API rejected the request: {one_line(str(error))}")
    data = body.get("data")
    if not isinstance(data, list):
        raise SourceError(f"{path}: the answer has no `data` array")
    count = body.get("count")
    return ComtradeAnswer(path=path, records=data,
                          count=int(count) if isinstance(count, int) else None,
                          elapsed=body.get("elapsedTime"))


# ---- header drift in CSV and bulk files ------------------------------------------------------

