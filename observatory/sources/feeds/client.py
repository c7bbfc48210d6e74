"""Read RSS 2.0 and Atom 1.0 feeds safely: bounded download, defused XML, plain-text items.

Fetching (`FeedClient.fetch`): an http(s) URL goes through the shared HTTP client
(`observatory.sources.http`): streamed and cut off as soon as the body passes `max_bytes` (a
`Content-Length` over the limit is refused before reading), the whole request (retries
included) ended after `max_download_seconds`, redirects followed on the feed's host only. A
feed's limits tighten the shared `[http]` settings, never loosen them. A local path is
refused when its size passes the limit. Retries: 5xx, connection errors, timeouts and
truncated bodies back off `backoff_base * 2**(n-1)` seconds; 429 waits its `Retry-After`;
other 4xx, an HTML page and an over-limit body are raised at once.

Parsing (`parse_feed`) uses defusedxml: a document declaring entities (billion laughs) or
referencing external entities is refused, and no DTD is ever fetched. Fields:
- `title`: the text exactly as the XML carries it (`&lt;script&gt;` stays the literal text
  `<script>`); never interpreted as HTML: escaping it is the renderer's job;
- `summary`: RSS `description`, Atom `summary` (else `content`), converted from HTML to plain
  text with `html.parser` (tags removed, the text of every element kept, including the text
  inside `<script>`, so nothing the source said disappears); Atom `type="text"` is kept as is;
- `link`: kept only for http/https (relative links resolved against the feed URL); any other
  scheme (`javascript:`, `data:`) is dropped and reported in `FeedBatch.notes`;
- `published_at`: RSS `pubDate` (RFC 822) or Atom `published`, else `updated` (RFC 3339), in
  UTC; unreadable dates become None and are reported;
- `item_id`: RSS `guid` / Atom `id`, else the sha256 of the link and title as sent.
A field over its length limit, or more than `max_items` items, rejects the whole feed.

Every error is a one-line `SourceError` naming the feed and its URL or file.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import defusedxml  # type: ignore[import-untyped]
import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]
import requests

from observatory.config import HttpConfig
from observatory.errors import SourceError
from observatory.sources.feeds import settings
from observatory.sources.feeds.settings import FeedLimits, FeedSettings
from observatory.sources.http import HttpClient, Reply, html_title, one_line

log = logging.getLogger(__name__)

_A = f"{{{settings.ATOM_NS}}}"
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>])",
                         re.IGNORECASE | re.DOTALL)
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True)
class FeedItem:
    """One normalised item (a row of `raw.feed_items`)."""

    feed: str
    item_id: str
    title: str
    summary: str
    link: str | None
    published_at: datetime | None
    categories: tuple[str, ...] = ()


@dataclass
class FeedBatch:
    """The items of one read, and what was dropped or unreadable in them (`notes`)."""

    feed: str
    source: str
    kind: str  # "rss" | "atom"
    items: list[FeedItem]
    notes: list[str] = field(default_factory=list)


def is_remote(url: str) -> bool:
    return urlsplit(str(url)).scheme.lower() in settings.LINK_SCHEMES


def local_path(url: str | Path) -> Path:
    """The path of a local feed: a plain path or a `file://` URL."""
    text = str(url)
    parts = urlsplit(text)
    if parts.scheme.lower() == "file":
        return Path(unquote(parts.path))
    return Path(text)


class FeedClient:
    """Fetch and parse feeds within their `FeedLimits` and the shared `http` settings (the
    `[http]` section; defaults when None); see the module docstring."""

    def __init__(
        self,
        session: requests.Session | None = None,
        max_retries: int = settings.MAX_RETRIES,
        backoff_base: float = 1.0,
        max_wait: float = settings.MAX_WAIT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        http: HttpConfig | None = None,
    ) -> None:
        self.http = http or HttpConfig()
        self._getter = HttpClient(
            session=session if session is not None else requests.Session(),
            settings=self.http, max_retries=max_retries, backoff_base=backoff_base,
            max_wait=max_wait, sleep=sleep, clock=clock,
        )

    def read(self, feed: FeedSettings) -> FeedBatch:
        """Fetch `feed.url` and parse it into items."""
        data = self.fetch(feed.url, feed.limits, feed=feed.name)
        base = feed.url if is_remote(feed.url) else None
        return parse_feed(data, feed=feed.name, source=feed.url, limits=feed.limits,
                          base_url=base)

    def fetch(self, url: str, limits: FeedLimits, *, feed: str = "feed") -> bytes:
        """The raw bytes of a feed URL or local file, at most `limits.max_bytes` of them."""
        if not is_remote(url):
            return read_file(local_path(url), limits, feed=feed)
        where = f"feed {feed} ({url})"
        headers = {"Accept": settings.ACCEPT, "User-Agent": settings.USER_AGENT}
        return self._getter.get(url, where=where, headers=headers,
                                settings=request_limits(self.http, limits),
                                read=lambda reply: _feed_bytes(reply, where))


def request_limits(shared: HttpConfig, limits: FeedLimits) -> HttpConfig:
    """The settings of one feed's request: the shared ones, tightened by the feed's own
    (`timeout_seconds` per connect and read, `max_download_seconds` for the whole request,
    `max_bytes`)."""
    return HttpConfig(
        connect_timeout_seconds=min(shared.connect_timeout_seconds, limits.timeout_seconds),
        read_timeout_seconds=min(shared.read_timeout_seconds, limits.timeout_seconds),
        deadline_seconds=min(shared.deadline_seconds, limits.max_download_seconds),
        max_body_bytes=int(min(shared.max_body_bytes, limits.max_bytes)),
    )


def _feed_bytes(reply: Reply, where: str) -> bytes:
    """The body of a 200 answer; an HTML page (a portal's error or login page) is raised."""
    if "text/html" in reply.content_type and _HTML_START.match(reply.body[:4096]):
        raise SourceError(f"{where}: {_html_problem(reply.body)}")
    return reply.body


def read_file(path: Path, limits: FeedLimits, *, feed: str = "feed") -> bytes:
    """The bytes of a local feed file, refused when larger than `limits.max_bytes`."""
    where = f"feed {feed} ({path})"
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise SourceError(f"{where}: file of {size} bytes, more than the limit of "
                              f"{limits.max_bytes} bytes")
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)  # the file may grow after stat()
    except OSError as exc:
        raise SourceError(f"{where}: cannot read ({exc.strerror or type(exc).__name__})") \
            from None
    if len(data) > limits.max_bytes:
        raise SourceError(f"{where}: file larger than the limit of {limits.max_bytes} bytes")
    return data


