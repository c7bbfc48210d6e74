"""A thin client for the WTO ePing API on `requests`: paging, retries, clear errors, no key leaks.

Requests go through the shared client of `observatory.sources.http` (429 with
`Retry-After`, 5xx/timeout backoff, HTML pages and truncated JSON asked again once then
raised, 401/403 of the API gateway on one line, the total deadline of `[http]`). The
subscription key travels only in the `Ocp-Apim-Subscription-Key` header: never in a URL, a
log record, a repr or an exception.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from observatory.config import HttpConfig
from observatory.errors import ConfigError, SourceError
from observatory.sources.eping import settings
from observatory.sources.http import MASK, ApiGateway, HttpClient, json_body

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EpingPage:
    """One page of a search: its items as the API sent them, and the total the API reports."""

    items: list[dict[str, Any]]
    total_count: int | None
    page: int
    page_size: int
    items_key: str


def build_url(base_url: str, path: str, params: Mapping[str, Any]) -> str:
    """The URL for `path` and `params`, in `settings.SEARCH_PARAMS` order (commas kept)."""
    ordered = [(k, params[k]) for k in settings.SEARCH_PARAMS if k in params]
    ordered += sorted((k, v) for k, v in params.items() if k not in settings.SEARCH_PARAMS)
    query = urlencode([(k, str(v)) for k, v in ordered if v is not None], safe=",")
    base = base_url.rstrip("/")
    return f"{base}{path}?{query}" if query else f"{base}{path}"


def find_items(body: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]] | None:
    """(key, list) of the first of `settings.ITEM_LIST_KEYS` holding a list, else None."""
    for key in settings.ITEM_LIST_KEYS:
        value = body.get(key)
        if isinstance(value, list):
            return key, value
    return None


def _total_count(body: Mapping[str, Any]) -> int | None:
    for key in settings.TOTAL_COUNT_KEYS:
        value = body.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
    return None


class EpingClient:
    """GET notification searches from the ePing API, one page or all of them."""

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
        """`http`: timeouts, deadline and size limit (the `[http]` section; defaults when
        None); `timeout` overrides its read timeout."""
        self.base_url = base_url.rstrip("/")
        self._api_key = (api_key or "").strip() or None
        limits = http or HttpConfig()
        if timeout is not None:
            limits = dataclasses.replace(limits, read_timeout_seconds=timeout)
        self._getter = HttpClient(
            session=session if session is not None else requests.Session(),
            settings=limits, max_retries=max_retries, backoff_base=backoff_base,
            max_wait=max_wait, sleep=sleep, secret=self._api_key, limited_as=settings.SOURCE,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> EpingClient:
        """A client whose key is `EPING_API_KEY` (absent or empty: no key sent)."""
        env = os.environ if environ is None else environ
        return cls(api_key=env.get(settings.API_KEY_ENV), **kwargs)

    @property
    def has_key(self) -> bool:
        return self._api_key is not None

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (sent to a fetch worker) without the key: the worker uses its own
        `EPING_API_KEY`, so the key never travels between machines."""
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
        return f"EpingClient(base_url={self.base_url!r}, api_key={key!r})"

    def url(self, path: str, params: Mapping[str, Any]) -> str:
        """The exact URL sent (it never holds the key)."""
        return build_url(self.base_url, path, params)

    def get_json(self, path: str, params: Mapping[str, Any]) -> Any:
        headers = {"Accept": "application/json"}
        if self._api_key:
            headers[settings.KEY_HEADER] = self._api_key
        gateway = ApiGateway(where=path, key_hint=settings.API_KEY_ENV)
        return self._getter.get(self.url(path, params), where=path, headers=headers,
                                params_for_log=params, on_error=gateway.refuse,
                                read=json_body)

    # ---- search ---------------------------------------------------------------------------

    def search(self, params: Mapping[str, Any]) -> EpingPage:
        """One page of `GET /notifications/search`.

        `params` uses the API's names (`domainIds`, `countryIds`, `hs`, `freeText`,
        `distributionDateFrom`, `distributionDateTo`, `page`, `pageSize`); `language`
        defaults to 1 (English), `page` to 1, `pageSize` to 100 (the maximum). Lists may be
        given as Python lists and are sent comma-separated.
        """
        query = _search_params(params)
        path = settings.SEARCH_PATH
        body = self.get_json(path, query)
        if not isinstance(body, dict):
            raise SourceError(f"{path}: expected a JSON object, got {type(body).__name__}")
        found = find_items(body)
        if found is None:
            keys = ", ".join(sorted(str(k) for k in body)[:10]) or "none"
            raise SourceError(
                f"{path}: the answer has no item list (looked for "
                f"{', '.join(settings.ITEM_LIST_KEYS)}; keys: {keys})"
            )
        key, items = found
        bad = [i for i, item in enumerate(items) if not isinstance(item, dict)]
        if bad:
            raise SourceError(f"{path}: page {query['page']}: item {bad[0]} is not an object")
        return EpingPage(items=items, total_count=_total_count(body), page=int(query["page"]),
                         page_size=int(query["pageSize"]), items_key=key)

    def iter_pages(self, params: Mapping[str, Any]) -> Iterator[EpingPage]:
        """Every page of a search, from `params['page']` (default 1) on.

        Stops when the items seen reach `totalCount`, or at a short or empty page (which is
        also how a search without `totalCount` ends); at most `settings.MAX_PAGES` pages.
        """
        query = _search_params(params)
        first = int(query["page"])
        seen = 0
        for number in range(first, first + settings.MAX_PAGES):
            page = self.search({**query, "page": number})
            yield page
            seen += len(page.items)
            if not page.items or len(page.items) < page.page_size:
                return
            if page.total_count is not None and seen >= page.total_count:
                return
        raise SourceError(
            f"{settings.SEARCH_PATH}: more than {settings.MAX_PAGES} pages; narrow the search"
        )

    def search_all(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The items of every page of a search, in the API's order."""
        items: list[dict[str, Any]] = []
        total: int | None = None
        for page in self.iter_pages(params):
            items.extend(page.items)
            total = page.total_count if page.total_count is not None else total
        if total is not None and len(items) < total:
            # Not fatal (the API may count items it does not serve), but worth seeing.
            log.warning("%s: totalCount %d but %d items served", settings.SEARCH_PATH,
                        total, len(items))
        return items


def _search_params(params: Mapping[str, Any]) -> dict[str, Any]:
    query: dict[str, Any] = {"language": settings.LANGUAGE_ENGLISH, "page": 1,
                             "pageSize": settings.DEFAULT_PAGE_SIZE}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, set | frozenset):
            value = sorted(value)
        if isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        query[name] = value
    page_size = int(query["pageSize"])
    if not 1 <= page_size <= settings.MAX_PAGE_SIZE:
        raise ConfigError(
            f"{settings.SEARCH_PATH}: pageSize {page_size} outside 1..{settings.MAX_PAGE_SIZE}"
        )
    if int(query["page"]) < 1:
        raise ConfigError(f"{settings.SEARCH_PATH}: page {query['page']} is below 1")
    query["pageSize"] = page_size
    return query
