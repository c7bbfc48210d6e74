"""RSS 2.0 / Atom 1.0 feeds: limits, names, and the validated settings of one feed.

A feed is configured by a name, a URL (http/https, or a local file path for tests and
offline use), the markets it concerns (ISO3 codes; `EUR` for the European Union) and keyword
rules mapping a regular expression to HS prefixes. Nothing here names a home country: the
markets of a feed are the configuration's choice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from observatory.errors import ConfigError

SOURCE = "feeds"

# Hard limits (defaults). A feed over any of them is rejected whole, with a one-line error:
# a truncated or partly-read feed would silently lose items.
MAX_BYTES = 5 * 1024 * 1024  # the decoded body, counted while streaming
MAX_ITEMS = 500
MAX_TITLE_CHARS = 1_000
MAX_SUMMARY_CHARS = 20_000  # counted on the text as the XML carries it (before HTML removal)
MAX_OTHER_CHARS = 2_000  # link, guid/id, date, each category
TIMEOUT_SECONDS = 30.0  # connect and per-read timeout of one request
MAX_DOWNLOAD_SECONDS = 120.0  # the whole request, retries included (the [http] deadline
# of a feed's requests, when tighter): a server trickling bytes is cut off after this
MAX_RETRIES = 3
MAX_WAIT_SECONDS = 300.0

USER_AGENT = "observatory-feeds/1.0 (+trade observatory watch)"
ACCEPT = ("application/rss+xml, application/atom+xml, application/xml;q=0.9, "
          "text/xml;q=0.9, */*;q=0.1")

ATOM_NS = "http://www.w3.org/2005/Atom"
LINK_SCHEMES = ("http", "https")
EU_ISO3 = "EUR"  # our code for the European Union (as in the ePing connector)

# The normalised item (`raw.feed_items`), with its DuckDB types.
ITEM_COLUMNS: dict[str, str] = {
    "feed": "varchar",
    "item_id": "varchar",
    "title": "varchar",  # literal text, never interpreted as HTML
    "summary": "varchar",  # plain text: HTML tags removed, their text kept
    "link": "varchar",  # http/https only; null when missing or refused
    "published_at": "timestamptz",  # UTC; null when missing or unreadable
    "categories": "varchar[]",
}
MATCH_COLUMNS: dict[str, str] = {
    "feed": "varchar",
    "item_id": "varchar",
    "hs_prefix": "varchar",
    "keyword": "varchar",  # the text that matched (lower case, accents removed)
}

_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_HS_PREFIX = re.compile(r"^\d{2}(\d{2}){0,2}$")
_ISO3 = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class FeedLimits:
    """Hard limits on one feed; every value must be positive."""

    max_bytes: int = MAX_BYTES
    max_items: int = MAX_ITEMS
    max_title_chars: int = MAX_TITLE_CHARS
    max_summary_chars: int = MAX_SUMMARY_CHARS
    max_other_chars: int = MAX_OTHER_CHARS
    timeout_seconds: float = TIMEOUT_SECONDS
    max_download_seconds: float = MAX_DOWNLOAD_SECONDS

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"limits.{name}: expected a positive number, got {value!r}")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], key: str = "limits") -> FeedLimits:
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            raise ConfigError(f"{key}.{unknown[0]}: unknown limit; known: "
                              + ", ".join(cls.__dataclass_fields__))
        try:
            return cls(**dict(values))
        except ConfigError as exc:
            raise ConfigError(f"{key}.{str(exc).removeprefix('limits.')}") from None


@dataclass(frozen=True)
class FeedSettings:
    """One configured feed. Build it with `from_mapping` to get errors naming the key.

    keywords: regular expression -> HS prefixes (2, 4 or 6 digits). Patterns are matched on
    title + summary, ignoring case and accents (`clémentine` and `CLEMENTINES` both match
    `clementine`); they are not anchored to word boundaries (`phosphat` matches
    `phosphates`), write `\\b` where that matters.
    """

    name: str
    url: str
    markets: tuple[str, ...] = ()
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    limits: FeedLimits = field(default_factory=FeedLimits)

    def __post_init__(self) -> None:
        key = f"feeds.{self.name}"
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ConfigError(f"feeds: name {self.name!r} must be 1-64 characters of a-z, "
                              "0-9, '_' or '-'")
        check_url(self.url, f"{key}.url")
        object.__setattr__(self, "markets", _markets(self.markets, f"{key}.markets"))
        object.__setattr__(self, "keywords", _keywords(self.keywords, f"{key}.keywords"))
        if not isinstance(self.limits, FeedLimits):
            raise ConfigError(f"{key}.limits: expected FeedLimits, got "
                              f"{type(self.limits).__name__}")

    @classmethod
    def from_mapping(cls, name: str, values: Mapping[str, Any]) -> FeedSettings:
        """A feed from its configuration table (`[feeds.<name>]`: url, markets, keywords,
        limits)."""
        key = f"feeds.{name}"
        if not isinstance(values, Mapping):
            raise ConfigError(f"{key}: expected a table, got {type(values).__name__}")
        unknown = sorted(set(values) - {"url", "markets", "keywords", "limits"})
        if unknown:
            raise ConfigError(f"{key}.{unknown[0]}: unknown key; known: url, markets, "
                              "keywords, limits")
        if "url" not in values:
            raise ConfigError(f"{key}.url: missing")
        limits = values.get("limits") or {}
        if not isinstance(limits, Mapping):
            raise ConfigError(f"{key}.limits: expected a table, got {type(limits).__name__}")
        return cls(name=name, url=values["url"], markets=values.get("markets") or (),
                   keywords=values.get("keywords") or {},
                   limits=FeedLimits.from_mapping(limits, f"{key}.limits"))


def feeds_from_config(table: Mapping[str, Any]) -> list[FeedSettings]:
    """Every feed of a `[feeds]` configuration table, in its order."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"feeds: expected a table, got {type(table).__name__}")
    return [FeedSettings.from_mapping(str(name), values) for name, values in table.items()]