# ---- parsing ---------------------------------------------------------------------------------

def parse_feed(data: bytes, *, feed: str, source: str, limits: FeedLimits | None = None,
               base_url: str | None = None) -> FeedBatch:
    """Parse RSS 2.0 or Atom 1.0 bytes into a `FeedBatch`, or raise a one-line `SourceError`.

    `source` (URL or path) is only named in messages; `base_url` resolves relative links.
    """
    limits = limits or FeedLimits()
    where = f"feed {feed} ({source})"
    if len(data) > limits.max_bytes:
        raise SourceError(f"{where}: {len(data)} bytes, more than the limit of "
                          f"{limits.max_bytes} bytes")
    if not data.strip():
        raise SourceError(f"{where}: empty document")
    if _HTML_START.match(data[:4096]):
        raise SourceError(f"{where}: {_html_problem(data)}")
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True,
                                 forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise SourceError(f"{where}: unsafe XML refused ({type(exc).__name__}: "
                          f"{_defused_reason(exc)})") from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise SourceError(f"{where}: not well-formed XML at line {line}, column {column} "
                          f"({one_line(str(exc).split(':')[0])})") from None
    tag = root.tag
    if tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise SourceError(f"{where}: RSS document without a <channel>")
        elements = channel.findall("item")
        kind = "rss"
    elif tag == f"{_A}feed":
        elements = root.findall(f"{_A}entry")
        kind = "atom"
    elif _local(tag).lower() == "html":
        raise SourceError(f"{where}: an HTML page instead of a feed")
    else:
        raise SourceError(f"{where}: not an RSS 2.0 or Atom 1.0 feed (root element "
                          f"<{one_line(_local(tag), 60)}>)")
    if len(elements) > limits.max_items:
        raise SourceError(f"{where}: {len(elements)} items, more than the limit of "
                          f"{limits.max_items}")
    batch = FeedBatch(feed=feed, source=source, kind=kind, items=[])
    seen: set[str] = set()
    for number, element in enumerate(elements, start=1):
        reader = _rss_item if kind == "rss" else _atom_entry
        item = reader(element, _Context(feed, where, number, limits, base_url, batch.notes))
        if item.item_id in seen:
            batch.notes.append(f"item {number}: duplicate id {one_line(item.item_id, 80)!r}; "
                               "first kept")
            continue
        seen.add(item.item_id)
        batch.items.append(item)
    for note in batch.notes:
        # What the reader did on purpose (an unsafe link not kept) is information, in the
        # run summary; anything else found wrong in the feed is a warning.
        level = logging.INFO if "as intended" in note else logging.WARNING
        log.log(level, "%s: %s", where, note)
    return batch


@dataclass
class _Context:
    feed: str
    where: str
    number: int
    limits: FeedLimits
    base_url: str | None
    notes: list[str]

    def checked(self, name: str, text: str | None, limit: int | None = None) -> str | None:
        if text is None:
            return None
        limit = limit if limit is not None else self.limits.max_other_chars
        if len(text) > limit:
            raise SourceError(f"{self.where}: item {self.number}: {name} of {len(text)} "
                              f"characters, more than the limit of {limit}")
        return text

    def note(self, text: str) -> None:
        self.notes.append(f"item {self.number}: {text}")


def _rss_item(element: ET.Element, ctx: _Context) -> FeedItem:
    title = ctx.checked("title", _text(element.find("title")), ctx.limits.max_title_chars)
    summary = ctx.checked("description", _text(element.find("description")),
                          ctx.limits.max_summary_chars)
    raw_link = ctx.checked("link", _text(element.find("link")))
    guid = ctx.checked("guid", _text(element.find("guid")))
    date = ctx.checked("pubDate", _text(element.find("pubDate")))
    categories = [ctx.checked("category", _text(c)) for c in element.findall("category")]
    return _item(ctx, title=title, summary=html_to_text(summary or ""), raw_link=raw_link,
                 raw_id=guid, published_at=_rfc822(date, ctx, "pubDate"),
                 categories=categories)


def _atom_entry(element: ET.Element, ctx: _Context) -> FeedItem:
    title_el = element.find(f"{_A}title")
    title = ctx.checked("title", _atom_text(title_el), ctx.limits.max_title_chars)
    summary_el = element.find(f"{_A}summary")
    if summary_el is None:
        summary_el = element.find(f"{_A}content")
    summary = ctx.checked("summary", _atom_text(summary_el), ctx.limits.max_summary_chars)
    if summary_el is not None and summary_el.get("type", "text") in ("html", "xhtml"):
        summary = html_to_text(summary or "")
    raw_link = ctx.checked("link", _atom_link(element))
    entry_id = ctx.checked("id", _text(element.find(f"{_A}id")))
    published = element.find(f"{_A}published")
    if published is None:
        published = element.find(f"{_A}updated")
    date = ctx.checked("published", _text(published))
    categories = [ctx.checked("category", (c.get("term") or "").strip() or None)
                  for c in element.findall(f"{_A}category")]
    if title_el is not None and title_el.get("type") in ("html", "xhtml"):
        # An Atom title declared as HTML is markup by the source's own word: convert it, but
        # keep it literal otherwise (the RSS and Atom `text` cases).
        title = html_to_text(title or "")
    return _item(ctx, title=title, summary=summary or "", raw_link=raw_link, raw_id=entry_id,
                 published_at=_rfc3339(date, ctx), categories=categories)