def check_url(url: Any, key: str) -> None:
    """An http(s) URL, a file:// URL or a local path; anything else is a `ConfigError`."""
    if not isinstance(url, str | Path) or not str(url).strip():
        raise ConfigError(f"{key}: expected a URL or a file path, got {url!r}")
    text = str(url).strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme in LINK_SCHEMES:
        if not parts.netloc:
            raise ConfigError(f"{key}: {text!r} has no host")
    elif scheme == "file" or scheme == "" or re.match(r"^[a-zA-Z]:[\\/]", text):
        pass  # a local path (a Windows drive letter also parses as a scheme)
    else:
        raise ConfigError(f"{key}: scheme {scheme!r} not allowed; use http, https or a path")


def _markets(values: Any, key: str) -> tuple[str, ...]:
    from observatory.reference.countries import known_iso3

    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ConfigError(f"{key}: expected a list of ISO3 codes, got {values!r}")
    known = known_iso3() | {EU_ISO3}
    out: list[str] = []
    for value in values:
        code = str(value).strip().upper()
        if not _ISO3.match(code) or code not in known:
            raise ConfigError(f"{key}: {value!r} is not a known ISO3 code")
        if code not in out:
            out.append(code)
    return tuple(out)


def _keywords(values: Any, key: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(values, Mapping):
        raise ConfigError(f"{key}: expected a table of pattern -> HS prefixes, "
                          f"got {type(values).__name__}")
    out: dict[str, tuple[str, ...]] = {}
    for pattern, codes in values.items():
        where = f"{key}[{pattern!r}]"
        if not isinstance(pattern, str) or not pattern.strip():
            raise ConfigError(f"{where}: empty pattern")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}: invalid regular expression ({exc})") from None
        if compiled.match(""):
            raise ConfigError(f"{where}: the pattern matches the empty text")
        if isinstance(codes, str) or not isinstance(codes, Sequence) or not codes:
            raise ConfigError(f"{where}: expected a non-empty list of HS prefixes")
        prefixes: list[str] = []
        for code in codes:
            text = str(code).strip()
            if not _HS_PREFIX.match(text):
                raise ConfigError(f"{where}: {code!r} is not an HS prefix of 2, 4 or 6 digits")
            if text not in prefixes:
                prefixes.append(text)
        out[pattern] = tuple(prefixes)
    return out