def _item(ctx: _Context, *, title: str | None, summary: str, raw_link: str | None,
          raw_id: str | None, published_at: datetime | None,
          categories: list[str | None]) -> FeedItem:
    item_id = raw_id
    if not item_id:
        digest = hashlib.sha256(f"{raw_link or ''}\n{title or ''}".encode()).hexdigest()
        item_id = f"sha256:{digest}"
    return FeedItem(
        feed=ctx.feed,
        item_id=item_id,
        title=title or "",
        summary=summary,
        link=_safe_link(raw_link, ctx),
        published_at=published_at,
        categories=tuple(dict.fromkeys(c for c in categories if c)),
    )


def _safe_link(raw: str | None, ctx: _Context) -> str | None:
    if not raw:
        return None
    link = raw.strip()
    if _CONTROL_OR_SPACE.search(link):
        ctx.note(f"link refused (control character or space): {link[:80]!r}")
        return None
    scheme = urlsplit(link).scheme.lower()
    if not scheme and ctx.base_url:
        link = urljoin(ctx.base_url, link)
        scheme = urlsplit(link).scheme.lower()
    if not scheme:
        ctx.note(f"relative link dropped (no http/https base URL): {link[:80]!r}")
        return None
    if scheme not in settings.LINK_SCHEMES or not urlsplit(link).netloc:
        ctx.note(f"unsafe link not kept, as intended (only http/https links are kept; "
                 f"scheme {scheme!r}); the item itself is kept: {link[:80]!r}")
        return None
    return link


def _atom_link(entry: ET.Element) -> str | None:
    links = entry.findall(f"{_A}link")
    for link in links:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    for link in links:
        if link.get("href"):
            return link.get("href")
    return None


def _text(element: ET.Element | None) -> str | None:
    """The text of a simple element, stripped; None when absent or empty."""
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


def _atom_text(element: ET.Element | None) -> str | None:
    """An Atom text construct: `text`/`html` are the element's text, `xhtml` its inner XML
    serialised back to markup (converted to text by the caller)."""
    if element is None:
        return None
    if element.get("type") == "xhtml":
        inner = "".join(ET.tostring(child, encoding="unicode") for child in element)
        text = ((element.text or "") + inner).strip()
        return text or None
    return _text(element)


def _rfc822(value: str | None, ctx: _Context, name: str) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        ctx.note(f"{name} {value[:60]!r} is not an RFC 822 date; left empty")
        return None
    if when.tzinfo is None:  # "-0000": UTC with unknown local zone (RFC 2822 3.3)
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _rfc3339(value: str | None, ctx: _Context) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        ctx.note(f"date {value[:60]!r} is not an RFC 3339 date; left empty")
        return None
    if when.tzinfo is None:
        ctx.note(f"date {value[:60]!r} has no time zone; read as UTC")
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


# ---- HTML to text ----------------------------------------------------------------------------

class _TextExtractor(HTMLParser):
    """The text of an HTML fragment: every tag removed, every text kept (even in <script>)."""

    _BREAK = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
              "table", "blockquote", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BREAK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: tags removed, text and line breaks kept, spaces
    folded. The result is text to store, not markup: it may contain `<` and `&`."""
    if "<" not in fragment and "&" not in fragment:
        return _fold_spaces(fragment)
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return _fold_spaces("".join(parser.parts))


def _fold_spaces(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _html_problem(data: bytes) -> str:
    title = html_title(data[:65536].decode("utf-8", "replace"))
    return "an HTML page instead of a feed" + (f" ({title})" if title else "")


def _defused_reason(exc: defusedxml.DefusedXmlException) -> str:
    if isinstance(exc, defusedxml.EntitiesForbidden):
        return f"entity {exc.name!r} declared; entity expansion is not allowed"
    if isinstance(exc, defusedxml.DTDForbidden):
        return "DTD not allowed"
    if isinstance(exc, defusedxml.ExternalReferenceForbidden):
        return f"external reference {one_line(str(exc.sysid), 80)!r} not allowed"
    return one_line(str(exc), 120)
